// Checks exported signatures with a signer's public keys from the verified trust data: what
// `export status` reports and what `export` looks for before writing (so a second run adds
// nothing). Kept apart from the signing code (sign-signatures.ts). Each check returns undefined
// when the signature verifies, else the reason it does not.
import { createPublicKey, verify as nodeVerify, X509Certificate, type KeyObject } from 'node:crypto';
import {
  carriesProvenance,
  COSIGN_SIGNATURE_ANNOTATION,
  dssePae,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT,
  NOTATION_PAYLOAD,
  NOTATION_SIGNING_SCHEME,
  NOTATION_SIGNING_TIME,
  SIMPLE_SIGNING_LAYER,
  SIMPLE_SIGNING_TYPE,
  type Descriptor,
  type Provenance,
} from './formats.js';

export interface Expected {
  /** Registry-qualified repository name (the simple-signing identity). */
  repository: string;
  /** The signed manifest: digest, size and media type. */
  subject: Descriptor;
  provenance: Provenance;
}

type Problem = string | undefined;

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasExactly = (v: Record<string, unknown>, keys: string[]) => Object.keys(v).length === keys.length && keys.every((k) => k in v);

function anyKeyVerifies(keys: readonly KeyObject[], data: Uint8Array, signature: Uint8Array, encoding: 'der' | 'ieee-p1363'): boolean {
  return keys.some((key) => {
    try {
      return nodeVerify('sha256', data, { key, dsaEncoding: encoding }, signature);
    } catch {
      return false;
    }
  });
}

/**
 * A `.sig` layer: the layer type, the DER signature over the payload bytes, and the payload by
 * the strict rules of containers/image (signature/internal/sigstore_payload.go) plus cosign's
 * claim check: the digest, the repository identity, and the DCT provenance under `optional`.
 */
export function checkSimpleSigning(layer: Descriptor, payload: Uint8Array, keys: readonly KeyObject[], expected: Expected): Problem {
  if (layer.mediaType !== SIMPLE_SIGNING_LAYER) return `layer type ${layer.mediaType} is not a simple-signing payload`;
  const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
  if (!signature) return 'the layer has no signature annotation';
  if (!anyKeyVerifies(keys, payload, Buffer.from(signature, 'base64'), 'der')) return 'the signature does not verify with the signer key';
  const parsed = parseJson(payload);
  if (!isObject(parsed) || !hasExactly(parsed, ['critical', 'optional'])) return 'the payload is not a simple-signing document';
  const { critical, optional } = parsed;
  if (!isObject(critical) || !hasExactly(critical, ['identity', 'image', 'type'])) return 'the payload has a malformed critical section';
  const { identity, image, type } = critical;
  if (type !== SIMPLE_SIGNING_TYPE) return `the payload type is ${String(type)}`;
  if (!isObject(image) || !hasExactly(image, ['docker-manifest-digest']) || image['docker-manifest-digest'] !== expected.subject.digest) {
    return 'the payload signs another manifest digest';
  }
  if (!isObject(identity) || !hasExactly(identity, ['docker-reference']) || identity['docker-reference'] !== expected.repository) {
    return 'the payload names another repository';
  }
  if (optional !== null && !isObject(optional)) return 'the payload has a malformed optional section';
  if (isObject(optional) && 'timestamp' in optional && !Number.isInteger(optional.timestamp)) return 'the payload timestamp is not an integer';
  if (!carriesProvenance(optional, expected.provenance)) return 'the payload is for another tag or role';
  return undefined;
}

/**
 * A Sigstore bundle: DSSE with an in-toto statement whose subject is the digest, a signature
 * over the PAE by the signer key, and the DCT provenance in that subject's annotations.
 */
export function checkBundle(bundle: Uint8Array, keys: readonly KeyObject[], expected: Expected): Problem {
  const parsed = parseJson(bundle);
  if (!isObject(parsed) || typeof parsed.mediaType !== 'string' || !parsed.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) {
    return 'not a Sigstore bundle';
  }
  const envelope = parsed.dsseEnvelope;
  if (!isObject(envelope)) return 'the bundle holds no DSSE envelope';
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE || typeof envelope.payload !== 'string') return 'the envelope is not an in-toto statement';
  const payload = Buffer.from(envelope.payload, 'base64');
  const signatures = Array.isArray(envelope.signatures) ? envelope.signatures : [];
  const pae = dssePae(IN_TOTO_PAYLOAD_TYPE, payload);
  const signed = signatures.some((s) => isObject(s) && typeof s.sig === 'string' && anyKeyVerifies(keys, pae, Buffer.from(s.sig, 'base64'), 'der'));
  if (!signed) return 'the signature does not verify with the signer key';
  const statement = parseJson(payload);
  if (!isObject(statement) || statement._type !== IN_TOTO_STATEMENT || !Array.isArray(statement.subject)) return 'the statement is malformed';
  const [algorithm, hex] = expected.subject.digest.split(':');
  const subject = statement.subject.find((s) => isObject(s) && isObject(s.digest) && s.digest[algorithm!] === hex) as Record<string, unknown> | undefined;
  if (!subject) return 'the statement signs another manifest digest';
  if (!carriesProvenance(subject.annotations, expected.provenance)) return 'the statement is for another tag or role';
  return undefined;
}

function spkiOf(key: KeyObject): string {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' }).toString('base64');
}

