// The update after root (TUF 5.4–5.6): timestamp, snapshot, targets, then the delegations the
// snapshot lists, each fed to the TrustedSet in workflow order. Where the files come from is the
// UpdateFiles' business (server or cache); a failure here ends the attempt (the caller may retry once).
import type { FileMeta } from '../tuf/metadata/index.js';
import type { TrustedSet } from '../tuf/trusted-set.js';
import { DelegationRefusedError, UpdateRefusedError } from '../tuf/update-errors.js';
import { CachedFileMismatchError, NotCachedError, type UpdateFiles } from './update-files.js';

/** Called each time a targets role has been verified (or skipped), with the walk's progress. */
export type RoleVerified = (set: TrustedSet, progress: { done: number; total: number }) => void;

export interface Walk {
  gun: string;
  files: UpdateFiles;
  warn(message: string): void;
  onRoleVerified?: RoleVerified;
  /** A cache-only read (RefreshOptions.cacheOnly): a delegation missing from the cache is fatal. */
  cacheOnly?: boolean;
}

/** The snapshot names a root other than the trusted one: root rotated (notary's checkRoot). */
class RootChangedError extends UpdateRefusedError {
  constructor() {
    super('root', 'the snapshot lists a different root than the one trusted');
  }
}

/** `askedForTimestamp`: the server's timestamp when it was asked for before the root check (see updater.ts). */
export async function loadAfterRoot(set: TrustedSet, walk: Walk, askedForTimestamp?: Promise<Buffer>): Promise<void> {
  const { files } = walk;
  // 5.4 timestamp: always the current one from the server (plain name, at most 1 MiB).
  const timestamp = await files.timestamp(set.root.signed, askedForTimestamp);
  set.updateTimestamp(timestamp.bytes, { cached: timestamp.cached });

  // 5.5 snapshot: from the cache when it is the file the timestamp names, else by checksum.
  const snapshot = await files.vouched('snapshot', set.timestamp!.signed.snapshotMeta, set.root.signed);
  set.updateSnapshot(snapshot.bytes, { cached: snapshot.cached });
  // notary's checkRoot: a snapshot naming another root means root rotated; refresh and retry.
  if (!set.snapshotMatchesRoot()) throw new RootChangedError();

  // 5.6 targets (every failure fatal), then delegations.
  const targets = await files.vouched('targets', set.snapshot!.signed.metaFor('targets')!);
  set.updateTargets(targets.bytes, { cached: targets.cached });
  const roleDone = progressOf(set, walk.onRoleVerified);
  roleDone();
  await loadDelegations(set, 'targets', walk, roleDone);
}

/** Counts the targets roles of this attempt walked so far, and reports each (onRoleVerified). */
function progressOf(set: TrustedSet, report: RoleVerified | undefined): () => void {
  let done = 0;
  return () => {
    if (!report) return;
    done++;
    let total = 0;
    for (const role of set.snapshot!.signed.meta.keys()) if (role === 'targets' || role.startsWith('targets/')) total++;
    report(set, { done, total: Math.max(total, done) });
  };
}

/**
 * Depth-first, pre-order (a role's children, in file order, before its later siblings), only roles
 * the snapshot lists — notary's order. Expired or below-threshold delegations are skipped with a
 * warning (their subtree too); any other failure is fatal.
 *
 * Once a parent is trusted, the snapshot (already verified) states the length and hashes of each
 * child it declares, so the children's files are fetched together; each is still checked against
 * the snapshot and verified in the order above, and nothing of a skipped subtree is fetched.
 */
async function loadDelegations(set: TrustedSet, parent: string, walk: Walk, roleDone: () => void): Promise<void> {
  const declared = set.targetsOf(parent)?.signed.delegations ?? [];
  const listed: { name: string; meta: FileMeta }[] = [];
  for (const { name } of declared) {
    const meta = set.snapshot!.signed.metaFor(name);
    if (meta) listed.push({ name, meta });
  }
  const fetches = listed.map(({ name, meta }) => settled(walk.files.vouched(name, meta)));
  for (const [i, { name }] of listed.entries()) {
    const fetched = await fetches[i]!;
    if (!fetched.ok) {
      const e = fetched.error;
      // A cache-only read is for moving the repository: a missing file would be lost, so it is fatal.
      if (!(walk.files.offline && e instanceof NotCachedError) || walk.cacheOnly) throw e;
      walk.warn(
        e instanceof CachedFileMismatchError
          ? `the cached ${name}.json does not match the hash the trusted snapshot names (damaged or tampered with); its signatures are not shown while offline`
          : `${name} is not in the local cache; its signatures are not shown while offline`,
      );
      roleDone();
      continue;
    }
    try {
      set.updateDelegation(name, fetched.value.bytes, parent, { cached: fetched.value.cached });
    } catch (e) {
      if (!(e instanceof DelegationRefusedError)) throw e;
      walk.warn(`${walk.gun}: skipping ${e.message}`);
      roleDone();
      continue;
    }
    roleDone();
    await loadDelegations(set, name, walk, roleDone);
  }
}

/**
 * A promise that never rejects: fetches started ahead of their turn must not become unhandled
 * rejections when an earlier role ends the update.
 */
function settled<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
