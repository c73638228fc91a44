// Root keys are X.509 certificates (notary tuf/utils/x509.go, trustpinning/certs.go). This module
// reads them (PEM bundles, the TUF key of a certificate) and checks one as notary does before it trusts
// it. Creating the root certificate is certificate-create.ts; which root keys a GUN may use,
// root-keys.ts; the two pinning checks, trust-pinning.ts.
// Pure: no file or network IO; callers read CA bundles and pass their text.
import { X509Certificate } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';
import { KeyError } from './errors.js';
import { PublicKey } from './key.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// PEM

/** PEM text of one DER certificate as Go's pem.Encode writes it: 64-character lines, trailing newline. */
export function pemEncodeCertificate(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Every certificate of a PEM bundle, in order, as Go's `LoadCertBundleFromPEM`: a block of any other
 * type, or a certificate that does not parse, rejects the whole bundle; so does a bundle without one.
 */
export function parseCertificateBundle(pem: string | Uint8Array): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  // Each read of a repository checks its root certificate again: parse each bundle once per process.
  const known = parsedBundles.get(text);
  if (known) return [...known];
  const certs: X509Certificate[] = [];
  for (const [, type, body] of text.matchAll(PEM_BLOCK)) {
    if (type !== 'CERTIFICATE') throw new KeyError(`invalid PEM block type: ${type}`);
    try {
      certs.push(new X509Certificate(Buffer.from(body!.replace(/\s+/g, ''), 'base64')));
    } catch (e) {
      throw new KeyError(`certificate cannot be parsed (${(e as Error).message})`);
    }
  }
  if (certs.length === 0) throw new KeyError('no valid certificates found');
  parsedBundles.set(text, certs);
  return [...certs];
}

/** Parsed bundles by their text (a pure function of it; failures are not kept). */
const parsedBundles = new BoundedCache<string, readonly X509Certificate[]>(4096);

/**
 * The TUF key of a certificate bundle (leaf first), as Go's `CertBundleToKey`: the PEM is re-encoded
 * from the DER, and the type (`ecdsa-x509`/`rsa-x509`) follows the leaf's public key.
 */
export function certificateToKey(bundle: X509Certificate | readonly X509Certificate[]): PublicKey {
  const certs = Array.isArray(bundle) ? (bundle as readonly X509Certificate[]) : [bundle as X509Certificate];
  const leaf = certs[0];
  if (!leaf) throw new KeyError('an empty certificate bundle has no key');
  const algorithm = leaf.publicKey.asymmetricKeyType;
  if (algorithm !== 'ec' && algorithm !== 'rsa') {
    throw new KeyError(`certificate key type ${algorithm ?? 'unknown'} cannot be a TUF x509 key`);
  }
  const pem = certs.map((c) => pemEncodeCertificate(c.raw)).join('');
  return PublicKey.fromParsedCertificate(algorithm === 'ec' ? 'ecdsa-x509' : 'rsa-x509', Buffer.from(pem).toString('base64'), leaf);
}

// ---------------------------------------------------------------------------------------------
// Certificate checks (notary's utils.ValidateCertificate and trustpinning.MatchCNToGun)

/** The subject common name as Go reads it (the last CN attribute), or '' when there is none. */
export function commonNameOf(cert: X509Certificate): string {
  const cn: unknown = cert.toLegacyObject().subject?.CN;
  if (Array.isArray(cn)) return String(cn[cn.length - 1] ?? '');
  return typeof cn === 'string' ? cn : '';
}

/** A leaf CN matches a GUN when equal, or when it ends in `*` and the rest is a prefix of the GUN. */
export function commonNameMatchesGun(commonName: string, gun: string): boolean {
  if (commonName.endsWith('*')) return gun.startsWith(commonName.replace(/\*+$/, ''));
  return commonName === gun;
}

/** Reads one DER header at `pos` (Buffer accessors throw on truncated input). */
function derElement(der: Buffer, pos: number): { tag: number; start: number; end: number } {
  const tag = der.readUInt8(pos);
  let length = der.readUInt8(pos + 1);
  let start = pos + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets < 1 || octets > 4) throw new KeyError('unsupported DER length');
    length = der.readUIntBE(start, octets);
    start += octets;
  }
  if (start + length > der.length) throw new KeyError('truncated DER');
  return { tag, start, end: start + length };
}

