// Root keys are X.509 certificates (notary tuf/utils/x509.go, trustpinning/certs.go). This module creates the self-signed
// certificate `notary init` makes, and decides which root keys may be trusted as notary's
// `trustpinning.ValidateRoot` does, plus the two pinning checks (pinned cert IDs, pinned CA).
// Pure: no file or network IO; callers read CA bundles and pass their text.
import { createPublicKey, randomBytes, sign as nodeSign, X509Certificate, type KeyObject } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';
import { KeyError } from './errors.js';
import { PublicKey } from './key.js';
import type { PrivateKey } from './private-key.js';
import type { KeyLookup, RoleKeys } from './threshold.js';
import { shortKeyId } from './short-key-id.js';

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
// Creating the root certificate (notary's cryptoservice.GenerateCertificate)

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
function isNearExpiry(cert: X509Certificate, now: Date): boolean {
  const sixMonths = new Date(now);
  sixMonths.setUTCMonth(sixMonths.getUTCMonth() + 6);
  return validityOf(cert).notAfter < sixMonths;
}

// ---------------------------------------------------------------------------------------------
// Root keys usable for a GUN (trustpinning.ValidateRoot: parseAllCerts + validRootLeafCerts)

export interface UsableRootKey {
  /** The key ID listed in `roles.root.keyids`. */
  keyId: string;
  /**
   * The key to verify with: leaf plus intermediates re-encoded as Go does (CertBundleToKey). Its
   * `id` equals `keyId` for every bundle Go or trust-tui wrote; signatures must name this ID.
   */
  key: PublicKey;
  leaf: X509Certificate;
  intermediates: X509Certificate[];
  /** The leaf expires within six months (only computed when current validity is required). */
  nearExpiry: boolean;
}

export interface RootKeyAssessment {
  keyId: string;
  usable?: UsableRootKey;
  /** Why the key cannot be used, when `usable` is absent. */
  problem?: string;
}

export interface RootKeyOptions {
  now?: Date;
  /**
   * True for a root being trusted now (new root / first download): certificates must be currently
   * valid and invalid intermediates are dropped. False for the already trusted root, whose
   * certificates are used even when expired.
   */
  requireCurrentValidity: boolean;
}

/** notary's error when no root key passes (`ErrValidationFail`). */
export const NO_VALID_LEAF_CERTIFICATES =
  'could not validate the path to a trusted root: unable to retrieve valid leaf certificates';

function lookupKey(keys: KeyLookup, id: string): PublicKey | undefined {
  if (keys instanceof Map) return keys.get(id);
  return Object.hasOwn(keys, id) ? (keys as Record<string, PublicKey>)[id] : undefined;
}

function assessRootKey(keyId: string, keys: KeyLookup, gun: string, options: RootKeyOptions): RootKeyAssessment {
  const now = options.now ?? new Date();
  const fail = (problem: string): RootKeyAssessment => ({ keyId, problem });
  const key = lookupKey(keys, keyId);
  if (!key) return fail('the key is not in root.json keys');
  if (!key.isX509) return fail(`${key.keytype} key is not a certificate; root keys must be X.509 certificates`);
  let certs: X509Certificate[];
  try {
    certs = parseCertificateBundle(key.publicBytes);
  } catch (e) {
    return fail((e as Error).message);
  }
  const leaves = certs.filter((c) => !c.ca);
  if (leaves.length !== 1) return fail(`expected exactly one leaf (non-CA) certificate, found ${leaves.length}`);
  const leaf = leaves[0]!;
  if (certs[0] !== leaf) return fail('the first certificate of the bundle is a CA certificate, not the leaf');
  const cn = commonNameOf(leaf);
  if (!commonNameMatchesGun(cn, gun)) {
    return fail(`certificate CN ${JSON.stringify(cn)} does not match the GUN ${JSON.stringify(gun)}`);
  }
  const problem = certificateProblem(leaf, { now, checkExpiry: options.requireCurrentValidity });
  if (problem) return fail(problem);
  // New roots keep only intermediates that pass the same checks; a trusted root keeps all of them.
  const intermediates = certs
    .filter((c) => c.ca)
    .filter((c) => !options.requireCurrentValidity || !certificateProblem(c, { now, checkExpiry: true }));
  let bundleKey: PublicKey;
  try {
    bundleKey = certificateToKey([leaf, ...intermediates]);
  } catch (e) {
    return fail((e as Error).message);
  }
  return {
    keyId,
    usable: {
      keyId,
      key: bundleKey,
      leaf,
      intermediates,
      nearExpiry: options.requireCurrentValidity && isNearExpiry(leaf, now),
    },
  };
}

