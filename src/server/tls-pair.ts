// What is wrong with a --tls-cert/--tls-key pair, in words. OpenSSL says only "no start line" for a
// file of the wrong kind and "key values mismatch" for a key of another certificate.

import { PRIVATE_KEY_BLOCK_TYPES } from '../keys/keyfile.js';

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PRIVATE_KEY = new RegExp(`-----BEGIN (?:${PRIVATE_KEY_BLOCK_TYPES.join('|')})-----`);

/** Why `cert` and `key` cannot serve TLS, judged from their PEM blocks and OpenSSL's `error`. */
export function tlsPairProblem(cert: Buffer, key: Buffer, error: Error): string {
  const certText = cert.toString('latin1');
  const keyText = key.toString('latin1');
  const certHasCertificate = CERTIFICATE.test(certText);
  const keyHasKey = PRIVATE_KEY.test(keyText);
  if (!certHasCertificate && !keyHasKey && PRIVATE_KEY.test(certText) && CERTIFICATE.test(keyText)) {
    return 'the two files are swapped: give the certificate to --tls-cert and the private key to --tls-key';
  }
  if (!certHasCertificate) return `the certificate file holds no PEM certificate${PRIVATE_KEY.test(certText) ? ' (it holds a private key)' : ''}`;
  if (!keyHasKey) return `the key file holds no PEM private key${CERTIFICATE.test(keyText) ? ' (it holds a certificate)' : ''}`;
  if (/key values mismatch/.test(error.message)) return "the key is not the certificate's";
  return error.message;
}