function decodeOid(bytes: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const [first = 0, ...rest] = arcs;
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - top * 40, ...rest].join('.');
}

/** The OID of `Certificate.signatureAlgorithm` (node:crypto does not expose it on Node 20). */
export function signatureAlgorithmOid(cert: X509Certificate): string {
  const der = cert.raw;
  const outer = derElement(der, 0);
  const tbs = derElement(der, outer.start);
  const algorithm = derElement(der, tbs.end);
  const oid = derElement(der, algorithm.start);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06) throw new KeyError('malformed certificate');
  return decodeOid(der.subarray(oid.start, oid.end));
}

/** The algorithms Go's ValidateCertificate refuses: SHA1WithRSA (two OIDs), DSAWithSHA1, ECDSAWithSHA1. */
const SHA1_SIGNATURE_OIDS = new Set(['1.2.840.113549.1.1.5', '1.3.14.3.2.29', '1.2.840.10040.4.3', '1.2.840.10045.4.1']);

/** notary's minimum RSA modulus for certificates. */
const MIN_RSA_BITS = 2048;

export interface CertificateCheckOptions {
  now?: Date;
  /** Require the certificate to be valid at `now` (notBefore may be up to one day ahead). */
  checkExpiry: boolean;
}

/** Validity bounds as Dates (node gives strings like `Nov 25 17:14:35 2026 GMT`). */
export function validityOf(cert: X509Certificate): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/**
 * Why notary would refuse this certificate (`utils.ValidateCertificate`), or undefined when it passes:
 * inverted validity window, SHA-1 signature, RSA key below 2048 bits, and with `checkExpiry` not yet
 * valid (one day of leeway) or expired.
 */
export function certificateProblem(
  cert: X509Certificate,
  { now = new Date(), checkExpiry }: CertificateCheckOptions,
): string | undefined {
  // The CN only names the certificate in a problem: reading it costs more than the checks.
  const named = (problem: string): string => `certificate with CN ${commonNameOf(cert)} ${problem}`;
  const { notBefore, notAfter } = validityOf(cert);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    return named('has unreadable validity dates');
  }
  if (notBefore > notAfter) return named('has an invalid validity window');
  let oid: string;
  try {
    oid = signatureAlgorithmOid(cert);
  } catch {
    return named('cannot be parsed');
  }
  if (SHA1_SIGNATURE_OIDS.has(oid)) return named('uses invalid SHA1 signature algorithm');
  const key = cert.publicKey;
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    return named(`has an RSA key shorter than ${MIN_RSA_BITS} bits`);
  }
  if (checkExpiry) {
    const tomorrow = new Date(now.getTime() + DAY_MS);
    if (notBefore > tomorrow) return named(`is not valid until ${notBefore.toISOString()}`);
    if (now > notAfter) return named(`expired on ${notAfter.toISOString()}`);
  }
  return undefined;
}

export type CertificateValidity = 'valid' | 'expires-soon' | 'expired' | 'not-yet-valid';

/**
 * Where `now` lies in a certificate's validity window, with notary's rules: one day of leeway on
 * notBefore, a warning within six months of notAfter.
 */
export function certificateValidity(cert: X509Certificate, now: Date = new Date()): CertificateValidity {
  const { notBefore, notAfter } = validityOf(cert);
  if (notBefore.getTime() > now.getTime() + DAY_MS) return 'not-yet-valid';
  if (now > notAfter) return 'expired';
  return isNearExpiry(cert, now) ? 'expires-soon' : 'valid';
}

/** notary warns when a certificate expires within six months. */
export function isNearExpiry(cert: X509Certificate, now: Date): boolean {
  const sixMonths = new Date(now);
  sixMonths.setUTCMonth(sixMonths.getUTCMonth() + 6);
  return validityOf(cert).notAfter < sixMonths;
}
