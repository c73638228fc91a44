// OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info: <cipher>,<hex IV>`), which
// notary still reads for `EC PRIVATE KEY`, `RSA PRIVATE KEY` and `ED25519 PRIVATE KEY` blocks.
// The key is OpenSSL's EVP_BytesToKey with MD5, one iteration, and the first 8 IV bytes as salt.
import { createDecipheriv, createHash } from 'node:crypto';
import { DecryptionFailedError, KeyFormatError } from './errors.js';

const CIPHERS: Record<string, { cipher: string; keyLength: number; ivLength: number }> = {
  'AES-128-CBC': { cipher: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  'AES-192-CBC': { cipher: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  'AES-256-CBC': { cipher: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  'DES-EDE3-CBC': { cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

export function isLegacyEncrypted(headers: Record<string, string>): boolean {
  return /(^|,)\s*ENCRYPTED\s*$/.test(headers['Proc-Type'] ?? '');
}

function bytesToKey(passphrase: Buffer, salt: Buffer, length: number): Buffer {
  const parts: Buffer[] = [];
  let previous = Buffer.alloc(0);
  let total = 0;
  while (total < length) {
    previous = createHash('md5').update(previous).update(passphrase).update(salt).digest();
    parts.push(previous);
    total += previous.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/**
 * Decrypts the body of a legacy encrypted PEM block. The caller must still check that the result
 * decodes: CBC padding alone lets about one wrong passphrase in 256 through.
 */
export function decryptLegacyPem(body: Buffer, dekInfo: string | undefined, passphrase: string): Buffer {
  const [name = '', ivHex = ''] = (dekInfo ?? '').split(',').map((s) => s.trim());
  const spec = CIPHERS[name.toUpperCase()];
  if (!spec) throw new KeyFormatError(`unsupported legacy PEM cipher ${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]+$/.test(ivHex) || ivHex.length !== spec.ivLength * 2) {
    throw new KeyFormatError('malformed DEK-Info IV');
  }
  const iv = Buffer.from(ivHex, 'hex');
  const key = bytesToKey(Buffer.from(passphrase, 'utf8'), iv.subarray(0, 8), spec.keyLength);
  if (body.length === 0 || body.length % spec.ivLength !== 0) {
    throw new KeyFormatError('encrypted key data is not a whole number of cipher blocks');
  }
  try {
    const decipher = createDecipheriv(spec.cipher, key, iv);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new DecryptionFailedError();
  }
}
