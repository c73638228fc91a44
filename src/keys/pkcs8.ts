// PKCS#8 private keys exactly as notary 0.7 writes them (tuf/utils/pkcs8.go), and the common variants
// other tools write. Encryption is PKCS#5 v2 (PBES2 = PBKDF2 + AES-CBC, RFC 8018): notary's form is
// written by node-forge, the strong form and all decryption by node:crypto (PBKDF2 in libuv's thread
// pool, off the event loop); this module checks the container first so that unsupported or
// implausible files get a precise error.
import { createDecipheriv, createCipheriv, createPrivateKey, pbkdf2, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type forge from 'node-forge';
import { PrivateKey } from '../tuf/private-key.js';
import {
  derInteger,
  derNull,
  derOctets,
  derOid,
  derSequence,
  octets,
  oid,
  parseDer,
  sequence,
  smallInteger,
  type DerNode,
} from './der.js';
import { DecryptionFailedError, DamagedKeyError, KeyFormatError } from './errors.js';
import { loadForge, type Forge } from './forge.js';

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519Rfc8410: '1.3.101.112',
  /** The OID notary uses for its own ed25519 layout (not RFC 8410). */
  ed25519Notary: '1.3.6.1.4.1.11591.15.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
} as const;

const pbkdf2Async = promisify(pbkdf2);

const CURVE_OIDS: Record<string, string> = {
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  secp224r1: '1.3.132.0.33',
};

/** PBKDF2 pseudo-random functions by OID; absent means HMAC-SHA1 (RFC 8018 default, what notary writes). */
const PRF_DIGESTS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const AES_CBC: Record<string, { cipher: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32 },
};

// Notary's parameters: 8-byte salt, 2048 iterations, AES-256-CBC with a 16-byte IV.
const NOTARY_SALT_BYTES = 8;
const NOTARY_ITERATIONS = 2048;

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * The unencrypted PKCS#8 PrivateKeyInfo notary writes. Deviations from the norm are notary's:
 * EC uses version 1 and keeps the curve inside the SEC1 key; RSA has no NULL parameter; ed25519
 * uses OID 1.3.6.1.4.1.11591.15.1 around 96 bytes (public key || Go private key = seed || public key).
 */
export function encodePrivateKeyInfo(key: PrivateKey): Buffer {
  const m = key.material;
  switch (m.algorithm) {
    case 'ecdsa': {
      const curve = m.key.asymmetricKeyDetails?.namedCurve ?? '';
      const curveOid = CURVE_OIDS[curve];
      if (!curveOid) throw new KeyFormatError(`unsupported elliptic curve ${curve || 'unknown'}`);
      const sec1 = m.key.export({ format: 'der', type: 'sec1' });
      return derSequence(derInteger(1), derSequence(derOid(OID.ecPublicKey), derOid(curveOid)), derOctets(sec1));
    }
    case 'rsa': {
      const pkcs1 = m.key.export({ format: 'der', type: 'pkcs1' });
      return derSequence(derInteger(0), derSequence(derOid(OID.rsaEncryption)), derOctets(pkcs1));
    }
    case 'ed25519': {
      const raw = Buffer.concat([m.publicKey, m.seed, m.publicKey]);
      return derSequence(derInteger(0), derSequence(derOid(OID.ed25519Notary)), derOctets(raw));
    }
  }
}

/** Wraps PrivateKeyInfo DER in an EncryptedPrivateKeyInfo exactly as notary does (see module notes). */
export async function encryptPrivateKeyInfo(plain: Buffer, passphrase: string): Promise<Buffer> {
  const forge = await loadForge();
  const info = forge.asn1.fromDer(binary(forge, plain));
  // With HMAC-SHA1 forge writes neither a prf nor a keyLength field: the only form Go's notary reads.
  const envelope = forge.pki.encryptPrivateKeyInfo(info, forge.util.encodeUtf8(passphrase), {
    algorithm: 'aes256',
    count: NOTARY_ITERATIONS,
    saltSize: NOTARY_SALT_BYTES,
    prfAlgorithm: 'sha1',
  });
  return Buffer.from(forge.asn1.toDer(envelope).getBytes(), 'binary');
}

