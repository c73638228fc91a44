// Envelope encryption for the keys the server holds. A passphrase-derived key costs a PBKDF2 run at a
// modern count (a fifth to half a second of CPU); doing that per server key made a burst of new
// repositories, and every start (which opens each stored key), cost that per key. Instead one
// key-encryption key (KEK) is derived per process and salt, and each server key's PKCS#8 is sealed
// under it with AES-256-GCM, which opens in microseconds.
//
// The record is a PEM-style block in the store's existing encrypted-key column:
//
//   -----BEGIN TRUST-TUI WRAPPED KEY-----
//   cipher: aes-256-gcm
//   gun: example.com/app
//   iterations: 600000
//   kdf: pbkdf2-hmac-sha256
//   kek-check: <base64: tells a wrong passphrase from a damaged record>
//   role: timestamp
//   salt: <base64, 16 bytes>
//
//   <base64(nonce ‖ ciphertext ‖ tag)>
//   -----END TRUST-TUI WRAPPED KEY-----
//
// GCM (NIST SP 800-38D): a random 96-bit nonce per key (8.2.2; far below the 2^32 invocations per key
// that 8.3 allows for random nonces), a 128-bit tag, and additional authenticated data binding the
// key ID, role and repository of the record, so a sealed key copied into another record does not open.
import { createCipheriv, createDecipheriv, createHmac, hkdf, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { decodePem, encodePem } from '../keys/pem.js';
import { decodePrivateKeyInfo, encodePrivateKeyInfo } from '../keys/pkcs8.js';
import type { PrivateKey } from '../tuf/private-key.js';

const pbkdf2Async = promisify(pbkdf2);
const hkdfAsync = promisify(hkdf);

export const WRAPPED_KEY_BLOCK = 'TRUST-TUI WRAPPED KEY';
const KDF = 'pbkdf2-hmac-sha256';
const CIPHER = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEK_SALT_BYTES = 16;
/** Bounds on a stored iteration count, so a tampered header cannot make start-up derive for hours. */
const MAX_ITERATIONS = 10_000_000;

/** What a wrapped key is bound to: the store record that holds it. */
export interface WrappedKeyBinding {
  keyId: string;
  role: string;
  gun: string;
}

/** The KDF parameters of a wrapped key: one KEK serves every key with the same ones. */
export interface KekParameters {
  salt: Buffer;
  iterations: number;
}

/** A derived key-encryption key: the sealing key and a check value, both from one PBKDF2 output. */
export interface Kek extends KekParameters {
  readonly sealingKey: Buffer;
  readonly check: Buffer;
}

/** A parsed wrapped-key block, not opened yet. */
export interface WrappedKey extends KekParameters {
  check: Buffer;
  sealed: Buffer;
  role?: string;
  gun?: string;
}

/** The record is not a wrapped key this program can read (bad block, headers or sizes). */
export class WrappedKeyFormatError extends Error {
  override name = 'WrappedKeyFormatError';
}

/** The KEK's check value differs: the passphrase (or the record's salt) is not the one it was sealed with. */
export class WrongKekError extends Error {
  override name = 'WrongKekError';
}

/** The KEK is right but the seal does not open: the record was changed or moved from another record. */
export class WrappedKeyTamperedError extends Error {
  override name = 'WrappedKeyTamperedError';
}

export function isWrappedKey(text: string): boolean {
  return text.includes(`-----BEGIN ${WRAPPED_KEY_BLOCK}-----`);
}

/** A map key for KEK parameters. */
export function kekId(params: KekParameters): string {
  return `${params.iterations}:${params.salt.toString('base64')}`;
}

/**
 * PBKDF2-HMAC-SHA256 once, then two HKDF-expanded subkeys (RFC 5869): one seals, one only yields the
 * check value stored beside each key, so a wrong passphrase is told apart from a damaged record.
 */
export async function deriveKek(passphrase: string, params: KekParameters): Promise<Kek> {
  const master = await pbkdf2Async(Buffer.from(passphrase, 'utf8'), params.salt, params.iterations, 32, 'sha256');
  const [sealing, checking] = await Promise.all([
    hkdfAsync('sha256', master, Buffer.alloc(0), 'trust-tui server key wrapping', 32),
    hkdfAsync('sha256', master, Buffer.alloc(0), 'trust-tui server key check', 32),
  ]);
  master.fill(0);
  const check = createHmac('sha256', Buffer.from(checking)).update('kek-check').digest().subarray(0, 16);
  return { salt: params.salt, iterations: params.iterations, sealingKey: Buffer.from(sealing), check };
}

function additionalData(binding: WrappedKeyBinding): Buffer {
  // JSON keeps the fields apart whatever they contain; the version tag leaves room for a later layout.
  return Buffer.from(JSON.stringify(['trust-tui wrapped key v1', binding.keyId, binding.role, binding.gun]), 'utf8');
}

/** Seals `key` under `kek` for the record `binding` and returns the block to store. */
export function wrapPrivateKey(kek: Kek, key: PrivateKey, binding: WrappedKeyBinding): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, kek.sealingKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(binding));
  const plain = encodePrivateKeyInfo(key);
  const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  plain.fill(0);
  return encodePem({
    type: WRAPPED_KEY_BLOCK,
    headers: {
      cipher: CIPHER,
      gun: binding.gun,
      iterations: String(kek.iterations),
      kdf: KDF,
      'kek-check': kek.check.toString('base64'),
      role: binding.role,
      salt: kek.salt.toString('base64'),
    },
    bytes: sealed,
  });
}