/** The verdict for every distinct root key ID: usable, or why not. */
export function assessRootKeys(
  rootKeyIds: readonly string[],
  keys: KeyLookup,
  gun: string,
  options: RootKeyOptions,
): RootKeyAssessment[] {
  return [...new Set(rootKeyIds)].map((id) => assessRootKey(id, keys, gun, options));
}

/**
 * The root keys notary would accept for `gun`: listed in `roles.root.keyids`, a PEM bundle with exactly
 * one non-CA certificate placed first, CN matching the GUN, not SHA-1 signed, RSA ≥ 2048 bits, and
 * (with `requireCurrentValidity`) currently valid. Plain `ecdsa`/`rsa` keys are never usable.
 */
export function usableRootKeys(
  rootKeyIds: readonly string[],
  keys: KeyLookup,
  gun: string,
  options: RootKeyOptions,
): UsableRootKey[] {
  return assessRootKeys(rootKeyIds, keys, gun, options).flatMap((a) => (a.usable ? [a.usable] : []));
}

/** Like usableRootKeys, but throws notary's error (with each key's problem) when none is usable. */
export function requireUsableRootKeys(
  rootKeyIds: readonly string[],
  keys: KeyLookup,
  gun: string,
  options: RootKeyOptions,
): UsableRootKey[] {
  const assessed = assessRootKeys(rootKeyIds, keys, gun, options);
  const usable = assessed.flatMap((a) => (a.usable ? [a.usable] : []));
  if (usable.length === 0) {
    const reasons = assessed.map((a) => `${shortKeyId(a.keyId)}: ${a.problem}`).join('; ');
    throw new KeyError(reasons ? `${NO_VALID_LEAF_CERTIFICATES} (${reasons})` : NO_VALID_LEAF_CERTIFICATES);
  }
  return usable;
}

/** The role and key map to count root signatures with: only the usable keys, under their bundle IDs. */
export function usableRootRole(
  usable: readonly UsableRootKey[],
  threshold: number,
): { role: RoleKeys; keys: Map<string, PublicKey> } {
  const keys = new Map(usable.map((u) => [u.key.id, u.key] as const));
  return { role: { keyids: [...keys.keys()], threshold }, keys };
}

// ---------------------------------------------------------------------------------------------
// Trust pinning (trustpinning.NewTrustPinChecker: certsCheck and caCheck)

/** `trust_pinning.certs`: keeps the usable keys whose x509 TUF key ID (leaf + intermediates) is pinned. */
export function matchesPinnedCerts(keys: readonly UsableRootKey[], pinnedTufIds: readonly string[]): UsableRootKey[] {
  const pinned = new Set(pinnedTufIds);
  return keys.filter((k) => pinned.has(k.key.id));
}

export type CertificateInput = string | Uint8Array | X509Certificate;

function toCertificates(input: CertificateInput): X509Certificate[] {
  return input instanceof X509Certificate ? [input] : parseCertificateBundle(input);
}

export interface CaVerification {
  verified: boolean;
  /** Leaf first, CA certificate last, when verified. */
  chain?: X509Certificate[];
  /** Why the leaf does not chain to the CA bundle, when not verified. */
  problem?: string;
  /**
   * Go's gotcha (Go crypto/x509/verify.go, extKeyUsage checks): a chain exists, but Go's x509.Verify refuses it because a
   * certificate on it has an extKeyUsage without serverAuth (notary's own certificates say only
   * codeSigning). Lets callers explain the failure and suggest a certificate without EKU.
   */
  blockedByServerAuthEku: boolean;
}

export interface CaVerifyOptions {
  now?: Date;
  /** Go's default: every certificate on the chain with an extKeyUsage must allow serverAuth. Default true. */
  requireServerAuthEku?: boolean;
}

