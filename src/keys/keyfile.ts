// Private-key files as notary and docker write them: one PEM block, headers `role:` (always) and
// `gun:` (targets/snapshot/timestamp keys only), PKCS#8 body. Reading also accepts the formats OpenSSL
// and older notary versions write.
import { basename } from 'node:path';
import { PrivateKey } from '../tuf/private-key.js';
import {
  DamagedKeyError,
  DecryptionFailedError,
  KeyFileError,
  KeyFormatError,
  NotAPrivateKeyError,
  WrongPassphraseError,
} from './errors.js';
import { decryptLegacyPem, isLegacyEncrypted } from './legacy-encryption.js';
import { decodePem, encodePem, type PemBlock } from './pem.js';
import {
  checkEncryptedPrivateKeyInfo,
  decodeNotaryEd25519,
  decodePrivateKeyInfo,
  decryptPrivateKeyInfo,
  encodePrivateKeyInfo,
  encryptPrivateKeyInfo,
  encryptPrivateKeyInfoStrong,
  keyObject,
  privateKeyInfoType,
} from './pkcs8.js';

/** The labels notary keeps in a key file's headers. */
export interface KeyLabels {
  role: string;
  gun?: string;
}

/** A parsed (not yet decrypted) key file: its private-key PEM block and what the headers say. */
export interface KeyFile extends PemBlock {
  /** The file name or other description used in error messages. */
  source: string;
  encrypted: boolean;
  role?: string;
  gun?: string;
}

export const PRIVATE_KEY_BLOCK_TYPES: readonly string[] = [
  'ENCRYPTED PRIVATE KEY',
  'PRIVATE KEY',
  'EC PRIVATE KEY',
  'RSA PRIVATE KEY',
  'ED25519 PRIVATE KEY',
];

/** Notary writes a `gun` header only for these roles (root and delegation keys are shared across repositories). */
export const ROLES_WITH_GUN: readonly string[] = ['targets', 'snapshot', 'timestamp'];

/**
 * Finds the private-key block in a PEM file. Other blocks are skipped, e.g. the `EC PARAMETERS`
 * block `openssl ecparam -genkey` writes first (notary trips over it, notary#1475).
 */
export function parseKeyFile(text: string, source: string): KeyFile {
  const blocks = decodePem(text, source);
  const block = blocks.find((b) => PRIVATE_KEY_BLOCK_TYPES.includes(b.type));
  if (!block) {
    if (blocks.some((b) => /PUBLIC KEY|CERTIFICATE/.test(b.type))) {
      throw new NotAPrivateKeyError(source, 'holds a public key or certificate, not a private key');
    }
    const found = blocks.map((b) => b.type).join(', ');
    throw new KeyFileError(source, found ? `no private key block (found ${found})` : 'no PEM block found');
  }
  // Damage shows before anyone is asked for a passphrase.
  if (block.type === 'ENCRYPTED PRIVATE KEY') {
    try {
      checkEncryptedPrivateKeyInfo(block.bytes);
    } catch (e) {
      throw keyFileError(e, source);
    }
  }
  const { role, gun } = block.headers;
  return {
    ...block,
    source,
    encrypted: block.type === 'ENCRYPTED PRIVATE KEY' || isLegacyEncrypted(block.headers),
    ...(role ? { role } : {}),
    ...(gun ? { gun } : {}),
  };
}

const TYPES_BY_BLOCK: Record<string, string> = { 'EC PRIVATE KEY': 'ecdsa', 'RSA PRIVATE KEY': 'rsa', 'ED25519 PRIVATE KEY': 'ed25519' };

/**
 * The key type a file shows without a passphrase: the PEM type of notary's older layouts, or the
 * algorithm of an unencrypted PKCS#8 key. An `ENCRYPTED PRIVATE KEY` hides it (undefined).
 */
