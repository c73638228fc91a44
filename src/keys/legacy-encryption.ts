// OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info: <cipher>,<hex IV>`), which
// notary still reads for `EC PRIVATE KEY`, `RSA PRIVATE KEY` and `ED25519 PRIVATE KEY` blocks.
// The key is OpenSSL's EVP_BytesToKey with MD5, one iteration, and the first 8 IV bytes as salt
// (node-forge's pbe.opensslDeriveBytes); node-forge deciphers.
import type forge from 'node-forge';
import { DecryptionFailedError, KeyFormatError } from './errors.js';
import { loadForge } from './forge.js';

const CIPHERS: Record<string, { cipher: forge.cipher.Algorithm; keyLength: number; ivLength: number }> = {
  'AES-128-CBC': { cipher: 'AES-CBC', keyLength: 16, ivLength: 16 },
  'AES-192-CBC': { cipher: 'AES-CBC', keyLength: 24, ivLength: 16 },
  'AES-256-CBC': { cipher: 'AES-CBC', keyLength: 32, ivLength: 16 },
  'DES-EDE3-CBC': { cipher: '3DES-CBC', keyLength: 24, ivLength: 8 },
};

// Part of node-forge's pbe module that @types/node-forge does not declare (forge/lib/pbe.js).
type Pbe = { opensslDeriveBytes(password: string, salt: string, length: number): string };

export function isLegacyEncrypted(headers: Record<string, string>): boolean {
  return /(^|,)\s*ENCRYPTED\s*$/.test(headers['Proc-Type'] ?? '');
}

/**
 * Decrypts the body of a legacy encrypted PEM block. The caller must still check that the result
 * decodes: CBC padding alone lets about one wrong passphrase in 256 through.
 */
export async function decryptLegacyPem(body: Buffer, dekInfo: string | undefined, passphrase: string): Promise<Buffer> {
  const [name = '', ivHex = ''] = (dekInfo ?? '').split(',').map((s) => s.trim());
  const spec = CIPHERS[name.toUpperCase()];
  if (!spec) throw new KeyFormatError(`unsupported legacy PEM cipher ${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]+$/.test(ivHex) || ivHex.length !== spec.ivLength * 2) {
    throw new KeyFormatError('malformed DEK-Info IV');
  }
  const iv = Buffer.from(ivHex, 'hex').toString('binary');
  const forge = await loadForge();
  const { pbe } = forge.pki as unknown as { pbe: Pbe };
  const key = pbe.opensslDeriveBytes(forge.util.encodeUtf8(passphrase), iv.slice(0, 8), spec.keyLength);
  if (body.length === 0 || body.length % spec.ivLength !== 0) {
    throw new KeyFormatError('encrypted key data is not a whole number of cipher blocks');
  }
  const decipher = forge.cipher.createDecipher(spec.cipher, key);
  decipher.start({ iv });
  decipher.update(forge.util.createBuffer(body.toString('binary')));
  if (!decipher.finish()) throw new DecryptionFailedError();
  return Buffer.from(decipher.output.getBytes(), 'binary');
}
