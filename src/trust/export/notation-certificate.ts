// The certificate a Notation signature carries: a self-signed leaf per (signer, repository) over
// the signer's existing DCT key. Notary's own certificates cannot serve (they set keyEncipherment,
// which notation-core-go x509/codesigning_cert_validations.go refuses in a signing leaf), so a new
// one is made: keyUsage critical digitalSignature only, basicConstraints cA=false, EKU codeSigning.
// Its subject is what a Notation trust policy names (`export policy --notation` relies on it):
//   C=ZZ, ST=Docker Content Trust, O=<GUN>, CN=<signer name>
// Stored as `<trust dir>/notation/<GUN>/<signer>.crt` (0644: it is public) and reused while valid.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../keys/atomic-write.js';
import { notWritableIn } from '../../config/writable.js';
import { createSelfSignedCertificate, OID_COMMON_NAME, OID_COUNTRY, OID_ORGANIZATION, OID_STATE } from '../../tuf/certificate-create.js';
import { pemEncodeCertificate } from '../../tuf/certs.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const VALIDITY_YEARS = 10;
/** A stored certificate closer than this to its end is replaced (signatures must verify for a while). */
const RENEW_BEFORE_MS = 90 * DAY_MS;

export interface CertificateSubject {
  gun: string;
  signer: string;
}

/** The subject as Go's pkix.Name prints it in order C, ST, O, CN (Notation's x509.subject syntax). */
export function notationSubject(s: CertificateSubject): string {
  return `C=ZZ, ST=Docker Content Trust, O=${s.gun}, CN=${s.signer}`;
}

/** `<trust dir>/notation/<GUN>/<signer>.crt` */
export function notationCertificatePath(trustDir: string, s: CertificateSubject): string {
  return path.join(trustDir, 'notation', ...s.gun.split('/'), `${s.signer.replace(/[^A-Za-z0-9_.-]/g, '-')}.crt`);
}

export async function createNotationCertificate(key: KeyObject, subject: CertificateSubject, now: Date): Promise<Buffer> {
  const der = await createSelfSignedCertificate(key, {
    subject: [
      [OID_COUNTRY, 'ZZ'],
      [OID_STATE, 'Docker Content Trust'],
      [OID_ORGANIZATION, subject.gun],
      [OID_COMMON_NAME, subject.signer],
    ],
    // A minute back, so a verifier whose clock is a little behind accepts a fresh certificate.
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + VALIDITY_YEARS * 365 * DAY_MS),
    keyEncipherment: false,
  });
  return Buffer.from(der);
}

/** Why a stored certificate cannot be reused (undefined: reuse it). */
function unusable(cert: X509Certificate, publicSpki: Buffer, subject: CertificateSubject, now: Date): string | undefined {
  if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(publicSpki)) return 'it is over another key';
  if (cert.subject.split('\n').join(', ') !== notationSubject(subject)) return 'its subject differs';
  if (!cert.verify(cert.publicKey)) return 'it is not self-signed';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return 'it expires soon';
  if (new Date(cert.validFrom) > now) return 'it is not valid yet';
  return undefined;
}

export interface NotationCertificate {
  path: string;
  der: Buffer;
  subject: string;
  /** Made by this run (false: the stored one was reused). */
  created: boolean;
  validTo: string;
}

/**
 * The signer's stored certificate for this repository when it can be reused as is: over one of
 * `publicSpkis` (the signer's keys this host holds), right subject, self-signed, not near its end.
 * Needs no private key (a run with nothing to sign asks no passphrase).
 */
export async function storedNotationCertificate(
  trustDir: string,
  publicSpkis: readonly Buffer[],
  subject: CertificateSubject,
  now: Date,
): Promise<NotationCertificate | undefined> {
  const file = notationCertificatePath(trustDir, subject);
  const stored = await readFile(file, 'utf8').catch(() => undefined);
  if (stored === undefined) return undefined;
  try {
    const cert = new X509Certificate(stored);
    if (!publicSpkis.some((spki) => !unusable(cert, spki, subject, now))) return undefined;
    return { path: file, der: cert.raw, subject: notationSubject(subject), created: false, validTo: cert.validTo };
  } catch {
    return undefined;
  }
}

/** The signer's stored certificate for this repository, or a new one (written atomically, 0644). */
export async function notationCertificate(
  trustDir: string,
  key: KeyObject,
  publicSpki: Buffer,
  subject: CertificateSubject,
  now: Date,
  warn: (message: string) => void,
): Promise<NotationCertificate> {
  const file = notationCertificatePath(trustDir, subject);
  const stored = await readFile(file, 'utf8').catch(() => undefined);
  if (stored !== undefined) {
    try {
      const cert = new X509Certificate(stored);
      const why = unusable(cert, publicSpki, subject, now);
      if (!why) return { path: file, der: cert.raw, subject: notationSubject(subject), created: false, validTo: cert.validTo };
      warn(`replacing the Notation certificate ${file}: ${why}`);
    } catch {
      warn(`replacing the Notation certificate ${file}: it does not parse`);
    }
  }
  const der = await createNotationCertificate(key, subject, now);
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFileAtomic(file, pemEncodeCertificate(der), 0o644);
  } catch (e) {
    throw notWritableIn(trustDir, e);
  }
  return { path: file, der, subject: notationSubject(subject), created: true, validTo: new X509Certificate(der).validTo };
}
