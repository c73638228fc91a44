/**
 * Self-signed X.509 certificates over a given key, with the profile knobs the Notation checks look
 * at (key usage, CA flag, EKU, validity, subject). The default is what `export notation` makes:
 * C=ZZ, ST=Docker Content Trust, O=<GUN>, CN=<signer>, keyUsage critical digitalSignature,
 * basicConstraints cA=false, extKeyUsage codeSigning.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/asn1-x509';
import { randomSerial } from '../../src/tuf/certificate-create.js';

export interface CertOptions {
  subject: [string, string][];
  keyUsage?: number;
  ca?: boolean;
  eku?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with this key instead of the certificate's own (not self-signed then). */
  issuerKey?: KeyObject;
}

const OIDS: Record<string, string> = { C: '2.5.4.6', ST: '2.5.4.8', O: '2.5.4.10', CN: '2.5.4.3', OU: '2.5.4.11' };

export function notationSubject(gun: string, signer: string): [string, string][] {
  return [['C', 'ZZ'], ['ST', 'Docker Content Trust'], ['O', gun], ['CN', signer]];
}

export function makeCertificate(privateKey: KeyObject, options: CertOptions): string {
  const name = new x509.Name(
    options.subject.map(
      ([type, value]) => new x509.RelativeDistinguishedName([new x509.AttributeTypeAndValue({ type: OIDS[type]!, value: new x509.AttributeValue({ utf8String: value }) })]),
    ),
  );
  const algorithm = new x509.AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }); // ecdsa-with-SHA256
  const ext = (id: string, critical: boolean, value: object) => new x509.Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const now = Date.now();
  const tbs = new x509.TBSCertificate({
    version: x509.Version.v3,
    // Minimal DER: a random leading zero byte made about 1 certificate in 300 unreadable to OpenSSL.
    serialNumber: randomSerial(),
    signature: algorithm,
    issuer: name,
    subject: name,
    validity: new x509.Validity({ notBefore: options.notBefore ?? new Date(now - 60_000), notAfter: options.notAfter ?? new Date(now + 365 * 86_400_000) }),
    subjectPublicKeyInfo: AsnConvert.parse(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }), x509.SubjectPublicKeyInfo),
    extensions: new x509.Extensions([
      ext(x509.id_ce_keyUsage, true, new x509.KeyUsage(options.keyUsage ?? x509.KeyUsageFlags.digitalSignature)),
      ext(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: options.ca ?? false })),
      ext(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage(options.eku ?? [x509.id_kp_codeSigning])),
    ]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), options.issuerKey ?? privateKey);
  const der = AsnConvert.serialize(new x509.Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signature).buffer }));
  const b64 = Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
