// Who has signed the current targets/releases file, per signer, and the role's "k of n" (n counts
// DISTINCT canonical keys, as the threshold check does; see src/tuf/verification.ts). A signer is
// counted when one of its keys is a key of targets/releases whose signature on the file verified.
import { RELEASES_ROLE, type RepositoryView } from '../tuf/repository-view.js';

export interface ReleasesSignoff {
  /** Signatures the role needs. */
  threshold: number;
  /** Distinct canonical keys of the role. */
  keys: number;
  /** Distinct canonical keys whose signature on the current file verified. */
  signed: number;
  /** Per signer (docker's signers, by name): a signature of theirs on the file verifies. */
  bySigner: { name: string; signed: boolean }[];
}

export function releasesSignoff(view: RepositoryView): ReleasesSignoff | undefined {
  const releases = view.delegations().find((d) => d.role === RELEASES_ROLE);
  if (!releases) return undefined;
  const validIds = new Set(view.signaturesOf(RELEASES_ROLE)?.validKeyIds ?? []);
  const signedCanonical = new Set(releases.keys.filter((k) => validIds.has(k.id)).map((k) => k.canonicalId));
  return {
    threshold: releases.threshold,
    keys: new Set(releases.keys.map((k) => k.canonicalId)).size,
    signed: signedCanonical.size,
    bySigner: view.signers().map((s) => ({ name: s.name, signed: s.keys.some((k) => signedCanonical.has(k.canonicalId)) })),
  };
}

/** "releases 2 of 3, 1 signed": the threshold over distinct keys, and how many keys signed the file. */
export function describeSignoff(s: ReleasesSignoff): string {
  return `releases ${s.threshold} of ${s.keys}, ${s.signed} signed`;
}
