// The certificate a Notation signature carries: a self-signed leaf per (signer, repository) over
// the signer's existing DCT key. Notary's own certificates cannot serve (they set keyEncipherment,
// which notation-core-go x509/codesigning_cert_validations.go refuses in a signing leaf), so a new
// one is made: keyUsage critical digitalSignature only, basicConstraints cA=false, EKU codeSigning.
// Its subject is what a Notation trust policy names (`export policy --notation` relies on it):
//   C=ZZ, ST=Docker Content Trust, O=<GUN>, CN=<signer name>
// Stored as `<trust dir>/notation/<GUN>/<signer>.crt` (0644: it is public) and reused while valid.
import { sign as nodeSign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../keys/atomic-write.js';
import { notWritableIn } from '../../config/writable.js';
import { pemEncodeCertificate, randomSerial } from '../../tuf/certs.js';

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

/** Go's asn1 PrintableString alphabet; other strings become UTF8String. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export async function createNotationCertificate(key: KeyObject, publicSpki: Buffer, subject: CertificateSubject, now: Date): Promise<Buffer> {
  const { AsnConvert, OctetString } = await import('@peculiar/asn1-schema');
  const x509 = await import('@peculiar/asn1-x509');
  const attribute = (type: string, value: string) =>
    new x509.RelativeDistinguishedName([
      new x509.AttributeTypeAndValue({ type, value: new x509.AttributeValue(PRINTABLE.test(value) ? { printableString: value } : { utf8String: value }) }),
    ]);
  const name = new x509.Name([
    attribute('2.5.4.6', 'ZZ'), // countryName
    attribute('2.5.4.8', 'Docker Content Trust'), // stateOrProvinceName
    attribute('2.5.4.10', subject.gun), // organizationName
    attribute('2.5.4.3', subject.signer), // commonName
  ]);
  const algorithm = () => new x509.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }); // ecdsa-with-SHA256
  const extension = (extnID: string, critical: boolean, value: object) =>
    new x509.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const tbsCertificate = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: randomSerial(),
    signature: algorithm(),
    issuer: name,
    subject: name,
    // A minute back, so a verifier whose clock is a little behind accepts a fresh certificate.
    validity: new x509.Validity({ notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + VALIDITY_YEARS * 365 * DAY_MS) }),
    subjectPublicKeyInfo: AsnConvert.parse(publicSpki, x509.SubjectPublicKeyInfo),
    extensions: new x509.Extensions([
      extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.digitalSignature)),
      extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
      extension(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([x509.id_kp_codeSigning])),
    ]),
  });
  const signature = nodeSign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), key);
  const certificate = new x509.Certificate({ tbsCertificate, signatureAlgorithm: algorithm(), signatureValue: new Uint8Array(signature).buffer });
  return Buffer.from(AsnConvert.serialize(certificate));
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
  const der = await createNotationCertificate(key, publicSpki, subject, now);
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFileAtomic(file, pemEncodeCertificate(der), 0o644);
  } catch (e) {
    throw notWritableIn(trustDir, e);
  }
  return { path: file, der, subject: notationSubject(subject), created: true, validTo: new X509Certificate(der).validTo };
}
