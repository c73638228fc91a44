// A request against the repository as this host verified it just now: is each role's base still the
// trusted file (else stale), who signed (distinct canonical keys of the role as the trusted parent —
// or the parent bundled in the request — declares them), who is missing, and the status in words.
// Nothing in the request is trusted but its `signed` bytes and the signatures that verify over them.
import { createHash } from 'node:crypto';
import { canonicalBytes } from '../../tuf/canonical.js';
import { parentRoleName } from '../../tuf/delegation.js';
import type { PublicKey } from '../../tuf/key.js';
import { Targets, type Envelope } from '../../tuf/metadata/index.js';
import { signerName } from '../../tuf/repository-view.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { GoTime } from '../../tuf/time.js';
import type { TrustedSet } from '../../tuf/trusted-set.js';
import { canonicalIdOf, signedDigest, verificationResult, type VerificationResult } from '../../tuf/verification.js';
import { RELEASES_ROLE } from '../signer-removal.js';
import { replayChange } from './diff.js';
import type { RequestRole, SigningRequest } from './format.js';

export type RequestState = 'ready' | 'waiting' | 'stale' | 'expired' | 'unsatisfiable' | 'submitted';

export interface RoleEvaluation {
  role: string;
  /** The version the request would publish. */
  version: number;
  /** Set when the trusted file is no longer the request's base. */
  stale?: { movedTo: number | null };
  result: VerificationResult;
  /** Names of the keys that signed and of those that have not (signer names, else short key IDs). */
  signedBy: string[];
  waitingOn: string[];
  /** The content expires (no longer publishable). */
  contentExpired: boolean;
  /** The server already serves exactly this content (someone submitted it). */
  landed: boolean;
  /** The trusted file already holds this change (submitted, then built upon; or made again): nothing to rebase. */
  applied?: boolean;
}

export interface RequestEvaluation {
  id: string;
  gun: string;
  state: RequestState;
  /** One line in words: `2 of 3 signed — waiting on carol`, `ready to submit`, `stale: …`. */
  status: string;
  deadline: string;
  roles: RoleEvaluation[];
}