/**
 * PBES2 with PBKDF2-HMAC-SHA256 at `iterations`, a 16-byte salt and AES-256-CBC: for keys only this
 * program reads (notary 0.7 reads HMAC-SHA1 only, see encryptPrivateKeyInfo).
 */
export async function encryptPrivateKeyInfoStrong(plain: Buffer, passphrase: string, iterations: number): Promise<Buffer> {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = await pbkdf2Async(Buffer.from(passphrase, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const kdf = derSequence(
    derOid(OID.pbkdf2),
    derSequence(derOctets(salt), derInteger(iterations), derSequence(derOid(OID.hmacWithSha256), derNull())),
  );
  const scheme = derSequence(derOid(OID.pbes2), derSequence(kdf, derSequence(derOid(OID.aes256Cbc), derOctets(iv))));
  return derSequence(scheme, derOctets(ciphertext));
}

function binary(forge: Forge, der: Buffer): forge.util.ByteStringBuffer {
  return forge.util.createBuffer(der.toString('binary'));
}

// ---------------------------------------------------------------------------------------------
// Reading

interface Pbes2Parameters {
  salt: Buffer;
  iterations: number;
  digest: string;
  cipher: string;
  keyLength: number;
  iv: Buffer;
}

/**
 * Real algorithms that may appear where this reader needs another one. An identifier outside this
 * list (and not supported) is no algorithm at all: the file was damaged.
 */
const KNOWN_UNSUPPORTED: Record<string, string> = {
  '1.2.840.113549.1.5.1': 'PBES1 (MD2, DES)',
  '1.2.840.113549.1.5.3': 'PBES1 (MD5, DES)',
  '1.2.840.113549.1.5.4': 'PBES1 (MD2, RC2)',
  '1.2.840.113549.1.5.6': 'PBES1 (MD5, RC2)',
  '1.2.840.113549.1.5.10': 'PBES1 (SHA-1, DES)',
  '1.2.840.113549.1.5.11': 'PBES1 (SHA-1, RC2)',
  '1.2.840.113549.1.12.1.1': 'PKCS#12 (SHA-1, RC4-128)',
  '1.2.840.113549.1.12.1.2': 'PKCS#12 (SHA-1, RC4-40)',
  '1.2.840.113549.1.12.1.3': 'PKCS#12 (SHA-1, 3DES)',
  '1.2.840.113549.1.12.1.4': 'PKCS#12 (SHA-1, 2-key 3DES)',
  '1.2.840.113549.1.12.1.5': 'PKCS#12 (SHA-1, RC2-128)',
  '1.2.840.113549.1.12.1.6': 'PKCS#12 (SHA-1, RC2-40)',
  '1.3.6.1.4.1.11591.4.11': 'scrypt',
  '1.2.840.113549.3.7': '3DES-CBC',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
  '2.16.840.1.101.3.4.1.6': 'AES-128-GCM',
  '2.16.840.1.101.3.4.1.26': 'AES-192-GCM',
  '2.16.840.1.101.3.4.1.46': 'AES-256-GCM',
  '1.2.840.113549.2.8': 'HMAC-SHA224',
  '1.2.840.113549.2.12': 'HMAC-SHA512/224',
  '1.2.840.113549.2.13': 'HMAC-SHA512/256',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.113549.1.3.1': 'Diffie-Hellman',
  '1.2.840.10046.2.1': 'Diffie-Hellman',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
};

function unsupported(kind: string, oidValue: string, supported: string): KeyFormatError {
  const name = KNOWN_UNSUPPORTED[oidValue];
  return name
    ? new KeyFormatError(`unsupported ${kind} ${name} (${oidValue}); only ${supported} is supported`)
    : new DamagedKeyError(`its ${kind} ${oidValue} is not a known algorithm`);
}

function parsePbes2(der: Buffer): { params: Pbes2Parameters; ciphertext: Buffer } {
  const what = 'EncryptedPrivateKeyInfo';
  const [algorithm, data] = sequence(parseDer(der, what), what);
  const [schemeOid, schemeParams] = sequence(algorithm, `${what} algorithm`);
  const scheme = oid(schemeOid, `${what} algorithm`);
  if (scheme !== OID.pbes2) throw unsupported('key encryption', scheme, 'PBES2');
  const [kdf, enc] = sequence(schemeParams, 'PBES2 parameters');
  const [kdfOid, kdfParams] = sequence(kdf, 'PBES2 key derivation');
  const kdfName = oid(kdfOid, 'PBES2 key derivation');
  if (kdfName !== OID.pbkdf2) throw unsupported('key derivation', kdfName, 'PBKDF2');
  const [saltNode, iterNode, ...optional] = sequence(kdfParams, 'PBKDF2 parameters');
  let declaredKeyLength: number | undefined;
  let digest = 'sha1';
  for (const node of optional) {
    if (node.tag === 0x02) declaredKeyLength = smallInteger(node, 'PBKDF2 keyLength');
    else digest = prfDigest(node);
  }
  const [encOid, ivNode] = sequence(enc, 'PBES2 encryption scheme');
  const encName = oid(encOid, 'PBES2 encryption scheme');
  const aes = AES_CBC[encName];
  if (!aes) throw unsupported('key cipher', encName, 'AES-CBC');
  if (declaredKeyLength !== undefined && declaredKeyLength !== aes.keyLength) {
    throw new KeyFormatError(`PBKDF2 keyLength ${declaredKeyLength} does not fit ${aes.cipher}`);
  }
  const iv = octets(ivNode, 'AES IV');
  if (iv.length !== 16) throw new KeyFormatError(`AES IV must be 16 bytes, not ${iv.length}`);
  const iterations = smallInteger(iterNode, 'PBKDF2 iteration count');
  if (iterations < 1 || iterations > 10_000_000) throw new KeyFormatError(`implausible PBKDF2 iteration count ${iterations}`);
  const ciphertext = octets(data, `${what} data`);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new KeyFormatError('encrypted key data is not a whole number of AES blocks');
  }
  return {
    params: { salt: octets(saltNode, 'PBKDF2 salt'), iterations, digest, iv, ...aes },
    ciphertext,
  };
}

function prfDigest(node: DerNode): string {
  const [prfOid] = sequence(node, 'PBKDF2 prf');
  const name = oid(prfOid, 'PBKDF2 prf');
  const digest = PRF_DIGESTS[name];
  if (!digest) throw unsupported('PBKDF2 prf', name, 'HMAC-SHA1/SHA-256/SHA-384/SHA-512');
  return digest;
}

/**
 * Decrypts an EncryptedPrivateKeyInfo to its PrivateKeyInfo DER. Throws KeyFormatError for an
 * unreadable container and DecryptionFailedError when the passphrase does not fit (bad padding or a
 * plaintext that is not a PrivateKeyInfo).
 */
/** Checks the encryption parameters of an EncryptedPrivateKeyInfo without a passphrase (a damaged file fails here). */
export function checkEncryptedPrivateKeyInfo(der: Buffer): void {
  parsePbes2(der);
}

export async function decryptPrivateKeyInfo(der: Buffer, passphrase: string): Promise<Buffer> {
  const { params, ciphertext } = parsePbes2(der);
  const key = await pbkdf2Async(Buffer.from(passphrase, 'utf8'), params.salt, params.iterations, params.keyLength, params.digest);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(params.cipher, key, params.iv);
    plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionFailedError(); // bad padding
  }
  // Valid padding happens by chance about once in 256 wrong passphrases; the plaintext must also
  // be a PrivateKeyInfo (notary relies on the ASN.1 decoding alone).
  if (!looksLikePrivateKeyInfo(plain)) throw new DecryptionFailedError();
  return plain;
}

