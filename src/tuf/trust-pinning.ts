// Trust pinning (notary trustpinning.NewTrustPinChecker: certsCheck and caCheck): root keys whose
// certificate ID is pinned, or whose certificate chains to a pinned CA. Pure: no file or network IO;
// callers read CA bundles and pass their text.
import { X509Certificate } from 'node:crypto';
import { certificateProblem, commonNameOf, parseCertificateBundle, validityOf } from './certs.js';
import type { UsableRootKey } from './root-keys.js';

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
