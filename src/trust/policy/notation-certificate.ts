// A signer's certificate for a Notation trust store: it must be one a Notation verifier accepts as a
// self-signed signing certificate (the Notary Project "Certificate Requirements", enforced by
// notation-core-go x509/codesigning_cert_validations.go) and it must carry a key the verified trust
// data lists for that signer. notary's own certificates (keyEncipherment set) fail the profile.
import { X509Certificate } from 'node:crypto';
import { parseCertificateBundle, signatureAlgorithmOid, validityOf } from '../../tuf/certs.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { InputError } from '../errors.js';
import type { PolicySigner } from './signers.js';

export interface SignerCertificate {
  signer: string;
  /** Where it was read from (for messages). */
  source: string;
  pem: string;
  /** The certificate subject as Notation's `x509.subject:` identity writes it. */
  subject: string;
  /** Canonical ID of the signer's key the certificate carries. */
  keyId: string;
  notAfter: Date;
}

const SHA1_SIGNATURES = new Set(['1.2.840.113549.1.1.5', '1.3.14.3.2.29', '1.2.840.10040.4.3', '1.2.840.10045.4.1']);
/** Extended key usages a Notation signing certificate must not have (codeSigning and none are fine). */
const FORBIDDEN_EKU: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};
/** Attribute names as Go's pkix.Name writes them (what Notation parses subjects with). */
const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};
const KEY_USAGE_NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

/** RFC 4514 escaping of one attribute value (Notation parses identities as LDAP DNs). */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

interface ParsedExtensions {
  keyUsage?: { critical: boolean; flags: number };
  basicConstraints?: { cA: boolean };
  subject: { name: string; value: string }[];
}

async function parseExtensions(cert: X509Certificate): Promise<ParsedExtensions> {
  // Loaded on demand, as src/tuf/certificate-create.ts does: only this export needs them.
  const { AsnConvert } = await import('@peculiar/asn1-schema');
  const x509 = await import('@peculiar/asn1-x509');
  const parsed = AsnConvert.parse(cert.raw, x509.Certificate);
  const out: ParsedExtensions = { subject: [] };
  for (const rdn of parsed.tbsCertificate.subject) {
    for (const attribute of rdn) {
      const name = ATTRIBUTE_NAMES[attribute.type];
      if (name) out.subject.push({ name, value: attribute.value.toString() });
    }
  }
  for (const ext of parsed.tbsCertificate.extensions ?? []) {
    if (ext.extnID === x509.id_ce_keyUsage) {
      out.keyUsage = { critical: ext.critical, flags: AsnConvert.parse(ext.extnValue, x509.KeyUsage).toNumber() };
    } else if (ext.extnID === x509.id_ce_basicConstraints) {
      out.basicConstraints = { cA: AsnConvert.parse(ext.extnValue, x509.BasicConstraints).cA };
    }
  }
  return out;
}

/** Why Notation would refuse this certificate as a self-signed signing certificate, or undefined. */
export async function notationProfileProblem(cert: X509Certificate, now: Date = new Date()): Promise<string | undefined> {
  // Issuer = subject and its own key verifies it (OpenSSL's checkIssued would also demand keyCertSign).
  if (cert.issuer !== cert.subject || !cert.verify(cert.publicKey)) {
    return 'it is not self-signed (only a signer\'s own self-signed certificate can go into the trust store this export writes)';
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (!curve || !['prime256v1', 'secp384r1', 'secp521r1'].includes(curve)) return `its EC key is on curve ${curve ?? 'unknown'}, which Notation does not accept`;
  } else if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return 'its RSA key is shorter than 2048 bits';
  } else {
    return `its ${key.asymmetricKeyType ?? 'unknown'} key cannot sign Notation signatures`;
  }
  if (SHA1_SIGNATURES.has(signatureAlgorithmOid(cert))) return 'it is signed with SHA-1';
  const { notBefore, notAfter } = validityOf(cert);
  if (now > notAfter) return `it expired on ${notAfter.toISOString()}`;
  if (now < notBefore) return `it is not valid before ${notBefore.toISOString()}`;
  const ext = await parseExtensions(cert);
  if (!ext.keyUsage) return 'it has no keyUsage extension (Notation needs keyUsage critical with digitalSignature only)';
  if (!ext.keyUsage.critical) return 'its keyUsage extension is not critical';
  if (!(ext.keyUsage.flags & 1)) return 'its keyUsage lacks digitalSignature';
  const extra = KEY_USAGE_NAMES.filter((_, i) => i > 0 && ext.keyUsage!.flags & (1 << i) && i !== 1);
  if (extra.length > 0) return `its keyUsage allows ${extra.join(', ')} (a notary-made certificate, for one); Notation accepts digitalSignature only`;
  if (ext.basicConstraints?.cA) return 'it is a CA certificate (basicConstraints cA=true), not a signing certificate';
  const forbidden = (cert.keyUsage ?? []).map((oid) => FORBIDDEN_EKU[oid]).filter((n): n is string => n !== undefined);
  if (forbidden.length > 0) return `its extendedKeyUsage includes ${forbidden.join(', ')}`;
  const names = new Set(ext.subject.map((a) => a.name));
  const missing = ['C', 'ST', 'O'].filter((n) => !names.has(n));
  if (missing.length > 0) return `its subject lacks ${missing.join(', ')} (a Notation trusted identity needs C, ST and O)`;
  return undefined;
}

/** `x509.subject: C=…, ST=…, O=…, CN=…` in the certificate's own attribute order. */
export async function notationSubject(cert: X509Certificate): Promise<string> {
  const { subject } = await parseExtensions(cert);
  return subject.map((a) => `${a.name}=${escapeDnValue(a.value)}`).join(', ');
}

/**
 * Reads and checks the certificate given for `signer`: one self-signed certificate, Notation's
 * signing profile, unexpired, and its public key one of the signer's keys in the trust data.
 */
export async function checkSignerCertificate(
  signer: PolicySigner,
  text: string | Buffer,
  source: string,
  now: Date = new Date(),
): Promise<SignerCertificate> {
  const refuse = (why: string) =>
    new InputError(`the certificate ${source} for signer ${signer.name} cannot be used: ${why}`, {
      hint: { cli: `make one with trust-tui export notation --as ${signer.name} on the signer's host`, ui: `ask ${signer.name} for the certificate trust-tui export notation makes` },
    });
  let certs: X509Certificate[];
  try {
    const pem = typeof text === 'string' ? text : text.toString('utf8');
    certs = pem.includes('-----BEGIN') ? parseCertificateBundle(pem) : [new X509Certificate(Buffer.from(text))];
  } catch (e) {
    throw refuse(`it is not a PEM or DER certificate (${(e as Error).message})`);
  }
  if (certs.length !== 1) throw refuse(`it holds ${certs.length} certificates; give the signer's self-signed certificate alone`);
  const cert = certs[0]!;
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  const key = signer.keys.find((k) => k.spki.equals(spki));
  if (!key) {
    const keys = signer.keys.map((k) => shortKeyId(k.id)).join(', ');
    throw refuse(`its public key is not a key of ${signer.name} in the trust data (${signer.name}'s keys: ${keys})`);
  }
  const problem = await notationProfileProblem(cert, now);
  if (problem) throw refuse(problem);
  return {
    signer: signer.name,
    source,
    pem: cert.toString(),
    subject: await notationSubject(cert),
    keyId: key.id,
    notAfter: validityOf(cert).notAfter,
  };
}
