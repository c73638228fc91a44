// The self-signed root certificate `notary init` makes (notary cryptoservice.GenerateCertificate),
// and self-signed certificates for other uses. Pure: no file or network IO.
import { createPublicKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { pemEncodeCertificate } from './certs.js';
import { KeyError } from './errors.js';
import type { PrivateKey } from './private-key.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Go's asn1 PrintableString alphabet (without `*` and `&`); other strings become UTF8String. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A random serial in [1, 2^128) as minimal positive DER INTEGER content. */
export function randomSerial(): ArrayBuffer {
  for (;;) {
    let bytes = randomBytes(16);
    let first = 0;
    while (first < bytes.length - 1 && bytes[first] === 0) first++;
    bytes = bytes.subarray(first);
    if (bytes.length === 1 && bytes[0] === 0) continue;
    const positive = (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
    return new Uint8Array(positive).buffer;
  }
}

interface CertSignatureScheme {
  oid: string;
  hash: 'sha256' | 'sha384' | 'sha512';
  /** sha256WithRSAEncryption carries an explicit NULL parameter; the ECDSA OIDs carry none. */
  nullParameters: boolean;
}

/** The signature algorithm Go's x509.CreateCertificate picks for a key. */
function certSignatureScheme(key: KeyObject): CertSignatureScheme {
  if (key.asymmetricKeyType === 'rsa') return { oid: '1.2.840.113549.1.1.11', hash: 'sha256', nullParameters: true };
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'prime256v1':
      return { oid: '1.2.840.10045.4.3.2', hash: 'sha256', nullParameters: false };
    case 'secp384r1':
      return { oid: '1.2.840.10045.4.3.3', hash: 'sha384', nullParameters: false };
    case 'secp521r1':
      return { oid: '1.2.840.10045.4.3.4', hash: 'sha512', nullParameters: false };
    default:
      throw new KeyError(`unsupported curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'} for a root certificate`);
  }
}

/**
 * The self-signed certificate `notary init` wraps a new root key in: v3, issuer = subject = CN=<gun>,
 * random serial below 2^128, valid from `now` for `years` × 365 days, ecdsa-with-SHA256 (P-256) or
 * sha256WithRSAEncryption, keyUsage critical {digitalSignature, keyEncipherment}, extKeyUsage
 * {codeSigning}, basicConstraints critical CA:FALSE, no SKI/AKI. Returns the PEM text.
 * The root key for metadata is then `certificateToKey(new X509Certificate(pem))`.
 */
export async function createRootCertificate(
  privateKey: PrivateKey,
  gun: string,
  now: Date = new Date(),
  years = 10,
): Promise<string> {
  const material = privateKey.material;
  if (material.algorithm === 'ed25519') throw new KeyError('a root certificate needs an ECDSA or RSA key, not ed25519');
  const der = await createSelfSignedCertificate(material.key, {
    subject: [[OID_COMMON_NAME, gun]],
    notBefore: now,
    notAfter: new Date(now.getTime() + years * 365 * DAY_MS),
    keyEncipherment: true,
  });
  return pemEncodeCertificate(der);
}

export const OID_COUNTRY = '2.5.4.6';
export const OID_STATE = '2.5.4.8';
export const OID_ORGANIZATION = '2.5.4.10';
export const OID_COMMON_NAME = '2.5.4.3';

export interface SelfSignedProfile {
  /** Subject (and issuer) attributes in order, each as [OID, value]. */
  subject: ReadonlyArray<readonly [oid: string, value: string]>;
  notBefore: Date;
  notAfter: Date;
  /**
   * keyUsage is critical {digitalSignature}, plus keyEncipherment as notary's template has it; a
   * Notation signing certificate must not have it (notation-core-go codesigning_cert_validations.go).
   */
  keyEncipherment: boolean;
}

/**
 * A self-signed v3 leaf over `key` (ECDSA or RSA), the extensions in the order and with the
 * criticality Go produces for notary's template: keyUsage, extKeyUsage {codeSigning},
 * basicConstraints CA:FALSE. Returns the DER bytes.
 */
export async function createSelfSignedCertificate(key: KeyObject, profile: SelfSignedProfile): Promise<Uint8Array> {
  const scheme = certSignatureScheme(key);
  // Loaded on demand: these modules cost ~90 ms, which read-only commands should not pay.
  const { AsnConvert, OctetString } = await import('@peculiar/asn1-schema');
  const x509 = await import('@peculiar/asn1-x509');

  const name = new x509.Name(
    profile.subject.map(
      ([type, value]) =>
        new x509.RelativeDistinguishedName([
          new x509.AttributeTypeAndValue({ type, value: new x509.AttributeValue(PRINTABLE.test(value) ? { printableString: value } : { utf8String: value }) }),
        ]),
    ),
  );
  const algorithm = () =>
    new x509.AlgorithmIdentifier({
      algorithm: scheme.oid,
      ...(scheme.nullParameters ? { parameters: new Uint8Array([0x05, 0x00]).buffer } : {}),
    });
  const extension = (extnID: string, critical: boolean, value: object) =>
    new x509.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const keyUsage = x509.KeyUsageFlags.digitalSignature | (profile.keyEncipherment ? x509.KeyUsageFlags.keyEncipherment : 0);

  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbsCertificate = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: randomSerial(),
    signature: algorithm(),
    issuer: name,
    subject: name,
    validity: new x509.Validity({ notBefore: profile.notBefore, notAfter: profile.notAfter }),
    subjectPublicKeyInfo: AsnConvert.parse(spki, x509.SubjectPublicKeyInfo),
    extensions: new x509.Extensions([
      extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(keyUsage)),
      extension(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([x509.id_kp_codeSigning])),
      extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
    ]),
  });
  // X.509 wants the DER (not r||s) ECDSA signature, which is node's default encoding.
  const signature = nodeSign(scheme.hash, Buffer.from(AsnConvert.serialize(tbsCertificate)), key);
  const certificate = new x509.Certificate({
    tbsCertificate,
    signatureAlgorithm: algorithm(),
    signatureValue: new Uint8Array(signature).buffer,
  });
  return new Uint8Array(AsnConvert.serialize(certificate));
}