function looksLikePrivateKeyInfo(der: Buffer): boolean {
  try {
    const [version, algorithm, key] = sequence(parseDer(der, 'PrivateKeyInfo'), 'PrivateKeyInfo');
    smallInteger(version, 'version');
    oid(sequence(algorithm, 'algorithm')[0], 'algorithm');
    octets(key, 'private key');
    return true;
  } catch {
    return false;
  }
}

const KEY_TYPES_BY_OID: Record<string, string> = {
  [OID.ecPublicKey]: 'ecdsa',
  [OID.rsaEncryption]: 'rsa',
  [OID.ed25519Rfc8410]: 'ed25519',
  [OID.ed25519Notary]: 'ed25519',
};

/** The key type an unencrypted PrivateKeyInfo declares, without decoding the key; undefined if unknown. */
export function privateKeyInfoType(der: Buffer): string | undefined {
  const [, algorithm] = sequence(parseDer(der, 'PrivateKeyInfo'), 'PrivateKeyInfo');
  return KEY_TYPES_BY_OID[oid(sequence(algorithm, 'PrivateKeyInfo algorithm')[0], 'PrivateKeyInfo algorithm')];
}

/** Decodes an unencrypted PKCS#8 PrivateKeyInfo: notary's layouts and the standard ones. */
export function decodePrivateKeyInfo(der: Buffer): PrivateKey {
  const [, algorithm, keyNode] = sequence(parseDer(der, 'PrivateKeyInfo'), 'PrivateKeyInfo');
  const algorithmOid = oid(sequence(algorithm, 'PrivateKeyInfo algorithm')[0], 'PrivateKeyInfo algorithm');
  switch (algorithmOid) {
    case OID.ed25519Notary:
      return decodeNotaryEd25519(octets(keyNode, 'ed25519 private key'));
    case OID.ecPublicKey:
    case OID.rsaEncryption:
    case OID.ed25519Rfc8410:
      // OpenSSL accepts notary's EC version 1 and RSA without NULL as well as the standard forms.
      return PrivateKey.fromKeyObject(keyObject(der, 'pkcs8'));
    default:
      throw unsupported('private key algorithm', algorithmOid, 'ECDSA, RSA and ed25519');
  }
}

