// A private key that can sign TUF metadata. Decoding key files is the keystore's job (src/keys);
// this class only holds decoded material and signs as notary does.
import { constants, createHash, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { KeyError } from './errors.js';
import { PublicKey } from './key.js';

// @noble/ed25519's synchronous API needs a SHA-512; node:crypto provides it without a dependency.
ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest());

export type PrivateKeyAlgorithm = 'ecdsa' | 'rsa' | 'ed25519';
/** Signature methods as they appear in the `method` field of a signature. */
export type SignatureMethod = 'ecdsa' | 'eddsa' | 'rsapss';

export type PrivateKeyMaterial =
  | { algorithm: 'ecdsa' | 'rsa'; key: KeyObject }
  | { algorithm: 'ed25519'; seed: Uint8Array; publicKey: Uint8Array };

export class PrivateKey {
  #publicKey?: PublicKey;

  constructor(readonly material: PrivateKeyMaterial) {
    if (material.algorithm !== 'ed25519' && material.key.type !== 'private') {
      throw new KeyError('expected a private key');
    }
    if (material.algorithm === 'ed25519' && (material.seed.length !== 32 || material.publicKey.length !== 32)) {
      throw new KeyError('ed25519 keys have a 32-byte seed and a 32-byte public key');
    }
  }

  static fromKeyObject(key: KeyObject): PrivateKey {
    const t = key.asymmetricKeyType;
    if (t === 'ec') return new PrivateKey({ algorithm: 'ecdsa', key });
    if (t === 'rsa') return new PrivateKey({ algorithm: 'rsa', key });
    if (t === 'ed25519') {
      const jwk = key.export({ format: 'jwk' });
      return new PrivateKey({
        algorithm: 'ed25519',
        seed: Buffer.from(jwk.d!, 'base64url'),
        publicKey: Buffer.from(jwk.x!, 'base64url'),
      });
    }
    throw new KeyError(`unsupported private key type ${t ?? 'unknown'}`);
  }

  get algorithm(): PrivateKeyAlgorithm {
    return this.material.algorithm;
  }

  get method(): SignatureMethod {
    return { ecdsa: 'ecdsa', rsa: 'rsapss', ed25519: 'eddsa' }[this.algorithm] as SignatureMethod;
  }

  /** The plain (non-certificate) public key; its ID is notary's canonical ID and the key file's name. */
  get publicKey(): PublicKey {
    if (this.#publicKey) return this.#publicKey;
    const m = this.material;
    if (m.algorithm === 'ed25519') {
      return (this.#publicKey = new PublicKey('ed25519', Buffer.from(m.publicKey).toString('base64')));
    }
    const spki = createPublicKey(m.key).export({ type: 'spki', format: 'der' });
    return (this.#publicKey = new PublicKey(m.algorithm, spki.toString('base64')));
  }

  get id(): string {
    return this.publicKey.id;
  }

  /** Signs `message` (canonical JSON bytes) with notary's scheme for this key type. */
  sign(message: Uint8Array): Buffer {
    const m = this.material;
    switch (m.algorithm) {
      case 'ecdsa':
        // ECDSA over SHA-256 with the raw r||s encoding (not DER), as notary's `ecdsa` method.
        return nodeSign('sha256', message, { key: m.key, dsaEncoding: 'ieee-p1363' });
      case 'rsa':
        return nodeSign('sha256', message, {
          key: m.key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        });
      case 'ed25519':
        return Buffer.from(ed.sign(message, m.seed));
    }
  }
}
