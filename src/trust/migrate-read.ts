// Reading both sides of a migration through the TUF verifier, and comparing them: the source from its
// server or from a trust directory's cache (checked as a download would be), the destination into a
// fresh, temporary trust directory, as a new client sees it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TrustCache } from '../notary/cache.js';
import { RepositoryNotInitialisedError } from '../notary/http-errors.js';
import { refresh, type MetadataSource, type RefreshResult } from '../notary/updater.js';
import { canonicalJson } from '../tuf/canonical.js';
import type { PublicKey } from '../tuf/key.js';
import type { Envelope } from '../tuf/metadata/index.js';
import { REPO_ADMIN } from '../tuf/repository-view.js';
import { trustPolicyFor } from './config.js';
import { connect, type Connection } from './connect.js';
import type { TrustContext } from './context.js';
import type { TagSigners } from './migrate-journal.js';

/** Where a migration reads its source. */
export interface SourceOptions {
  from?: string;
  fromCa?: string;
  fromCache?: string | true;
}

export function tagsOf(state: RefreshResult): TagSigners[] {
  return state.view
    .releasedTags()
    .map((t) => ({ tag: t.tag, digest: t.digest, signers: t.signers.length ? [...t.signers] : [REPO_ADMIN] }))
    .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/**
 * The CA for a server named by URL: the flag's, else that of a `config server` entry with the same
 * URL (so `--to` the server a repository is configured for needs no CA flag).
 */
export function caFor(ctx: TrustContext, url: string | undefined, flag: string | undefined): string | undefined {
  if (flag || !url) return flag;
  const same = (a: string) => a.replace(/\/+$/, '').toLowerCase() === url.replace(/\/+$/, '').toLowerCase();
  return Object.values(ctx.settings.data.servers).find((s) => same(s.url) && s.ca)?.ca;
}

/** The source read through the verifier, and where it was read (a server URL, or `cache:<dir>`). */
export async function readSource(ctx: TrustContext, gun: string, options: SourceOptions): Promise<{ state: RefreshResult; url: string }> {
  const policy = trustPolicyFor(ctx.settings.data, gun);
  if (options.fromCache !== undefined) {
    const dir = options.fromCache === true ? ctx.trustDir : path.resolve(options.fromCache);
    const state = await refresh(gun, { client: noServer(dir), cache: new TrustCache(dir), trustPolicy: policy, cacheOnly: true, tolerateExpiry: true, onWarning: (m) => ctx.warn(m) });
    return { state, url: `cache:${dir}` };
  }
  const conn = await connect(ctx, gun, { server: options.from, tlsCaCert: caFor(ctx, options.from, options.fromCa), caFlag: '--from-tlscacert' });
  const state = await refresh(gun, { client: conn.client, cache: new TrustCache(ctx.trustDir), trustPolicy: policy, tolerateExpiry: true, toPublish: true, onWarning: (m) => ctx.warn(m) });
  return { state, url: conn.endpoint.url };
}

/** The source of a cache-only read: it is never asked. */
function noServer(dir: string): MetadataSource {
  const refuse = () => Promise.reject(new Error('a cache-only read asks no server'));
  return { baseUrl: `cache:${dir}`, getMetadata: refuse, getMetadataByChecksum: refuse, getMetadataByVersion: refuse };
}

/** The destination as a new client sees it: a fresh trust directory (removed afterwards). */
export async function readDestination(ctx: TrustContext, conn: Connection): Promise<RefreshResult | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'trust-tui-migrate-'));
  try {
    return await refresh(conn.gun, { client: conn.client, cache: new TrustCache(dir), trustPolicy: trustPolicyFor(ctx.settings.data, conn.gun) });
  } catch (e) {
    if (e instanceof RepositoryNotInitialisedError) return undefined;
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const keySet = (keys: readonly PublicKey[]) => keys.map((k) => k.canonicalId).sort().join(',');

/** Same targets and delegations, ignoring version and expiry (a role re-signed on the way). */
function sameContent(a: Envelope, b: Envelope): boolean {
  const strip = (e: Envelope) => {
    const { version: _v, expires: _e, ...rest } = e.signed.toJSON() as Record<string, unknown>;
    return canonicalJson(rest);
  };
  return strip(a) === strip(b);
}

/** Whether the destination holds exactly what migrating the source produces; the first difference otherwise. */
export function difference(source: RefreshResult, dest: RefreshResult, renewed: ReadonlySet<string>): string | undefined {
  const s = source.trusted;
  const d = dest.trusted;
  if (keySet(s.root.signed.roleKeys('root')) !== keySet(d.root.signed.roleKeys('root'))) return 'its root keys differ';
  if (keySet(s.root.signed.roleKeys('targets')) !== keySet(d.root.signed.roleKeys('targets'))) return 'its targets keys differ';
  const roles = ['targets', ...s.delegations.keys()];
  const extra = [...d.delegations.keys()].filter((r) => !s.delegations.has(r));
  if (extra.length) return `it has signer roles the source has not (${extra.join(', ')})`;
  for (const role of roles) {
    const mine = s.targetsOf(role)!;
    const theirs = d.targetsOf(role);
    if (!theirs) return `it lacks ${role}`;
    const same = renewed.has(role) ? sameContent(mine, theirs) : Buffer.compare(mine.raw, theirs.raw) === 0;
    if (!same) return `its ${role} differs`;
  }
  return undefined;
}

/**
 * Whether the destination continues what migrating the source produced: the same root and targets
 * keys, every role of the source there in the same or a later version (re-signed there since, e.g.
 * renewed), at least one of them later. Names what changed there; undefined when it is not so.
 */
export function changedAtDestinationSince(source: RefreshResult, dest: RefreshResult): string | undefined {
  const s = source.trusted;
  const d = dest.trusted;
  if (keySet(s.root.signed.roleKeys('root')) !== keySet(d.root.signed.roleKeys('root'))) return undefined;
  if (keySet(s.root.signed.roleKeys('targets')) !== keySet(d.root.signed.roleKeys('targets'))) return undefined;
  if (d.root.signed.version <= s.root.signed.version) return undefined;
  const later: string[] = [];
  for (const role of ['targets', ...s.delegations.keys()]) {
    const mine = s.targetsOf(role)!;
    const theirs = d.targetsOf(role);
    if (!theirs || theirs.signed.version < mine.signed.version) return undefined;
    if (theirs.signed.version === mine.signed.version) {
      if (Buffer.compare(mine.raw, theirs.raw) !== 0) return undefined;
    } else {
      later.push(`${role} v${mine.signed.version} → v${theirs.signed.version}`);
    }
  }
  const added = [...d.delegations.keys()].filter((r) => !s.delegations.has(r));
  if (later.length === 0 && added.length === 0) return undefined;
  return [...later, ...added.map((r) => `${r} added`)].join(', ');
}