/** Parses a wrapped-key block; throws WrappedKeyFormatError naming what is wrong. */
export function parseWrappedKey(text: string, source: string): WrappedKey {
  let block;
  try {
    block = decodePem(text, source).find((b) => b.type === WRAPPED_KEY_BLOCK);
  } catch (e) {
    throw new WrappedKeyFormatError(e instanceof Error ? e.message : String(e));
  }
  if (!block) throw new WrappedKeyFormatError(`${source}: no ${WRAPPED_KEY_BLOCK} block`);
  const h = block.headers;
  if (h.kdf !== KDF) throw new WrappedKeyFormatError(`${source}: unsupported kdf ${JSON.stringify(h.kdf ?? '')} (expected ${KDF})`);
  if (h.cipher !== CIPHER) throw new WrappedKeyFormatError(`${source}: unsupported cipher ${JSON.stringify(h.cipher ?? '')} (expected ${CIPHER})`);
  const iterations = Number(h.iterations);
  if (!/^[1-9]\d*$/.test(h.iterations ?? '') || iterations > MAX_ITERATIONS) {
    throw new WrappedKeyFormatError(`${source}: iterations ${JSON.stringify(h.iterations ?? '')} is not a count from 1 to ${MAX_ITERATIONS}`);
  }
  const salt = Buffer.from(h.salt ?? '', 'base64');
  if (salt.length < KEK_SALT_BYTES || salt.length > 64) throw new WrappedKeyFormatError(`${source}: the salt must be 16 to 64 bytes`);
  const check = Buffer.from(h['kek-check'] ?? '', 'base64');
  if (check.length !== 16) throw new WrappedKeyFormatError(`${source}: the kek-check header must be 16 bytes`);
  if (block.bytes.length <= NONCE_BYTES + TAG_BYTES) throw new WrappedKeyFormatError(`${source}: the sealed key is truncated`);
  return {
    salt,
    iterations,
    check,
    sealed: block.bytes,
    ...(h.role ? { role: h.role } : {}),
    ...(h.gun ? { gun: h.gun } : {}),
  };
}

/**
 * Checks that a wrapped key opens for `binding` without decoding the key (decoding, in OpenSSL 3, costs
 * far more than the AES-GCM open: a start-up check of thousands of keys only needs the tag). Throws
 * WrongKekError when `kek` is not the one it was sealed under, WrappedKeyTamperedError when it is but
 * the seal does not match the record.
 */
export function verifyWrappedKey(kek: Kek, wrapped: WrappedKey, binding: WrappedKeyBinding): void {
  openSeal(kek, wrapped, binding).fill(0);
}

/** Opens a wrapped key sealed for `binding`; throws as verifyWrappedKey does. */
export function unwrapPrivateKey(kek: Kek, wrapped: WrappedKey, binding: WrappedKeyBinding): PrivateKey {
  const plain = openSeal(kek, wrapped, binding);
  try {
    const key = decodePrivateKeyInfo(plain);
    // The seal already binds the key ID; this catches a record sealed with a wrong ID by a bug.
    if (key.publicKey.id !== binding.keyId) throw new WrappedKeyTamperedError(`the sealed key is ${key.publicKey.id}, not the record's key`);
    return key;
  } finally {
    plain.fill(0);
  }
}

function openSeal(kek: Kek, wrapped: WrappedKey, binding: WrappedKeyBinding): Buffer {
  if (kekId(kek) !== kekId(wrapped)) throw new TypeError('openSeal: the KEK was derived for other parameters');
  if (!timingSafeEqual(kek.check, wrapped.check)) throw new WrongKekError('the passphrase does not open this key');
  const nonce = wrapped.sealed.subarray(0, NONCE_BYTES);
  const tag = wrapped.sealed.subarray(wrapped.sealed.length - TAG_BYTES);
  const ciphertext = wrapped.sealed.subarray(NONCE_BYTES, wrapped.sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(CIPHER, kek.sealingKey, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(binding));
  decipher.setAuthTag(tag);
  const plain = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    plain.fill(0);
    throw new WrappedKeyTamperedError('the sealed key does not open for this record (changed, or copied from another record)');
  }
  return plain;
}

/** A fresh random salt for a KEK, used only while the store holds no wrapped key yet. */
export function newKekParameters(iterations: number): KekParameters {
  return { salt: randomBytes(KEK_SALT_BYTES), iterations };
}
