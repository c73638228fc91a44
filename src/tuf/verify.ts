// Verifies one signature as notary 0.7's `tuf/signed/verifiers.go` does. Every failure, including
// malformed keys, certificates and signatures, answers `false`: a bad signature in someone else's
// metadata is data to report, not an exception.
import { constants, createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';
import type { PublicKey } from './key.js';

/** Every `method` notary can verify (`rsapkcs1v15` and `pycrypto-pkcs#1 pss` are verify-only). */
export const VERIFY_METHODS = ['ecdsa', 'eddsa', 'rsapss', 'rsapkcs1v15', 'pycrypto-pkcs#1 pss'] as const;
export type VerifyMethod = (typeof VERIFY_METHODS)[number];

/** notary refuses RSA keys (and so signatures) below 2048 bits. */
export const MIN_RSA_BITS = 2048;

/** The bits of an RSA key too short for any signature of it to verify (here or in notary), else undefined. */
export function shortRsaKeyBits(key: KeyObject): number | undefined {
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < MIN_RSA_BITS ? bits : undefined;
}

/** Bytes of one ECDSA coordinate, ⌈curve bits / 8⌉, for the curves Go supports. */
const ECDSA_COORDINATE_BYTES: Record<string, number> = {
  prime256v1: 32,
  secp384r1: 48,
  secp521r1: 66,
};

// Decoding a key costs more than verifying with it; metadata kept in memory (a server's parsed
// roots and targets) reuses the same PublicKey objects, so remember each one's KeyObject.
const keyObjects = new WeakMap<PublicKey, KeyObject>();
// ... and by the key's bytes, for the same key parsed again (each read of a repository; the same
// signer in every repository of a fleet).
const keyObjectsByValue = new BoundedCache<string, KeyObject>(4096);

/** The signer's public key as a node KeyObject: its SPKI, or the leaf certificate's key for `*-x509`. */
function keyObjectOf(key: PublicKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    const value = `${key.keytype}:${key.publicB64}`;
    keyObject =
      keyObjectsByValue.get(value) ??
      keyObjectsByValue.set(value, key.isX509 ? key.certificate().publicKey : createPublicKey({ key: key.plainSpki(), format: 'der', type: 'spki' }));
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

/**
 * Signature checks already made, by a hash of everything the answer depends on (key type and bytes,
 * method, signature, message): a bulk command reads each repository more than once (dry run, run,
 * read-back after publishing), and each read checks the same root and delegations again. Only small
 * messages: hashing a large one costs about what checking it does.
 */
const checked = new BoundedCache<string, boolean>(16_384);
const MAX_MEMO_MESSAGE_BYTES = 256 << 10;

function checkKey(key: PublicKey, method: string, sig: Buffer, message: Uint8Array): string | undefined {
  if (message.byteLength > MAX_MEMO_MESSAGE_BYTES) return undefined;
  // The JSON prefix delimits itself, so no two inputs hash the same bytes.
  return createHash('sha256')
    .update(JSON.stringify([key.keytype, key.publicB64, method, sig.toString('base64')]))
    .update('\n')
    .update(message)
    .digest('base64');
}

function verifyEcdsa(key: PublicKey, sig: Buffer, message: Uint8Array): boolean {
  if (key.keytype !== 'ecdsa' && key.keytype !== 'ecdsa-x509') return false;
  const pub = keyObjectOf(key);
  if (pub.asymmetricKeyType !== 'ec') return false;
  const coordinate = ECDSA_COORDINATE_BYTES[pub.asymmetricKeyDetails?.namedCurve ?? ''];
  // notary 0.7 accepts only r||s of exactly twice the coordinate size (no DER), hashed with SHA-256 on every curve.
  if (coordinate === undefined || sig.length !== 2 * coordinate) return false;
  return nodeVerify('sha256', message, { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
}

function verifyEd25519(key: PublicKey, sig: Buffer, message: Uint8Array): boolean {
  if (key.keytype !== 'ed25519') return false;
  const pub = key.publicBytes;
  if (pub.length !== 32 || sig.length !== 64) return false;
  // Verification is on every read path, so it uses OpenSSL's Ed25519 (RFC 8032 checks, S < L as Go
  // does): @noble/ed25519, which signs, costs ~45 ms of warm-up per process for the same answer.
  return nodeVerify(null, message, keyObjectOf(key), sig);
}

/** The RSA key of an `rsa`/`rsa-x509` key, or undefined when it is not RSA or too short. */
function rsaKeyOf(key: PublicKey): KeyObject | undefined {
  if (key.keytype !== 'rsa' && key.keytype !== 'rsa-x509') return undefined;
  const pub = keyObjectOf(key);
  if (pub.asymmetricKeyType !== 'rsa') return undefined;
  return (pub.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? pub : undefined;
}

type RsaPadding = 'pss' | 'pss-auto' | 'pkcs1';

function verifyRsa(pub: KeyObject | undefined, sig: Buffer, message: Uint8Array, padding: RsaPadding): boolean {
  if (!pub) return false;
  if (padding === 'pkcs1') {
    return nodeVerify('sha256', message, { key: pub, padding: constants.RSA_PKCS1_PADDING }, sig);
  }
  return nodeVerify(
    'sha256',
    message,
    {
      key: pub,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      // `rsapss`: salt length is the SHA-256 size, checked exactly (Go's PSSOptions{SaltLength: 32}).
      saltLength: padding === 'pss' ? 32 : constants.RSA_PSS_SALTLEN_AUTO,
    },
    sig,
  );
}

/** `pycrypto-pkcs#1 pss` keys are `rsa` keys whose keyval is a PEM `PUBLIC KEY` (DER is accepted too). */
function pycryptoKeyOf(key: PublicKey): KeyObject | undefined {
  if (key.keytype !== 'rsa') return undefined;
  const bytes = key.publicBytes;
  const isPem = bytes.subarray(0, 11).toString('latin1') === '-----BEGIN ';
  const pub = isPem ? createPublicKey(bytes.toString('utf8')) : createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  if (pub.asymmetricKeyType !== 'rsa') return undefined;
  return (pub.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? pub : undefined;
}

/**
 * True when `sig` is a valid signature by `key` over `message` with notary's `method`. A method that
 * does not fit the key type, a malformed key or certificate, or a malformed signature gives false.
 */
export function verifySignature(key: PublicKey, method: string, sig: Uint8Array, message: Uint8Array): boolean {
  const signature = Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength);
  const memo = checkKey(key, method, signature, message);
  const known = memo === undefined ? undefined : checked.get(memo);
  if (known !== undefined) return known;
  const valid = checkSignature(key, method, signature, message);
  if (memo !== undefined) checked.set(memo, valid);
  return valid;
}

function checkSignature(key: PublicKey, method: string, signature: Buffer, message: Uint8Array): boolean {
  try {
    // Go lowercases `method` when it unmarshals a signature.
    switch (method.toLowerCase()) {
      case 'ecdsa':
        return verifyEcdsa(key, signature, message);
      case 'eddsa':
        return verifyEd25519(key, signature, message);
      case 'rsapss':
        return verifyRsa(rsaKeyOf(key), signature, message, 'pss');
      case 'rsapkcs1v15':
        return verifyRsa(rsaKeyOf(key), signature, message, 'pkcs1');
      case 'pycrypto-pkcs#1 pss':
        return verifyRsa(pycryptoKeyOf(key), signature, message, 'pss-auto');
      default:
        return false;
    }
  } catch {
    return false;
  }
}