/**
 * A Notation JWS envelope: flattened members, the protected header's rules (ES256, `crit` with
 * the signing scheme, everything critical present, a signing time), a self-signed leaf whose key
 * is the signer key and that is valid now and at signing time, the signature, and a payload
 * whose target artifact is the signed manifest with the DCT provenance.
 */
export function checkNotation(envelope: Uint8Array, keys: readonly KeyObject[], expected: Expected, now = new Date()): Problem {
  const jws = parseJson(envelope);
  if (!isObject(jws) || !hasExactly(jws, ['payload', 'protected', 'header', 'signature'])) return 'not a flattened JWS envelope';
  const { payload, protected: protectedB64, header, signature } = jws;
  if (typeof payload !== 'string' || typeof protectedB64 !== 'string' || typeof signature !== 'string' || !isObject(header)) return 'not a flattened JWS envelope';
  const protectedHeader = parseJson(Buffer.from(protectedB64, 'base64url'));
  if (!isObject(protectedHeader)) return 'the protected header is not JSON';
  if (protectedHeader.alg !== 'ES256') return `the algorithm is ${String(protectedHeader.alg)}, not ES256`;
  if (protectedHeader.cty !== NOTATION_PAYLOAD) return 'the content type is not a Notary payload';
  const crit = protectedHeader.crit;
  if (!Array.isArray(crit) || !crit.includes(NOTATION_SIGNING_SCHEME) || !crit.every((c) => typeof c === 'string' && c in protectedHeader)) {
    return 'the protected header does not list its critical members';
  }
  if (protectedHeader[NOTATION_SIGNING_SCHEME] !== 'notary.x509') return 'the signing scheme is not notary.x509';
  const signingTime = new Date(String(protectedHeader[NOTATION_SIGNING_TIME]));
  if (Number.isNaN(signingTime.getTime())) return 'the signing time is missing';

  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length !== 1 || typeof x5c[0] !== 'string') return 'the certificate chain is not one self-signed certificate';
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(Buffer.from(x5c[0], 'base64'));
  } catch {
    return 'the certificate does not parse';
  }
  if (!leaf.verify(leaf.publicKey)) return 'the certificate is not self-signed';
  const signerKey = keys.find((k) => spkiOf(k) === spkiOf(leaf.publicKey));
  if (!signerKey) return 'the certificate is not over the signer key';
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (now < from || now > to) return `the certificate is not valid now (${leaf.validFrom} to ${leaf.validTo})`;
  if (signingTime < from || signingTime > to) return 'the signing time is outside the certificate validity';

  const input = Buffer.from(`${protectedB64}.${payload}`, 'ascii');
  if (!anyKeyVerifies([signerKey], input, Buffer.from(signature, 'base64url'), 'ieee-p1363')) return 'the signature does not verify with the signer key';
  const body = parseJson(Buffer.from(payload, 'base64url'));
  const target = isObject(body) ? body.targetArtifact : undefined;
  if (!isObject(target)) return 'the payload has no target artifact';
  const s = expected.subject;
  if (target.digest !== s.digest || target.size !== s.size || target.mediaType !== s.mediaType) return 'the payload signs another manifest';
  if (!carriesProvenance(target.annotations, expected.provenance)) return 'the payload is for another tag or role';
  return undefined;
}

/**
 * The signing certificate (DER) a Notation envelope carries: its `x5c` leaf. Read without checking
 * anything; take it only from an envelope checkNotation accepted.
 */
export function notationLeafCertificate(envelope: Uint8Array): Buffer | undefined {
  const jws = parseJson(envelope);
  const x5c = isObject(jws) && isObject(jws.header) ? jws.header.x5c : undefined;
  return Array.isArray(x5c) && typeof x5c[0] === 'string' ? Buffer.from(x5c[0], 'base64') : undefined;
}

export type SignatureFormat = 'sig' | 'bundle' | 'notation';

/**
 * The DCT provenance a stored signature claims, read without verifying anything: which role and
 * tag it says it is for. Lets the report tell "present but not verifying" from "missing".
 */
export function claimedProvenance(format: SignatureFormat, bytes: Uint8Array): unknown {
  const parsed = parseJson(bytes);
  if (!isObject(parsed)) return undefined;
  if (format === 'sig') return parsed.optional;
  if (format === 'bundle') {
    const envelope = parsed.dsseEnvelope;
    const statement = isObject(envelope) && typeof envelope.payload === 'string' ? parseJson(Buffer.from(envelope.payload, 'base64')) : undefined;
    const subject = isObject(statement) && Array.isArray(statement.subject) ? statement.subject[0] : undefined;
    return isObject(subject) ? subject.annotations : undefined;
  }
  const body = typeof parsed.payload === 'string' ? parseJson(Buffer.from(parsed.payload, 'base64url')) : undefined;
  return isObject(body) && isObject(body.targetArtifact) ? body.targetArtifact.annotations : undefined;
}

/** Runs the check of `format` on one stored signature. */
export function checkSignature(format: SignatureFormat, layer: Descriptor, bytes: Uint8Array, keys: readonly KeyObject[], expected: Expected): Problem {
  if (format === 'sig') return checkSimpleSigning(layer, bytes, keys, expected);
  if (format === 'bundle') return checkBundle(bytes, keys, expected);
  return checkNotation(bytes, keys, expected);
}
