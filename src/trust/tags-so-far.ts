// A repository's released tags while its targets roles are still being verified (the interactive
// UI shows the first screen of a long list before the whole walk is done). Every row comes from a
// role whose signatures verified; whether the tag verifies as a whole (every role, targets/releases'
// threshold) is known only when the walk is complete, so these rows carry no verdict, and name only
// the signers whose verified roles hold the tag: roles not walked yet, and the approvers of a k-of-n
// release, may add more (and "Repo Admin" is said only of a tag no signer holds once all are walked).
import type { RefreshOptions } from '../notary/updater.js';
import { RepositoryView } from '../tuf/repository-view.js';
import type { TrustedSet } from '../tuf/trusted-set.js';
import { monotonicMs } from '../net/monotonic.js';

export interface TagSoFar {
  tag: string;
  digest: string;
  size: number;
  /** The signers known so far (possibly none), never the whole list. */
  signers: string[];
}

export interface TagsSoFar {
  tags: TagSoFar[];
  /** Targets roles verified (or skipped) so far, of those the snapshot lists. */
  rolesDone: number;
  rolesTotal: number;
}

/** The released tags of the roles trusted so far (docker's rows: targets and targets/releases). */
export function tagsSoFar(set: TrustedSet, progress: { done: number; total: number }): TagsSoFar {
  const tags = new RepositoryView(set).releasedTags().map((t) => ({
    tag: t.tag,
    digest: t.digest,
    size: t.length,
    signers: t.signers,
  }));
  return { tags, rolesDone: progress.done, rolesTotal: progress.total };
}

/**
 * An onRoleVerified hook that reports the tags so far, at most every `intervalMs` and never more
 * often than four times the time one report took (a 100,000-tag list takes a while to list), so
 * the reports do not slow the walk they report on. The first role is reported at once, the last
 * not at all (the complete answer follows).
 */
export function reportTagsSoFar(report: (tags: TagsSoFar) => void, intervalMs = 250): NonNullable<RefreshOptions['onRoleVerified']> {
  let next = 0;
  return (set, progress) => {
    const now = monotonicMs();
    if (progress.done > 1 && now < next) return;
    if (progress.done >= progress.total) return;
    report(tagsSoFar(set, progress));
    const took = monotonicMs() - now;
    next = monotonicMs() + Math.max(intervalMs, 4 * took);
  };
}
