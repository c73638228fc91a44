// Planning a signer or key removal so that it never silently bricks a repository (docker's
// `signer remove` and notary's `delegation purge` do: notary#1444, #1500, docker/for-linux#1147).
// Pure: from the verified view, the editor and the IDs of the keys this host holds, decide per
// delegation what happens, then apply that to the editor.
//
// Rules, per delegation that loses keys:
// * no key left: the delegation goes (its declaration and its file);
// * the remaining keys' signatures on the current file still meet the threshold: nothing to do;
// * otherwise, when this host holds enough remaining keys, the file is re-signed with them (notary's
//   `witness`), so its tags stay valid; a threshold above the number of remaining keys is lowered
//   to that number (it could never be met again);
// * otherwise the delegation becomes unverifiable. For `targets/releases` that un-releases tags, so
//   the caller refuses unless forced.
import type { Hint } from '../tuf/errors.js';
import type { RepositoryEditor } from '../tuf/editor.js';
import { parentRoleName } from '../tuf/delegation.js';
import type { DelegationInfo, RemovalSelector, RepositoryView, RoleImpact, RoleKeyInfo, SignedTag } from '../tuf/repository-view.js';
import { InputError } from './errors.js';

export const RELEASES_ROLE = 'targets/releases';

export type RoleOutcome =
  /** The delegation is deleted (the signer removed, or no key left). */
  | 'removed'
  /** Still verifies with the remaining keys' signatures. */
  | 'still-valid'
  /** Re-signed with a remaining key this host holds. */
  | 're-signed'
  /** Will not verify until a holder of a remaining key signs it again. */
  | 'unverifiable'
  /** Did not verify before either. */
  | 'was-unverifiable'
  /** Declared but never signed (no file on the server): nothing to keep valid. */
  | 'unsigned';

export interface RoleChange {
  role: string;
  parent: string;
  removedKeyIds: string[];
  remainingKeyIds: string[];
  previousThreshold: number;
  threshold: number;
  validBefore: boolean;
  outcome: RoleOutcome;
}

export interface RemovalPlan {
  changes: RoleChange[];
  /** Delegations that use the keys but whose parent this host cannot sign (left unchanged). */
  skipped: { role: string; parent: string }[];
  /** Released tags that would stop being pullable (their last valid release signature goes). */
  tagsLosingRelease: SignedTag[];
  /** `targets/releases` was valid and would be left unverifiable or deleted: only with --force. */
  breaksReleases: boolean;
  /** TUF key IDs to drop from each delegation's declaration (internal to apply). */
  removals: Map<string, string[]>;
}

/**
 * A whole signer; keys out of every delegation (`signer remove-key`); or keys of one signer only:
 * they leave `targets/NAME`, and `targets/releases` unless another signer still uses them.
 */
export type RemovalTarget = { signer: string; keyIds?: undefined } | { keyIds: readonly string[]; signer?: undefined } | { signer: string; keyIds: readonly string[] };

/** Whether the held keys may sign `role` in the edited repository (its threshold of held keys). */
export function canSign(editor: RepositoryEditor, held: ReadonlySet<string>, role: string): boolean {
  try {
    const { keys, threshold } = editor.signingKeys(role);
    return keys.filter((k) => held.has(k.canonicalId)).length >= threshold;
  } catch {
    return false; // not declared
  }
}

/** The signer's keys that no other delegation uses (those stay in `targets/releases`). */
function keysOnlyOf(signer: DelegationInfo, all: readonly DelegationInfo[]): RoleKeyInfo[] {
  const usedElsewhere = new Set(
    all.filter((d) => d.role !== signer.role && d.role !== RELEASES_ROLE).flatMap((d) => d.keys.map((k) => k.canonicalId)),
  );
  return signer.keys.filter((k) => !usedElsewhere.has(k.canonicalId));
}

function outcomeOf(impact: RoleImpact, declared: DelegationInfo, threshold: number, heldRemaining: number): RoleOutcome {
  if (impact.remainingKeys.length === 0) return 'removed';
  if (impact.validAfter) return 'still-valid';
  if (declared.state === 'absent') return 'unsigned';
  if (!impact.validBefore) return 'was-unverifiable';
  return heldRemaining >= threshold ? 're-signed' : 'unverifiable';
}

/** Where a repository's signers are listed. */
export function checkSigners(gun: string): Hint {
  return { cli: `see trust-tui signer list ${gun}`, ui: 'see the Signers screen (3); press r to refresh' };
}

/** A signer name the repository does not have. */
function noSuchSigner(name: string, gun: string): InputError {
  return new InputError(`no signer ${name} for repository ${gun}`, { hint: checkSigners(gun) });
}

