// TLS for a server started without a certificate: a local CA and a server certificate for the listen
// address, made once under the data directory and reused on later starts (renewed when the names
// change or it is about to expire). Clients trust the CA (docker: ~/.docker/tls/<host:port>/ca.crt).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomSerial } from '../tuf/certificate-create.js';

const DAY_MS = 86_400_000;
const CA_DAYS = 10 * 365;
/** Below the 398-day limit that macOS and browsers apply to server certificates. */
const SERVER_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;

export interface LocalTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** What was made on this start: nothing, a new server certificate, or a new CA and certificate. */
  created: 'none' | 'server' | 'ca';
}

/** Names a certificate for `listenHost` must carry: the host itself, and loopback in both spellings. */
export function certificateNames(listenHost: string): string[] {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1']);
  if (listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '') names.add(hostname());
  else names.add(listenHost);
  return [...names];
}

/** Makes (or reuses) the CA and a server certificate for `names` under `dir`. */
export async function ensureLocalTls(dir: string, names: readonly string[], now = new Date()): Promise<LocalTls> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, 'ca.crt');
  const caKeyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  let created: LocalTls['created'] = 'none';

  if (!existsSync(caFile) || !existsSync(caKeyFile) || !stillValid(readFileSync(caFile), now)) {
    const key = newKey();
    const pem = await buildCertificate({ subjectKey: key, issuerKey: key, commonName: 'trust-tui local CA', ca: true, days: CA_DAYS, now });
    writePrivate(caKeyFile, key);
    writeFileSync(caFile, pem);
    created = 'ca';
  }
  const caPem = readFileSync(caFile);
  const needServer =
    created === 'ca' ||
    !existsSync(certFile) ||
    !existsSync(keyFile) ||
    !stillValid(readFileSync(certFile), now) ||
    !covers(readFileSync(certFile), names) ||
    !new X509Certificate(readFileSync(certFile)).checkIssued(new X509Certificate(caPem));
  if (needServer) {
    const key = newKey();
    const issuer = new X509Certificate(caPem);
    const pem = await buildCertificate({
      subjectKey: key,
      issuerKey: createPrivateKey(readFileSync(caKeyFile)),
      issuer,
      commonName: names.find((n) => !isIP(n) && n !== 'localhost') ?? names[0] ?? 'localhost',
      ca: false,
      names,
      days: SERVER_DAYS,
      now,
    });
    writePrivate(keyFile, key);
    writeFileSync(certFile, pem);
    if (created === 'none') created = 'server';
  }
  return { caFile, certFile, keyFile, created };
}

function newKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

function writePrivate(file: string, key: KeyObject): void {
  writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

function stillValid(pem: Buffer, now: Date): boolean {
  try {
    const cert = new X509Certificate(pem);
    return new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS;
  } catch {
    return false;
  }
}

function covers(pem: Buffer, names: readonly string[]): boolean {
  try {
    const cert = new X509Certificate(pem);
    return names.every((n) => (isIP(n) ? cert.checkIP(n) : cert.checkHost(n)) !== undefined);
  } catch {
    return false;
  }
}

export interface CertificateRequest {
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  /** Absent for the self-signed CA. */
  issuer?: X509Certificate;
  commonName: string;
  ca: boolean;
  names?: readonly string[];
  days: number;
  now: Date;
}

/** An ecdsa-with-SHA256 certificate as Go's TLS stack accepts it (SANs, EKU serverAuth for servers). */
export async function buildCertificate(req: CertificateRequest): Promise<string> {
  // Loaded on demand: only a first start needs them.
  const { AsnConvert, OctetString } = await import('@peculiar/asn1-schema');
  const x509 = await import('@peculiar/asn1-x509');

  const nameOf = (cn: string) =>
    new x509.Name([
      new x509.RelativeDistinguishedName([
        new x509.AttributeTypeAndValue({ type: '2.5.4.3', value: new x509.AttributeValue({ utf8String: cn }) }),
      ]),
    ]);
  const algorithm = () => new x509.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }); // ecdsa-with-SHA256
  const extension = (extnID: string, critical: boolean, value: object) =>
    new x509.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

  const spki = createPublicKey(req.subjectKey).export({ type: 'spki', format: 'der' });
  const subjectPublicKeyInfo = AsnConvert.parse(spki, x509.SubjectPublicKeyInfo);
  const keyId = new Uint8Array(await crypto.subtle.digest('SHA-1', subjectPublicKeyInfo.subjectPublicKey)).buffer;
  const issuerKeyId = req.issuer
    ? x509SubjectKeyId(req.issuer, AsnConvert, x509)
    : keyId;

  const extensions = [
    extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: req.ca })),
    extension(
      x509.id_ce_keyUsage,
      true,
      new x509.KeyUsage(
        req.ca
          ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
          : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      ),
    ),
    extension(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(keyId)),
    extension(x509.id_ce_authorityKeyIdentifier, false, new x509.AuthorityKeyIdentifier({ keyIdentifier: new x509.KeyIdentifier(issuerKeyId) })),
  ];
  if (!req.ca) {
    extensions.push(extension(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([x509.id_kp_serverAuth])));
    const altNames = (req.names ?? []).map((n) =>
      isIP(n) ? new x509.GeneralName({ iPAddress: n }) : new x509.GeneralName({ dNSName: n }),
    );
    extensions.push(extension(x509.id_ce_subjectAltName, false, new x509.SubjectAlternativeName(altNames)));
  }

  // Backdated an hour so that a client whose clock is slightly behind still accepts the certificate.
  const notBefore = new Date(req.now.getTime() - 3_600_000);
  const tbsCertificate = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: randomSerial(), // minimal DER: a leading zero byte would be "illegal padding" to OpenSSL
    signature: algorithm(),
    issuer: req.issuer ? AsnConvert.parse(req.issuer.raw, x509.Certificate).tbsCertificate.subject : nameOf(req.commonName),
    subject: nameOf(req.commonName),
    validity: new x509.Validity({ notBefore, notAfter: new Date(req.now.getTime() + req.days * DAY_MS) }),
    subjectPublicKeyInfo,
    extensions: new x509.Extensions(extensions),
  });
  const signature = nodeSign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), req.issuerKey);
  const certificate = new x509.Certificate({ tbsCertificate, signatureAlgorithm: algorithm(), signatureValue: new Uint8Array(signature).buffer });
  const der = Buffer.from(AsnConvert.serialize(certificate));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The issuer's subject key identifier (for the AKI of the certificates it signs). */
function x509SubjectKeyId(
  issuer: X509Certificate,
  AsnConvert: typeof import('@peculiar/asn1-schema').AsnConvert,
  x509: typeof import('@peculiar/asn1-x509'),
): ArrayBuffer {
  const parsed = AsnConvert.parse(issuer.raw, x509.Certificate);
  const ski = parsed.tbsCertificate.extensions?.find((e) => e.extnID === x509.id_ce_subjectKeyIdentifier);
  if (!ski) return new ArrayBuffer(0);
  return AsnConvert.parse(ski.extnValue.buffer, x509.SubjectKeyIdentifier).buffer;
}
