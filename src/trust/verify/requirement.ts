// What `verify` requires of one image, as a function over the verified repository view. The default
// requirement is docker's: the tag is pullable with DOCKER_CONTENT_TRUST=1. A signing policy plugs in
// as another Requirement (same inputs, same result shape), so the command and its exit codes stay.
import type { RepositoryView } from '../../tuf/repository-view.js';

/** What to check: a tag, a digest, or a tag pinned to a digest (`name:tag@sha256:…`). */
export interface VerifyTarget {
  tag?: string;
  /** `sha256:<hex>`, lowercase. */
  digest?: string;
}

/** Why an image is not signed as required (stable words for `--json` and scripts). */
export type VerifyReason =
  /** The trust server has no trust data for the repository. */
  | 'no-trust-data'
  /** No role holds the tag (or the digest) at all. */
  | 'not-signed'
  /** Only signer roles (`targets/<name>`) hold it; docker pull reads `targets/releases` and `targets` only. */
  | 'signer-only'
  /** The release role's file holds it but has fewer valid signatures than its threshold. */
  | 'below-threshold'
  /** The release role's file holds it but has expired. */
  | 'expired'
  /** The pinned digest is not the digest signed for the tag. */
  | 'digest-mismatch'
  /** The registry serves another digest or size for the tag than the one signed (with `--registry`). */
  | 'registry-moved'
  /** The registry does not have the signed manifest (with `--registry`). */
  | 'registry-missing'
  /** A signing policy's rule (`verify --policy`) does not hold: roles missing, digests disagree, root not pinned. */
  | 'policy-not-met';

export interface Satisfied {
  satisfied: true;
  /** `sha256:<hex>` signed for the tag (or the pinned digest). */
  digest: string;
  size: number;
  /** The roles docker would take it from: `targets/releases` and/or `targets`. */
  releasedBy: string[];
  /** Signers (`targets/<name>`) who signed the same digest. */
  signers: string[];
  /** Every released tag with this digest. */
  tags: string[];
}

export interface Unsatisfied {
  satisfied: false;
  reason: VerifyReason;
  /** One line: what is wrong and who is missing. */
  message: string;
  /** Who must sign for the requirement to hold (signer names, else short key IDs). */
  missing: string[];
  /** How many more of `missing` must sign (1 for "any one of them"). */
  needed: number;
  /** The digest signed for the tag, when there is one (a pinned digest that differs). */
  signedDigest?: string;
}

export type RequirementResult = Satisfied | Unsatisfied;

export interface Requirement {
  /** Shown in output: `released` for docker's rule, a policy's name otherwise. */
  readonly name: string;
  /** What `gun` is judged by, when that is not `name` (a policy with no entry for it). */
  nameFor?(gun: string): string | undefined;
  evaluate(view: RepositoryView, target: VerifyTarget): RequirementResult;
  /** Root keys that must anchor a first contact with `gun` (a policy's root pin). */
  rootAnchor?(gun: string): { keyIds: readonly string[]; source: string } | undefined;
}