export function planRemoval(view: RepositoryView, editor: RepositoryEditor, held: ReadonlySet<string>, target: RemovalTarget): RemovalPlan {
  const all = view.delegations();
  const changes: RoleChange[] = [];
  const skipped: RemovalPlan['skipped'] = [];
  const removals = new Map<string, string[]>();

  let selector: RemovalSelector | undefined;
  let inScope: (role: string) => boolean = () => true;
  if (target.signer !== undefined && target.keyIds !== undefined) {
    const signer = all.find((d) => d.role === `targets/${target.signer}`);
    if (!signer) throw noSuchSigner(target.signer, view.gun);
    const own = new Set(signer.keys.map((k) => k.canonicalId));
    const foreign = target.keyIds.filter((id) => !own.has(id));
    if (foreign.length > 0) throw new InputError(`key ${foreign.map((id) => id.slice(0, 7)).join(', ')} is not a key of signer ${target.signer} in ${view.gun}`);
    const onlyHere = new Set(keysOnlyOf(signer, all).map((k) => k.canonicalId));
    selector = {
      keysByRole: new Map([
        [signer.role, [...target.keyIds]],
        [RELEASES_ROLE, target.keyIds.filter((id) => onlyHere.has(id))],
      ]),
    };
  } else if (target.signer !== undefined) {
    const signer = all.find((d) => d.role === `targets/${target.signer}`);
    if (!signer) throw noSuchSigner(target.signer, view.gun);
    if (!canSign(editor, held, signer.parent)) {
      throw new InputError(`this host holds no key of ${signer.parent} in ${view.gun}: only the repository's owner can remove signers`);
    }
    changes.push({
      role: signer.role,
      parent: signer.parent,
      removedKeyIds: signer.keys.map((k) => k.canonicalId),
      remainingKeyIds: [],
      previousThreshold: signer.threshold,
      threshold: signer.threshold,
      validBefore: signer.state === 'trusted',
      outcome: 'removed',
    });
    // Reverse `signer add`: the signer's keys leave targets/releases too, unless another signer uses them.
    const keyIds = keysOnlyOf(signer, all).map((k) => k.canonicalId);
    if (keyIds.length > 0) selector = { keyIds };
    inScope = (role) => role === RELEASES_ROLE;
  } else if (target.keyIds !== undefined) {
    selector = { keyIds: [...target.keyIds] };
  }

  // The verified state says which signatures remain valid once the keys go.
  const impact = selector ? view.impactOfRemoving(selector) : { roles: [], tagsLosingRelease: [] };
  for (const r of impact.roles) {
    if (!inScope(r.role)) continue;
    const parent = parentRoleName(r.role);
    if (!canSign(editor, held, parent)) {
      skipped.push({ role: r.role, parent });
      continue;
    }
    const declared = all.find((d) => d.role === r.role)!;
    const remainingIds = new Set(r.remainingKeys.map((k) => k.id));
    const removedKeys = declared.keys.filter((k) => !remainingIds.has(k.id));
    removals.set(r.role, removedKeys.map((k) => k.id));
    const threshold = Math.max(1, Math.min(r.threshold, r.remainingKeys.length));
    const heldRemaining = r.remainingKeys.filter((k) => held.has(k.canonicalId)).length;
    const outcome = outcomeOf(r, declared, threshold, heldRemaining);
    changes.push({
      role: r.role,
      parent,
      removedKeyIds: removedKeys.map((k) => k.canonicalId),
      remainingKeyIds: r.remainingKeys.map((k) => k.canonicalId),
      previousThreshold: r.threshold,
      threshold,
      validBefore: r.validBefore,
      outcome,
    });
  }

  const releases = changes.find((c) => c.role === RELEASES_ROLE);
  const breaksReleases = !!releases && releases.validBefore && (releases.outcome === 'removed' || releases.outcome === 'unverifiable');
  return { changes, skipped, tagsLosingRelease: breaksReleases ? impact.tagsLosingRelease : [], breaksReleases, removals };
}

/** Applies the plan: declarations edited in the parents, deleted roles dropped, re-signed roles touched. */
export function applyRemoval(editor: RepositoryEditor, plan: RemovalPlan): void {
  for (const change of plan.changes) {
    const parent = editor.targets(change.parent);
    if (change.outcome === 'removed') {
      parent.removeDelegation(change.role);
      editor.deleteRole(change.role);
      continue;
    }
    parent.updateDelegation(change.role, { removeKeyIds: plan.removals.get(change.role) ?? [], threshold: change.threshold });
    // Editing a role makes publish sign it again with the held keys (version + 1): notary's witness.
    if (change.outcome === 're-signed') editor.targets(change.role);
  }
}
