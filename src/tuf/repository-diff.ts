// What a publish really changed: the difference between two verified views of one repository (before
// the change, and as read back and verified after it). Result messages are built from this, never from
// what was requested, so they cannot claim more (or less) than the server now serves. Pure.
import { compareUtf8 } from './canonical.js';
import type { DelegationInfo, RepositoryView, TargetEntry } from './repository-view.js';

export type RoleOutcome =
  /** Newly declared. */
  | 'added'
  /** No longer declared: the role and its signatures are gone. */
  | 'removed'
  /** A new version of its file verifies. */
  | 're-signed'
  /** Its file is unchanged and still verifies. */
  | 'still-valid'
  /** It verified before and does not any more. */
  | 'unverifiable'
  /** It did not verify before either. */
  | 'was-unverifiable'
  /** Declared, but there is no file (it never signed anything). */
  | 'unsigned';

export interface PublishedRoleChange {
  role: string;
  outcome: RoleOutcome;
  /** Canonical key IDs. */
  keysAdded: string[];
  keysRemoved: string[];
  /** Keys of the role afterwards (none when removed). */
  keyIds: string[];
  previousThreshold: number | null;
  threshold: number | null;
  /** Names the role signs (verified) now but did not before, no longer signs, or signs with another digest. */
  tagsAdded: string[];
  tagsRemoved: string[];
  tagsChanged: string[];
}

interface RoleState {
  declared?: DelegationInfo;
  version?: number;
  verifies: boolean;
  hasFile: boolean;
  tags: Map<string, string>;
}

function roleStates(view: RepositoryView): Map<string, RoleState> {
  const byRole = view.targetsByRole();
  const tagsOf = (role: string) => new Map((byRole.get(role) ?? []).map((e: TargetEntry) => [e.name, e.digest] as const));
  const out = new Map<string, RoleState>();
  const version = view.roleVersion('targets');
  out.set('targets', { version, verifies: byRole.has('targets'), hasFile: version !== undefined, tags: tagsOf('targets') });
  for (const d of view.delegations()) {
    out.set(d.role, { declared: d, version: view.roleVersion(d.role), verifies: byRole.has(d.role), hasFile: d.state !== 'absent', tags: tagsOf(d.role) });
  }
  return out;
}

const sorted = (values: Iterable<string>) => [...values].sort(compareUtf8);

function outcomeOf(before: RoleState | undefined, after: RoleState | undefined): RoleOutcome {
  if (!after) return 'removed';
  if (!before && after.declared) return 'added';
  if (!after.hasFile) return 'unsigned';
  if (!after.verifies) return before?.verifies ? 'unverifiable' : 'was-unverifiable';
  return before?.version === after.version ? 'still-valid' : 're-signed';
}

/** Every targets role whose declaration, file or verified tags differ between `before` and `after`, in walk order. */
export function diffRepository(before: RepositoryView, after: RepositoryView): PublishedRoleChange[] {
  const was = roleStates(before);
  const now = roleStates(after);
  const roles = [...now.keys(), ...[...was.keys()].filter((r) => !now.has(r))];
  const changes: PublishedRoleChange[] = [];
  for (const role of roles) {
    const b = was.get(role);
    const a = now.get(role);
    const keysBefore = new Set(b?.declared?.keys.map((k) => k.canonicalId) ?? []);
    const keysAfter = new Set(a?.declared?.keys.map((k) => k.canonicalId) ?? []);
    const tagsBefore = b?.tags ?? new Map<string, string>();
    const tagsAfter = a?.tags ?? new Map<string, string>();
    const change: PublishedRoleChange = {
      role,
      outcome: outcomeOf(b, a),
      keysAdded: sorted([...keysAfter].filter((k) => !keysBefore.has(k))),
      keysRemoved: sorted([...keysBefore].filter((k) => !keysAfter.has(k))),
      keyIds: sorted(keysAfter),
      previousThreshold: b?.declared?.threshold ?? null,
      threshold: a?.declared?.threshold ?? null,
      // Tags only count where the role verifies: a role that stopped verifying says so by its outcome.
      tagsAdded: a?.verifies ? sorted([...tagsAfter.keys()].filter((t) => !tagsBefore.has(t))) : [],
      tagsRemoved: a?.verifies ? sorted([...tagsBefore.keys()].filter((t) => !tagsAfter.has(t))) : [],
      tagsChanged: a?.verifies ? sorted([...tagsAfter].filter(([t, d]) => tagsBefore.has(t) && tagsBefore.get(t) !== d).map(([t]) => t)) : [],
    };
    const unchanged =
      change.outcome === 'still-valid' &&
      change.keysAdded.length + change.keysRemoved.length + change.tagsAdded.length + change.tagsRemoved.length + change.tagsChanged.length === 0 &&
      change.previousThreshold === change.threshold &&
      (b?.verifies ?? false) === (a?.verifies ?? false) &&
      JSON.stringify(b?.declared?.paths ?? []) === JSON.stringify(a?.declared?.paths ?? []);
    const stillUnverifiable = change.outcome === 'was-unverifiable' && b?.version === a?.version && change.keysAdded.length + change.keysRemoved.length === 0 && change.previousThreshold === change.threshold;
    const stillUnsigned = change.outcome === 'unsigned' && b !== undefined && !b.hasFile && change.keysAdded.length + change.keysRemoved.length === 0 && change.previousThreshold === change.threshold;
    if (!unchanged && !stillUnverifiable && !stillUnsigned) changes.push(change);
  }
  return changes;
}

/** Released tags (by `targets` or `targets/releases`, verified) before that are not released after. */
export function tagsNoLongerReleased(before: RepositoryView, after: RepositoryView): string[] {
  const now = new Set(after.releasedTags().map((t) => t.tag));
  return [...new Set(before.releasedTags().map((t) => t.tag))].filter((t) => !now.has(t));
}