const EKU_ANY = '2.5.29.37.0';
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
// Go counts the old Netscape and Microsoft "server gated crypto" usages as serverAuth.
const EKU_SERVER_AUTH_EQUIVALENT = new Set([EKU_ANY, EKU_SERVER_AUTH, '2.16.840.1.113730.4.1', '1.3.6.1.4.1.311.10.3.3']);

function extendedKeyUsages(cert: X509Certificate): readonly string[] {
  // Node 20 calls the EKU list `keyUsage`; newer versions add `extKeyUsage`. Undefined = no extension.
  return (cert as X509Certificate & { extKeyUsage?: string[] }).extKeyUsage ?? cert.keyUsage ?? [];
}

function allowsServerAuth(cert: X509Certificate): boolean {
  const usages = extendedKeyUsages(cert);
  return usages.length === 0 || usages.some((u) => EKU_SERVER_AUTH_EQUIVALENT.has(u));
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function validAt(cert: X509Certificate, now: Date): boolean {
  const { notBefore, notAfter } = validityOf(cert);
  return notBefore <= now && now <= notAfter;
}

const MAX_CHAIN_LENGTH = 10;

/** Every chain from `chain`'s last certificate up to a root, through CA intermediates valid at `now`. */
function buildChains(
  chain: X509Certificate[],
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now: Date,
): X509Certificate[][] {
  const current = chain[chain.length - 1]!;
  const found: X509Certificate[][] = [];
  for (const root of roots) {
    if (validAt(root, now) && issuedBy(current, root)) found.push([...chain, root]);
  }
  if (chain.length >= MAX_CHAIN_LENGTH) return found;
  for (const next of intermediates) {
    if (chain.some((c) => c.raw.equals(next.raw))) continue;
    if (!next.ca || !validAt(next, now) || !issuedBy(current, next)) continue;
    found.push(...buildChains([...chain, next], intermediates, roots, now));
  }
  return found;
}

/**
 * `trust_pinning.ca`: whether `leaf` chains (through `intermediates` from the root key's bundle) to
 * a certificate of the pinned CA bundle, as Go's x509.Verify with default options: each certificate
 * valid now, intermediates marked CA, CA bundle certificates passing notary's checks, and (Go's
 * default) serverAuth or no extKeyUsage along the chain.
 */
export function verifiedByCA(
  leaf: CertificateInput,
  intermediates: readonly CertificateInput[],
  caBundle: readonly CertificateInput[],
  { now = new Date(), requireServerAuthEku = true }: CaVerifyOptions = {},
): CaVerification {
  const notVerified = (problem: string, blockedByServerAuthEku = false): CaVerification => ({
    verified: false,
    problem,
    blockedByServerAuthEku,
  });
  let leafCert: X509Certificate;
  let intermediateCerts: X509Certificate[];
  let caCerts: X509Certificate[];
  try {
    [leafCert] = toCertificates(leaf) as [X509Certificate];
    intermediateCerts = intermediates.flatMap(toCertificates);
    caCerts = caBundle.flatMap(toCertificates);
  } catch (e) {
    return notVerified((e as Error).message);
  }
  // notary drops CA bundle certificates that fail its own checks, and gives up when none is left.
  const roots = caCerts.filter((c) => !certificateProblem(c, { now, checkExpiry: true }));
  if (roots.length === 0) return notVerified('invalid CA certs provided');
  if (!validAt(leafCert, now)) {
    return notVerified(`certificate with CN ${commonNameOf(leafCert)} is not valid at ${now.toISOString()}`);
  }

  const chains = roots.some((r) => r.raw.equals(leafCert.raw))
    ? [[leafCert]]
    : buildChains([leafCert], intermediateCerts, roots, now);
  if (chains.length === 0) return notVerified('certificate signed by unknown authority');
  if (!requireServerAuthEku) return { verified: true, chain: chains[0], blockedByServerAuthEku: false };
  const usable = chains.find((chain) => chain.every(allowsServerAuth));
  if (usable) return { verified: true, chain: usable, blockedByServerAuthEku: false };
  const blocker = chains[0]!.find((c) => !allowsServerAuth(c))!;
  return notVerified(
    `certificate with CN ${commonNameOf(blocker)} has extKeyUsage ${extendedKeyUsages(blocker).join(', ')} ` +
      'without serverAuth; notary (Go x509) accepts CA-pinned certificates only with serverAuth or no extKeyUsage',
    true,
  );
}
