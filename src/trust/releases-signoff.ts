// Who has signed the current targets/releases file, per signer, and the role's "k of n" (n counts
// DISTINCT canonical keys, as the threshold check does; see src/tuf/verification.ts). A signer is
// counted when one of its keys is a key of targets/releases whose signature on the file verified.
import { RELEASES_ROLE, type RepositoryView } from '../tuf/repository-view.js';

export interface ReleasesSignoff {
  /** Signatures the role needs. */
  threshold: number;
  /** Distinct canonical keys of the role. */
  keys: number;
  /** Their canonical IDs (what a new threshold is checked against, with the keys being added). */
  keyIds: string[];
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
    keyIds: [...new Set(releases.keys.map((k) => k.canonicalId))],
    signed: signedCanonical.size,
    bySigner: view.signers().map((s) => ({ name: s.name, signed: s.keys.some((k) => signedCanonical.has(k.canonicalId)) })),
  };
}

/** "releases 2 of 3, 1 signed": the threshold over distinct keys, and how many keys signed the file. */
export function describeSignoff(s: ReleasesSignoff): string {
  return `releases ${s.threshold} of ${s.keys}, ${s.signed} signed`;
}

/**
 * `signer add --threshold` and the signer wizard refuse a releases threshold that can never be met:
 * above the role's distinct keys once the signer's keys are in (src/tuf/verification.ts counts those).
 */
export function releasesThresholdProblem(gun: string, threshold: number, distinctKeys: number): string | undefined {
  if (!Number.isSafeInteger(threshold) || threshold < 1) return `threshold must be a whole number of at least 1, not ${threshold}`;
  if (threshold <= distinctKeys) return undefined;
  return `threshold ${threshold} for ${RELEASES_ROLE} of ${gun} can never be met: it would have ${distinctKeys} distinct key(s)`;
}