/** Notary's raw ed25519 private key: 32-byte public key || 32-byte seed || 32-byte public key. */
export function decodeNotaryEd25519(raw: Buffer): PrivateKey {
  if (raw.length !== 96) throw new KeyFormatError(`ed25519 private key must be 96 bytes, not ${raw.length}`);
  const publicKey = raw.subarray(0, 32);
  const seed = raw.subarray(32, 64);
  if (!publicKey.equals(raw.subarray(64, 96))) throw new KeyFormatError('ed25519 private key: inconsistent public key copies');
  const key = PrivateKey.fromKeyObject(ed25519FromSeed(seed));
  if (key.material.algorithm !== 'ed25519' || !Buffer.from(key.material.publicKey).equals(publicKey)) {
    throw new KeyFormatError('ed25519 private key: public key does not match the seed');
  }
  return key;
}

// RFC 8410 PrivateKeyInfo prefix for a 32-byte ed25519 seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519FromSeed(seed: Buffer): KeyObject {
  return keyObject(Buffer.concat([ED25519_PKCS8_PREFIX, seed]), 'pkcs8');
}

/** Parses DER that OpenSSL understands; its errors become KeyFormatError (they never echo key bytes). */
export function keyObject(der: Buffer, type: 'pkcs8' | 'sec1' | 'pkcs1'): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type });
  } catch (e) {
    throw new KeyFormatError(`malformed ${type.toUpperCase()} private key (${(e as Error).message})`);
  }
}
