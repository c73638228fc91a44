// Whether a signer's signature of one format is in the registry for one tag: verifying with the
// signer's keys, present but not verifying, or missing. Used by the export (to skip what is there)
// and by the migration report.
import type { KeyObject } from 'node:crypto';
import { carriesProvenance } from './formats.js';
import type { RegistrySignatures } from './registry-signatures.js';
import { checkSignature, claimedProvenance, type Expected, type SignatureFormat } from './verify-signatures.js';

export type SignatureState = 'verified' | 'invalid' | 'missing';

export interface FormatStatus {
  format: SignatureFormat;
  state: SignatureState;
  /** Why the signatures that claim to be this signer's do not verify. */
  problem?: string;
}

export async function signatureStatus(
  store: RegistrySignatures,
  format: SignatureFormat,
  keys: readonly KeyObject[],
  expected: Expected,
): Promise<FormatStatus> {
  const digest = expected.subject.digest;
  const stored = format === 'sig' ? await store.signatureLayers(digest) : await store.referrerSignatures(digest, format);
  let problem: string | undefined;
  for (const { layer, bytes } of stored) {
    const why = checkSignature(format, layer, bytes, keys, expected);
    if (!why) return { format, state: 'verified' };
    if (carriesProvenance(claimedProvenance(format, bytes), expected.provenance)) problem ??= why;
  }
  return problem ? { format, state: 'invalid', problem } : { format, state: 'missing' };
}
