// The signed envelope `{"signed":…,"signatures":[…]}` around every role's metadata.
//
// An Envelope keeps four things: the typed model, the signatures, the exact bytes, and the generic
// JSON of `signed`. Verification must use the generic JSON: Go checks signatures over the canonical
// form of `signed` unmarshalled into a map, not over the received bytes or its typed struct (which
// drops unknown fields). Only where the received text of `signed` is proven to be that canonical
// form already (json-scan.ts) are its bytes the message, which is then the same byte string.
// Re-serialisation, in contrast, comes from the model, as Go's does.
import { canonicalBytes } from '../canonical.js';
import { jsonPath, parseEnvelopeJson, serializeEnvelope, type JsonObject, type Signature } from '../gojson.js';
import type { PrivateKey } from '../private-key.js';
import { asBase64, asNullableArray, asObject, asString } from './guards.js';
import type { SignedMetadata } from './signed.js';

/** Something that can sign metadata for one key listed in it. */
export interface MetadataSigner {
  /**
   * The key ID the metadata lists. For x509 root keys this is the certificate key's TUF ID, not the
   * private key's own (canonical) ID.
   */
  readonly keyId: string;
  /** `ecdsa`, `eddsa` or `rsapss`. */
  readonly method: string;
  sign(message: Uint8Array): Uint8Array;
}

/** A signer for a private key, listed under `keyId` (default: the key's own ID). */
export function signerFromPrivateKey(key: PrivateKey, keyId: string = key.id): MetadataSigner {
  return { keyId, method: key.method, sign: (message) => key.sign(message) };
}

/** How Envelope.parse builds a model: each role class has this static. */
export interface SignedModelClass<T extends SignedMetadata> {
  fromJSON(json: unknown, roleName: string): T;
}

function readSignatures(value: unknown, role: string): Signature[] {
  // A nil slice in Go; a file without signatures simply fails verification later.
  const { items } = asNullableArray(value, role, 'signatures');
  return items.map((item, i) => {
    const field = jsonPath('signatures', i);
    const obj = asObject(item, role, field);
    return {
      keyid: asString(obj.keyid, role, jsonPath(field, 'keyid')),
      // notary's SigAlgorithm.UnmarshalJSON lowercases the method.
      method: asString(obj.method, role, jsonPath(field, 'method')).toLowerCase(),
      // `sig` is a Go []byte: decoded, and re-encoded as standard base64 when written back.
      sig: asBase64(obj.sig, role, jsonPath(field, 'sig')).toString('base64'),
    };
  });
}

function signAll(message: Buffer, signers: readonly MetadataSigner[]): Signature[] {
  const seen = new Set<string>();
  const signatures: Signature[] = [];
  for (const signer of signers) {
    if (seen.has(signer.keyId)) continue; // one signature per key, as notary
    seen.add(signer.keyId);
    const sig = Buffer.from(signer.sign(message)).toString('base64');
    signatures.push({ keyid: signer.keyId, method: signer.method, sig });
  }
  return signatures;
}

export class Envelope<T extends SignedMetadata = SignedMetadata> {
  #signedCanonical?: Buffer;
  #signedJson?: JsonObject;

  private constructor(
    /** The typed model. Treat it as read-only: clone() it to build the next version. */
    readonly signed: T,
    readonly signatures: readonly Signature[],
    /** The exact bytes: as received for parsed files, as they will be sent for files we sign. */
    readonly raw: Buffer,
    signedJson: JsonObject | undefined,
    signedCanonical?: Buffer,
  ) {
    this.#signedJson = signedJson;
    this.#signedCanonical = signedCanonical;
  }

  /**
   * The generic JSON of `signed`, which signatures are verified over. A file received in canonical
   * form does not keep it (megabytes of objects for a big targets file): it is read again from the
   * canonical bytes, which parse to the same value, when asked for.
   */
  get signedJson(): JsonObject {
    return (this.#signedJson ??= JSON.parse(this.#signedCanonical!.toString('utf8')) as JsonObject);
  }

  /**
   * Parses metadata bytes strictly into `model` (Root, Targets, Snapshot or Timestamp). Every problem
   * is a MetadataError naming `roleName` and, where there is one, the field.
   */
  static parse<M extends SignedMetadata>(bytes: Uint8Array, roleName: string, model: SignedModelClass<M>): Envelope<M> {
    const raw = Buffer.from(bytes);
    const parsed = parseEnvelopeJson(raw, roleName);
    const doc = asObject(parsed.value, roleName, '(top level)');
    const signedJson = asObject(doc.signed, roleName, 'signed');
    const signatures = readSignatures(doc.signatures, roleName);
    const signed = model.fromJSON(signedJson, roleName);
    // Received in canonical form: those are the bytes canonicalBytes(signedJson) would produce.
    return parsed.signedCanonical
      ? new Envelope(signed, signatures, raw, undefined, parsed.signedCanonical)
      : new Envelope(signed, signatures, raw, signedJson);
  }

  /** Signs `model` with every signer (over canonical JSON of its Go field set) and serialises it. */
  static sign<M extends SignedMetadata>(model: M, signers: readonly MetadataSigner[]): Envelope<M> {
    const json = model.toJSON();
    const signatures = signAll(canonicalBytes(json), signers);
    return new Envelope(model, signatures, serializeEnvelope(json, signatures), json);
  }

  get roleName(): string {
    return this.signed.roleName;
  }

  /** The message every signature must verify over: canonical JSON of the generic `signed`. */
  signedCanonicalBytes(): Buffer {
    return (this.#signedCanonical ??= canonicalBytes(this.signedJson));
  }

  /**
   * Go's re-serialisation of this envelope, from the model's field set. For a file notary wrote it
   * equals `raw`; it is what notary hashes when it builds a snapshot from parsed metadata.
   */
  toBytes(): Buffer {
    return serializeEnvelope(this.signed.toJSON(), this.signatures);
  }

  /**
   * Adds signatures by more keys to the same content (threshold signing), replacing earlier
   * signatures by the same keys. Earlier signatures are kept only while the model still has the
   * canonical form they were made over.
   */
  cosign(signers: readonly MetadataSigner[]): Envelope<T> {
    const json = this.signed.toJSON();
    const message = canonicalBytes(json);
    const fresh = signAll(message, signers);
    const replaced = new Set(fresh.map((s) => s.keyid));
    const kept = message.equals(this.signedCanonicalBytes()) ? this.signatures.filter((s) => !replaced.has(s.keyid)) : [];
    const signatures = [...fresh, ...kept];
    return new Envelope(this.signed, signatures, serializeEnvelope(json, signatures), json);
  }

  /** Key IDs that signed, in file order, without duplicates. */
  get signerKeyIds(): string[] {
    return [...new Set(this.signatures.map((s) => s.keyid))];
  }
}
