// Public keys as TUF metadata carries them, and the two key IDs notary uses.
import { createHash, X509Certificate } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';
import { canonicalJson } from './canonical.js';
import { KeyError } from './errors.js';
import { shortKeyId } from './short-key-id.js';

export const KEY_TYPES = ['ecdsa', 'ecdsa-x509', 'ed25519', 'rsa', 'rsa-x509'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function isKeyType(t: unknown): t is KeyType {
  return typeof t === 'string' && (KEY_TYPES as readonly string[]).includes(t);
}

/** The JSON form of a public key in root.json and in delegations (Go field set: `private` is always null). */
export interface PublicKeyJson {
  keytype: string;
  keyval: { private: null; public: string };
}

const sha256hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** RFC 8410 SubjectPublicKeyInfo of an Ed25519 key, up to its 32 bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Parsed certificates and canonical IDs by the key's bytes: every repository of a fleet lists the same
// signer keys, and each read of a repository parses its root certificate again. Both are pure
// functions of the bytes, so a cached answer is the answer.
const certificates = new BoundedCache<string, X509Certificate>(4096);
const canonicalIds = new BoundedCache<string, string>(4096);

/**
 * A public key: its type and the base64 `keyval.public` exactly as stored (the TUF key ID hashes
 * that string, so it is kept verbatim rather than decoded and re-encoded).
 */
export class PublicKey {
  #id?: string;
  #canonicalId?: string;

  constructor(
    readonly keytype: KeyType,
    readonly publicB64: string,
  ) {}

  /** Strict parse of `{"keytype","keyval":{"public","private"}}`; `where` names the place for errors. */
  static fromJSON(json: unknown, where = 'key'): PublicKey {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new KeyError(`${where}: expected a key object`);
    }
    const { keytype, keyval } = json as Record<string, unknown>;
    if (!isKeyType(keytype)) throw new KeyError(`${where}: unknown key type ${JSON.stringify(keytype)}`);
    if (typeof keyval !== 'object' || keyval === null) throw new KeyError(`${where}: keyval is missing`);
    const { public: pub, private: priv } = keyval as Record<string, unknown>;
    if (typeof pub !== 'string' || pub.length === 0) throw new KeyError(`${where}: keyval.public is missing`);
    if (priv !== undefined && priv !== null && priv !== '') {
      throw new KeyError(`${where}: metadata must not carry private key material`);
    }
    return new PublicKey(keytype, pub);
  }

  /**
   * An x509 key made from certificates just parsed (`leaf` is the first of the PEM text `publicB64`):
   * certificate() answers `leaf` rather than parsing the text again.
   */
  static fromParsedCertificate(keytype: 'ecdsa-x509' | 'rsa-x509', publicB64: string, leaf: X509Certificate): PublicKey {
    if (!certificates.get(publicB64)) certificates.set(publicB64, leaf);
    return new PublicKey(keytype, publicB64);
  }

  toJSON(): PublicKeyJson {
    return { keytype: this.keytype, keyval: { private: null, public: this.publicB64 } };
  }

  /** TUF key ID: sha256 of the canonical JSON of the key (used in `keys`, `keyids` and signatures). */
  get id(): string {
    return (this.#id ??= sha256hex(canonicalJson(this.toJSON())));
  }

  get isX509(): boolean {
    return this.keytype.endsWith('-x509');
  }

  /** The raw bytes of `keyval.public`: SPKI DER, certificate PEM text, or 32 ed25519 bytes. */
  get publicBytes(): Buffer {
    return Buffer.from(this.publicB64, 'base64');
  }

  /**
   * The SubjectPublicKeyInfo DER of a key without a certificate: `keyval.public` itself for ecdsa and
   * rsa, the 32 bytes of an ed25519 key wrapped as RFC 8410 says. x509 keys carry a certificate instead.
   */
  plainSpki(): Buffer {
    if (this.isX509) throw new KeyError(`key ${shortKeyId(this.id)} is ${this.keytype}: its public key is in its certificate`);
    return this.keytype === 'ed25519' ? Buffer.concat([ED25519_SPKI_PREFIX, this.publicBytes]) : this.publicBytes;
  }

  /** The leaf certificate of an x509 key (the first PEM block). */
  certificate(): X509Certificate {
    if (!this.isX509) throw new KeyError(`key ${shortKeyId(this.id)} is ${this.keytype}, not a certificate`);
    const known = certificates.get(this.publicB64);
    if (known) return known;
    try {
      return certificates.set(this.publicB64, new X509Certificate(this.publicBytes));
    } catch (e) {
      throw new KeyError(`key ${shortKeyId(this.id)}: certificate cannot be parsed (${(e as Error).message})`);
    }
  }

  /**
   * Notary's certificate-independent ID (private-key file names, `notary key list`, delegation
   * listings): for `*-x509` keys the TUF ID of the plain key built from the certificate's
   * SubjectPublicKeyInfo; otherwise the TUF ID itself.
   */
  get canonicalId(): string {
    if (this.#canonicalId) return this.#canonicalId;
    if (!this.isX509) return (this.#canonicalId = this.id);
    const known = canonicalIds.get(`${this.keytype}:${this.publicB64}`);
    if (known) return (this.#canonicalId = known);
    const spki = this.certificate().publicKey.export({ type: 'spki', format: 'der' });
    const plain = new PublicKey(this.keytype === 'ecdsa-x509' ? 'ecdsa' : 'rsa', spki.toString('base64'));
    return (this.#canonicalId = canonicalIds.set(`${this.keytype}:${this.publicB64}`, plain.id));
  }
}
