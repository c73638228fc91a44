// `expiry`: when each role, delegation and root certificate of every repository this host knows runs
// out, and who can renew it. Repositories are read with expiry reported rather than enforced
// (TrustedSetOptions.tolerateExpiry): signatures, thresholds, hashes and rollback are verified as for
// any read, so every date shown is one the role's keys signed, even when it already passed.
import { RootExpiredOnServerError, type RefreshResult } from '../notary/updater.js';
import { RepositoryNotInitialisedError } from '../notary/http-errors.js';
import { problemAndHint } from './errors.js';
import { openRepository } from './repository.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { changefeedRepositories, knownRepositories, mapLimited } from './repositories.js';
import type { Hint } from '../tuf/errors.js';
import { describeTimeLeft, expiryState, isNearExpiry } from '../tuf/expiry.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { GoTime } from '../tuf/time.js';
import { RELEASES_ROLE, RepositoryView } from '../tuf/repository-view.js';

/** The name a root certificate is listed under, next to the roles. */
export const ROOT_CERTIFICATE = 'root certificate';

/** The trust server's own re-signing (notary-server and trust-tui's server alike: notary server/timestamp/timestamp.go GetOrCreateTimestamp, server/snapshot/snapshot.go GetOrCreateSnapshot, server/handlers/validation.go). */
export const SERVER_RENEWAL = {
  timestamp:
    'the trust server re-signs it (14 days) with every publish, and when it is fetched after it expired or no longer matches the snapshot',
  snapshot:
    'the trust server re-signs it (3 years) with every publish, and when the timestamp is fetched after the snapshot expired',
} as const;

export type Renewer =
  | { kind: 'this-host' }
  | { kind: 'server'; note: string }
  /** Keys held elsewhere: who holds them, their canonical key IDs, and the command they run. */
  | { kind: 'others'; who: string; keyIds: string[]; command: string };

export interface ExpiryItem {
  gun: string;
  /** `root`, `targets`, `snapshot`, `timestamp`, `targets/<name>`, or `root certificate`. */
  role: string;
  kind: 'role' | 'certificate';
  /** The role file's version (roles only). */
  version?: number;
  /** The certificate's TUF key ID as root.json lists it (certificates only). */
  keyId?: string;
  /** When it runs out, ISO 8601 in UTC. */
  expires: string;
  /** Milliseconds left (negative once expired), from the time of the listing. */
  msLeft: number;
  timeLeft: string;
  state: 'expired' | 'expires-soon' | 'valid' | 'not-yet-valid';
  renewer: Renewer;
  /** Someone must act before it runs out (false for what the server re-signs by itself). */
  needsAction: boolean;
  /** Read from the local cache because the trust server could not be reached. */
  offline: boolean;
}

export interface ExpiryReport {
  /** The time every `msLeft` is measured from. */
  now: string;
  /** `--within`: only items ending within this many milliseconds (or already ended) are listed. */
  withinMs?: number;
  /** Soonest first. */
  items: ExpiryItem[];
  /** Repositories read (from the server, or from the cache when offline). */
  repositories: string[];
  /** Read from the cache: their server could not be reached. */
  offline: string[];
  /** Could not be read at all: nothing about them is known. */
  unreadable: { gun: string; problem: string; hint?: Hint }[];
  /** Watched, but not initialised on their server (and never read here): nothing of theirs can expire. */
  notInitialised: string[];
  /**
   * The server cannot serve their timestamp because the root (or its certificate) expired: only the
   * root that verified is listed, with the command that renews it.
   */
  rootExpired: { gun: string; expired: 'root' | 'root certificate'; problem: string; who: string; command: string }[];
  /** Roles whose signatures do not meet their threshold: their dates are not shown, being unverified. */
  unverified: { gun: string; role: string; problem: string }[];
}

export interface ExpiryOptions extends ServerOptions {
  /** Only these repositories (default: every repository this host knows). */
  repositories?: readonly string[];
  /** Only items ending within this many milliseconds. */
  withinMs?: number;
  /** Ask the configured servers' change feeds for more repositories (default true). */
  changefeed?: boolean;
  onProgress?: (p: { index: number; total: number; gun: string }) => void;
}

/** Every repository this host knows: watched, cached, and those the configured servers' change feeds report. */
export async function allKnownRepositories(ctx: TrustContext, options: { changefeed?: boolean } = {}): Promise<string[]> {
  const known = await knownRepositories(ctx);
  const fromFeed = options.changefeed === false ? [] : await changefeedRepositories(ctx);
  return [...new Set([...known, ...fromFeed])].sort();
}


