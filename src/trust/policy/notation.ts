// Notation trust policy (`trustpolicy.oci.json`) and trust store (`truststore/x509/ca/<name>/`):
// each signer's self-signed certificate is a trust anchor and its subject a trusted identity.
// Notation accepts an artifact when ANY one signature verifies (notation-go verifier.Verify stops at
// the first good one), so this policy means "signed by one of them" whatever the threshold; the
// caveats say so and name Kyverno for k of n.
import { InputError } from '../errors.js';
import { fileSafe, resourceName, type BuiltPolicy, type PolicyInput } from './common.js';
import type { SignerCertificate } from './notation-certificate.js';

export interface TrustPolicyDocument {
  version: '1.0';
  trustPolicies: {
    name: string;
    registryScopes: string[];
    signatureVerification: { level: string };
    trustStores: string[];
    trustedIdentities: string[];
  }[];
}

/** The trust store name: Notation allows `[a-zA-Z0-9_.-]+`. */
export function trustStoreName(gun: string): string {
  return resourceName(gun);
}

export function notationPolicy(input: PolicyInput, certificates: readonly SignerCertificate[]): BuiltPolicy {
  const store = trustStoreName(input.gun);
  const missing = input.signers.filter((s) => !certificates.some((c) => c.signer === s.name));
  if (missing.length > 0) {
    const names = missing.map((s) => s.name).join(', ');
    throw new InputError(`Notation needs each signer's certificate; there is none for ${names}`, {
      hint: {
        cli: `pass --certificate NAME=FILE for each (the file trust-tui export notation --as NAME writes), or leave them out with --signers`,
        ui: 'ask each signer for the certificate their Notation export makes',
      },
    });
  }
  const policy: TrustPolicyDocument = {
    version: '1.0',
    trustPolicies: [
      {
        name: store,
        registryScopes: [input.gun],
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${store}`],
        trustedIdentities: [...new Set(input.signers.map((s) => `x509.subject: ${certificates.find((c) => c.signer === s.name)!.subject}`))],
      },
    ],
  };
  return {
    files: [
      { path: 'trustpolicy.oci.json', content: `${JSON.stringify(policy, null, 2)}\n`, mode: 0o644 },
      // Notation matches the certificate itself (not only its key): every certificate a signer's
      // signatures carry is a trust anchor. alice.crt, or alice-1.crt, alice-2.crt for several.
      ...input.signers.flatMap((s) => {
        const mine = certificates.filter((c) => c.signer === s.name);
        return mine.map((c, i) => ({
          path: `truststore/x509/ca/${store}/${fileSafe(s.name)}${mine.length === 1 ? '' : `-${i + 1}`}.crt`,
          content: c.pem,
          mode: 0o644,
        }));
      }),
    ],
    caveatsInline: false,
    scope: [input.gun],
  };
}