export function visibleKeyType(file: KeyFile): string | undefined {
  if (TYPES_BY_BLOCK[file.type]) return TYPES_BY_BLOCK[file.type];
  if (file.type !== 'PRIVATE KEY') return undefined;
  try {
    return privateKeyInfoType(file.bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes (and if needed decrypts) a key file. An unencrypted file ignores `passphrase`.
 * Throws WrongPassphraseError (naming `keyId`, by default the file name) or KeyFileError.
 */
export async function openKeyFile(file: KeyFile, passphrase: string, keyId?: string): Promise<PrivateKey> {
  try {
    switch (file.type) {
      case 'ENCRYPTED PRIVATE KEY':
        return decodePrivateKeyInfo(await decryptPrivateKeyInfo(file.bytes, passphrase));
      case 'PRIVATE KEY':
        return decodePrivateKeyInfo(file.bytes);
      case 'EC PRIVATE KEY':
        return await openLegacyBlock(file, passphrase, (der) => PrivateKey.fromKeyObject(keyObject(der, 'sec1')));
      case 'RSA PRIVATE KEY':
        return await openLegacyBlock(file, passphrase, (der) => PrivateKey.fromKeyObject(keyObject(der, 'pkcs1')));
      case 'ED25519 PRIVATE KEY':
        return await openLegacyBlock(file, passphrase, decodeNotaryEd25519);
      default:
        throw new KeyFormatError(`unsupported PEM block "${file.type}"`);
    }
  } catch (e) {
    if (e instanceof DecryptionFailedError) {
      throw new WrongPassphraseError(keyId ?? file.headers.path ?? basename(file.source));
    }
    throw keyFileError(e, file.source);
  }
}

/** A decoding failure as the KeyFileError naming the file (other errors pass unchanged). */
function keyFileError(e: unknown, source: string): unknown {
  if (e instanceof DamagedKeyError) {
    return new KeyFileError(source, `the key is damaged or truncated (${e.message})`, 'restore it from a backup or export it again where it came from');
  }
  if (e instanceof KeyFormatError) return new KeyFileError(source, e.message);
  return e;
}

async function openLegacyBlock(file: KeyFile, passphrase: string, decode: (der: Buffer) => PrivateKey): Promise<PrivateKey> {
  if (!isLegacyEncrypted(file.headers)) return decode(file.bytes);
  const plain = await decryptLegacyPem(file.bytes, file.headers['DEK-Info'], passphrase);
  try {
    return decode(plain);
  } catch (e) {
    // CBC padding is a weak check; undecodable plaintext means the passphrase was wrong.
    if (e instanceof KeyFormatError) throw new DecryptionFailedError();
    throw e;
  }
}

/** The headers notary writes for a key with these labels. */
export function keyFileHeaders(labels: KeyLabels): Record<string, string> {
  const headers: Record<string, string> = { role: labels.role };
  if (labels.gun && ROLES_WITH_GUN.includes(labels.role)) headers.gun = labels.gun;
  return headers;
}

/**
 * The key file notary would write: `ENCRYPTED PRIVATE KEY` (PBES2, PBKDF2-HMAC-SHA1, 2048
 * iterations, AES-256-CBC), or `PRIVATE KEY` when the passphrase is empty.
 */
export async function encodeKeyFile(
  key: PrivateKey,
  labels: KeyLabels,
  passphrase: string,
  options: { strongIterations?: number } = {},
): Promise<string> {
  const headers = keyFileHeaders(labels);
  const info = encodePrivateKeyInfo(key);
  if (passphrase === '') return encodePem({ type: 'PRIVATE KEY', headers, bytes: info });
  // With strongIterations: PBKDF2-HMAC-SHA256 at that count, a file notary itself cannot open.
  const bytes = options.strongIterations
    ? await encryptPrivateKeyInfoStrong(info, passphrase, options.strongIterations)
    : await encryptPrivateKeyInfo(info, passphrase);
  return encodePem({ type: 'ENCRYPTED PRIVATE KEY', headers, bytes });
}