/** Canonical IDs of the usable keys in this host's keystore. */
export async function heldKeyIdSet(ctx: TrustContext): Promise<Set<string>> {
  return new Set((await ctx.keys.list()).filter((k) => !k.problem).map((k) => k.id));
}

const renewCommand = (gun: string, role: string) => `trust-tui renew ${gun} --role ${role}`;

/** Every expiry of one repository's verified state (all of it, or only its root), with who can renew each. */
export function repositoryExpiries(
  gun: string,
  state: Pick<RefreshResult, 'trusted' | 'view' | 'offline'>,
  held: ReadonlySet<string>,
  now: Date,
): { items: ExpiryItem[]; unverified: ExpiryReport['unverified'] } {
  const { trusted, view, offline } = state;
  const root = trusted.root.signed;
  const goNow = GoTime.fromDate(now);
  const holds = (keyIds: readonly string[], threshold: number) => keyIds.filter((id) => held.has(id)).length >= threshold;
  const delegations = view.delegations();

  const baseRenewer = (role: 'root' | 'targets' | 'snapshot' | 'timestamp'): Renewer => {
    const keyIds = [...new Set(root.roleKeys(role).map((k) => k.canonicalId))];
    if (holds(keyIds, root.role(role).threshold)) return { kind: 'this-host' };
    if (role === 'timestamp' || role === 'snapshot') return { kind: 'server', note: SERVER_RENEWAL[role] };
    const who = role === 'root' ? 'the holder of the root key' : 'the repository owner (holder of the repository key)';
    return { kind: 'others', who, keyIds, command: renewCommand(gun, role) };
  };
  const delegationRenewer = (role: string): Renewer => {
    const d = delegations.find((x) => x.role === role);
    const keyIds = [...new Set((d?.keys ?? []).map((k) => k.canonicalId))];
    if (d && holds(keyIds, d.threshold)) return { kind: 'this-host' };
    // Every signer's key is in targets/releases (as `signer add` puts it): any of them can renew it.
    const signers =
      role === RELEASES_ROLE
        ? delegations.filter((s) => s.role !== RELEASES_ROLE && s.keys.some((k) => keyIds.includes(k.canonicalId))).map((s) => s.name)
        : [d?.name ?? role.slice('targets/'.length)];
    const who = signers.length > 1 ? `one of ${signers.join(', ')}` : signers[0] ?? `a holder of ${keyIds.map(shortKeyId).join(', ')}`;
    return { kind: 'others', who, keyIds, command: renewCommand(gun, role) };
  };

  const item = (fields: Omit<ExpiryItem, 'gun' | 'msLeft' | 'timeLeft' | 'needsAction' | 'offline'>): ExpiryItem => {
    const msLeft = Date.parse(fields.expires) - now.getTime();
    return { gun, ...fields, msLeft, timeLeft: describeTimeLeft(msLeft), needsAction: fields.renewer.kind !== 'server', offline };
  };

  const unverified = [...trusted.refusedDelegations.values()]
    .filter((r) => !trusted.delegations.has(r.name))
    .map((r) => ({ gun, role: r.name, problem: r.error.message }));
  const refused = new Set(unverified.map((u) => u.role));

  const items: ExpiryItem[] = [];
  for (const e of view.expiries()) {
    if (refused.has(e.role)) continue;
    const base = e.role === 'root' || e.role === 'targets' || e.role === 'snapshot' || e.role === 'timestamp';
    items.push(
      item({
        role: e.role,
        kind: 'role',
        version: e.version,
        expires: e.expires.toDate().toISOString(),
        // The timestamp's short life is nothing to act on (notary's warnRolesNearExpiry skips it).
        state: e.role === 'timestamp' ? (e.expires.isBefore(goNow) ? 'expired' : 'valid') : expiryState(e.expires, goNow),
        renewer: base ? baseRenewer(e.role as 'root' | 'targets' | 'snapshot' | 'timestamp') : delegationRenewer(e.role),
      }),
    );
  }
  for (const c of view.rootCertificates()) {
    const key = root.keys.get(c.keyId);
    let canonicalId: string | undefined;
    try {
      canonicalId = key?.canonicalId;
    } catch {
      // an unreadable certificate has no canonical ID: nobody can be named as its holder
    }
    const renewer: Renewer =
      canonicalId && held.has(canonicalId)
        ? { kind: 'this-host' }
        : { kind: 'others', who: 'the holder of the root key', keyIds: canonicalId ? [canonicalId] : [], command: renewCommand(gun, 'root') };
    items.push(item({ role: ROOT_CERTIFICATE, kind: 'certificate', keyId: c.keyId, expires: c.notAfter.toISOString(), state: c.state, renewer }));
  }
  return { items, unverified };
}