/** The trusted file of a targets role: trusted, or refused (below threshold or expired) but served. */
export function currentFile(trusted: TrustedSet, role: string): Envelope<Targets> | undefined {
  return trusted.targetsOf(role) ?? trusted.refusedDelegations.get(role)?.envelope;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The short name of a role in status lines: `releases` for docker's `targets/releases`. */
export function roleLabel(role: string): string {
  return role.startsWith('targets/') ? role.slice('targets/'.length) : role;
}

interface RoleKeys {
  keyids: string[];
  threshold: number;
  keys: ReadonlyMap<string, PublicKey>;
  names: Map<string, string>;
}

/** Signer names by canonical key: docker's convention, `targets/<name>` roles beside releases. */
export function signerNames(parent: Targets): Map<string, string> {
  const names = new Map<string, string[]>();
  for (const d of parent.delegations) {
    if (d.name === RELEASES_ROLE || parentRoleName(d.name) !== parent.roleName) continue;
    for (const key of parent.delegationKeysOf(d)) {
      const id = canonicalIdOf(key);
      names.set(id, [...(names.get(id) ?? []), signerName(d.name)]);
    }
  }
  return new Map([...names].map(([id, n]) => [id, n.sort().join('/')]));
}

/** Who may sign `role`: from the request's own parent when it carries one, else the trusted parent. */
export function roleKeysFor(request: SigningRequest, trusted: TrustedSet, role: string): RoleKeys | undefined {
  if (role === 'targets') {
    const root = trusted.root.signed;
    const r = root.role('targets');
    return { keyids: [...r.distinctKeyIds], threshold: r.threshold, keys: root.keys, names: new Map() };
  }
  const parentName = parentRoleName(role);
  const bundled = request.roles.find((r) => r.role === parentName);
  const parent = bundled ? Targets.fromJSON(bundled.signed, parentName) : currentFile(trusted, parentName)?.signed;
  const entry = parent?.getDelegation(role);
  if (!parent || !entry) return undefined;
  return { keyids: [...entry.keyIds], threshold: entry.threshold, keys: parent.delegationKeys, names: signerNames(parent) };
}

/** A signer with several keys in the role is told apart by key: `team (1a2b3c4)`. */
function distinctNames(names: Map<string, string>, ids: readonly string[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const id of ids) {
    const n = names.get(id);
    if (n) count.set(n, (count.get(n) ?? 0) + 1);
  }
  return new Map(ids.flatMap((id) => {
    const n = names.get(id);
    return n ? [[id, (count.get(n) ?? 0) > 1 ? `${n} (${shortKeyId(id)})` : n] as const] : [];
  }));
}

function nameOf(names: Map<string, string>, canonicalId: string): string {
  return names.get(canonicalId) ?? shortKeyId(canonicalId);
}

function staleness(trusted: TrustedSet, r: RequestRole): RoleEvaluation['stale'] {
  const file = currentFile(trusted, r.role);
  if (r.base === null) return file ? { movedTo: file.signed.version } : undefined;
  if (!file) return { movedTo: null };
  if (file.signed.version !== r.base.version || sha256Hex(file.raw) !== r.base.sha256) return { movedTo: file.signed.version };
  return undefined;
}

export function evaluateRole(request: SigningRequest, trusted: TrustedSet, r: RequestRole, now: Date): RoleEvaluation {
  const keys = roleKeysFor(request, trusted, r.role);
  const message = canonicalBytes(r.signed);
  const result = keys
    ? verificationResult(message, r.signatures, { keyids: keys.keyids, threshold: keys.threshold }, keys.keys)
    : verificationResult(message, r.signatures, { keyids: [], threshold: 1 }, new Map());
  const names = distinctNames(keys?.names ?? new Map<string, string>(), [...result.signed.map((x) => x.canonicalId), ...result.unsigned]);
  const expires = typeof r.signed.expires === 'string' ? GoTime.parse(r.signed.expires) : undefined;
  const file = currentFile(trusted, r.role);
  const landed = file !== undefined && signedDigest(file.signedJson) === r.signedDigest;
  const stale = landed ? undefined : staleness(trusted, r);
  const applied = stale !== undefined && file !== undefined && changeIsIn(r, file.signed);
  return {
    landed,
    ...(applied ? { applied } : {}),
    role: r.role,
    version: typeof r.signed.version === 'number' ? r.signed.version : 0,
    ...(stale ? { stale } : {}),
    result,
    signedBy: result.signed.map((s) => nameOf(names, s.canonicalId)),
    waitingOn: result.unsigned.map((id) => nameOf(names, id)),
    contentExpired: expires ? expires.isBefore(GoTime.fromDate(now)) : false,
  };
}

/** Whether replaying the request's change (base → proposed) on `current` changes nothing. */
function changeIsIn(r: RequestRole, current: Targets): boolean {
  try {
    const from = r.baseSigned ? Targets.fromJSON(r.baseSigned, r.role) : undefined;
    if (!from && r.base !== null) return false;
    const replayed = replayChange(from, Targets.fromJSON(r.signed, r.role), current);
    return signedDigest(replayed.toJSON()) === signedDigest(current.clone().toJSON());
  } catch {
    return false;
  }
}

/** `3 h`, `25 min`, `4 days`. */
export function spanInWords(ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

function orList(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

function andList(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The progress of one role in words (see docs/team-signing.md for every form). */
export function roleProgress(e: RoleEvaluation): string {
  const { threshold, signed, missing } = e.result;
  const have = signed.length;
  if (e.result.verified) return `${have} of ${threshold} signed — ready to submit`;
  if (e.result.unsatisfiable) return `${have} of ${threshold} signed — can never be met: ${roleLabel(e.role)} has ${e.result.distinctKeys} distinct key(s)`;
  if (missing === e.waitingOn.length) return `${have} of ${threshold} signed — waiting on ${andList(e.waitingOn)}`;
  const who = have > 0 ? ` (${e.signedBy.join(', ')})` : '';
  return `${have} of ${threshold} signed${who} — waiting on ${missing} more: ${orList(e.waitingOn)}`;
}

export function evaluateRequest(request: SigningRequest, trusted: TrustedSet, now: Date): RequestEvaluation {
  return summarize(request, request.roles.map((r) => evaluateRole(request, trusted, r, now)), now);
}

/** The request's state and status line from its roles' evaluations. */
export function summarize(request: SigningRequest, roles: RoleEvaluation[], now: Date): RequestEvaluation {
  const base = { id: request.id, gun: request.gun, deadline: request.deadline, roles };
  const deadline = Date.parse(request.deadline);
  if (roles.every((r) => r.landed)) {
    return { ...base, state: 'submitted', status: `submitted: ${roles.map((r) => `${roleLabel(r.role)} v${r.version}`).join(', ')} published` };
  }
  if (roles.every((r) => r.landed || r.applied)) {
    const now = roles.filter((r) => r.applied).map((r) => `${roleLabel(r.role)} v${r.stale!.movedTo}`);
    return { ...base, state: 'submitted', status: `published: ${now.join(', ')} ${now.length === 1 ? 'holds' : 'hold'} this change` };
  }
  const staleRole = roles.find((r) => r.stale);
  if (staleRole) {
    const collected = request.roles.reduce((n, r) => n + r.signatures.length, 0);
    const moved = staleRole.stale!.movedTo === null ? 'was deleted' : `moved to v${staleRole.stale!.movedTo}`;
    const lost = collected > 0 ? ` (${collected} signature${collected === 1 ? '' : 's'} will be lost)` : '';
    return { ...base, state: 'stale', status: `stale: ${roleLabel(staleRole.role)} ${moved} — rebase needed${lost}` };
  }
  if (deadline <= now.getTime()) return { ...base, state: 'expired', status: `expired ${spanInWords(now.getTime() - deadline)} ago` };
  const expiredRole = roles.find((r) => r.contentExpired);
  if (expiredRole) return { ...base, state: 'expired', status: `expired: the proposed ${roleLabel(expiredRole.role)} has expired — rebase needed` };
  const open = roles.filter((r) => !r.result.verified);
  if (open.length === 0) return { ...base, state: 'ready', status: roles.length === 1 ? roleProgress(roles[0]!) : 'every role signed — ready to submit' };
  if (open.some((r) => r.result.unsatisfiable)) {
    const r = open.find((o) => o.result.unsatisfiable)!;
    return { ...base, state: 'unsatisfiable', status: `${roleLabel(r.role)}: ${roleProgress(r)}` };
  }
  const lines = open.map((r) => (open.length > 1 ? `${roleLabel(r.role)}: ${roleProgress(r)}` : roleProgress(r)));
  return { ...base, state: 'waiting', status: lines.join('; ') };
}