/** Soonest first; ties in a stable order (repository, then role). */
export function byExpiry(a: ExpiryItem, b: ExpiryItem): number {
  return a.msLeft - b.msLeft || (a.gun < b.gun ? -1 : a.gun > b.gun ? 1 : 0) || (a.role < b.role ? -1 : a.role > b.role ? 1 : 0);
}

/** Whether an item falls in the window: `withinMs` from now, else notary's six-month warning window. */
export function inWindow(item: ExpiryItem, now: Date, withinMs: number | undefined): boolean {
  if (withinMs !== undefined) return item.msLeft <= withinMs;
  return item.state === 'expired' || isNearExpiry(GoTime.fromDate(new Date(item.expires)), GoTime.fromDate(now));
}

export async function listExpiries(ctx: TrustContext, options: ExpiryOptions = {}): Promise<ExpiryReport> {
  const guns = options.repositories?.length ? [...new Set(options.repositories)] : await allKnownRepositories(ctx, options);
  const held = await heldKeyIdSet(ctx);
  const now = new Date();
  const report: ExpiryReport = {
    now: now.toISOString(),
    ...(options.withinMs !== undefined ? { withinMs: options.withinMs } : {}),
    items: [],
    repositories: [],
    offline: [],
    unreadable: [],
    notInitialised: [],
    unverified: [],
    rootExpired: [],
  };
  let done = 0;
  const results = await mapLimited(guns, 4, async (gun) => {
    try {
      const repo = await openRepository(ctx, gun, { ...options, tolerateExpiry: true });
      return { gun: repo.gun, offline: repo.state!.offline, ...repositoryExpiries(repo.gun, repo.state!, held, now) };
    } catch (e) {
      if (e instanceof RootExpiredOnServerError) {
        // What did verify: the root, which says what expired and who renews it.
        const state = { trusted: e.trusted, view: new RepositoryView(e.trusted), offline: false };
        const listed = repositoryExpiries(e.gun, state, held, now);
        const renewer = listed.items.find((i) => i.role === (e.expired === 'root' ? 'root' : ROOT_CERTIFICATE))?.renewer;
        const who = renewer?.kind === 'this-host' ? 'this host' : 'the holder of the root key';
        return { gun: e.gun, offline: false, ...listed, rootExpired: { gun: e.gun, expired: e.expired, problem: e.message, who, command: renewCommand(e.gun, 'root') } };
      }
      // Exactly "never initialised": a repository the server lost while this host caches it is another error.
      if (e instanceof RepositoryNotInitialisedError) return { gun, notInitialised: true as const };
      return { gun, error: problemAndHint(e) };
    } finally {
      options.onProgress?.({ index: ++done, total: guns.length, gun });
    }
  });
  for (const r of results) {
    if ('error' in r) {
      report.unreadable.push({ gun: r.gun, ...r.error! });
      continue;
    }
    if ('notInitialised' in r) {
      report.notInitialised.push(r.gun);
      continue;
    }
    report.repositories.push(r.gun);
    if (r.offline) report.offline.push(r.gun);
    if ('rootExpired' in r) report.rootExpired.push(r.rootExpired);
    report.unverified.push(...r.unverified);
    report.items.push(...r.items.filter((i) => options.withinMs === undefined || i.msLeft <= options.withinMs));
  }
  report.items.sort(byExpiry);
  return report;
}

export type ExpiryVerdict = 'expired' | 'expiring' | 'unreadable' | 'ok';

/**
 * What a monitor should hear, most urgent first: something someone must renew has expired; something
 * ends within the window (`--within`, else notary's six-month warning); a repository could not be
 * read; all is well. What the server re-signs by itself never counts.
 */
export function expiryVerdict(report: ExpiryReport): ExpiryVerdict {
  const actionable = report.items.filter((i) => i.needsAction);
  if (actionable.some((i) => i.state === 'expired')) return 'expired';
  const now = new Date(report.now);
  if (actionable.some((i) => inWindow(i, now, report.withinMs))) return 'expiring';
  if (report.unreadable.length > 0) return 'unreadable';
  return 'ok';
}

/** One line on what the listing could not vouch for, or undefined when every repository was read. */
export function expiryGap(report: ExpiryReport): string | undefined {
  const n = report.unreadable.length;
  if (n === 0) return undefined;
  return `${n} ${n === 1 ? 'repository' : 'repositories'} could not be read, so ${n === 1 ? 'its' : 'their'} expiry is not known: ${report.unreadable.map((u) => u.gun).join(', ')}`;
}

