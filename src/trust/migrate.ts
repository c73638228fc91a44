// `migrate REPO… --to URL`: move repositories to another Notary server, keeping every signature.
//
// What is kept byte for byte: targets.json and every delegation file (their signatures stay valid, so
// signers do not sign again), hence the tags, digests, targets key and signer keys. Root keeps its
// keys; only its timestamp and snapshot keys become the destination's (GET <role>.key there), so
// root gets a new version signed by the root key, which the previous root's threshold accepts, as
// notary's key rotation does (notary client/client.go RotateKey). The destination then makes its own
// snapshot and timestamp.
//
// A new repository on notary-server accepts root version 1 or 2 only (notary
// server/handlers/validation.go validateUpdate: "current or current + 1", current = 1 when absent), so
// a root at version N is published as versions 2, 3, …, N+1 in turn, the first upload carrying
// targets and the delegations: a client that cached root N from the old server then follows N → N+1.
//
// Every repository is read through the TUF verifier first (from the server or this host's cache);
// nothing that did not verify is moved. The destination is read back afterwards into a fresh,
// temporary trust directory, and the result reports what that read-back shows.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { TrustCache } from '../notary/cache.js';
import { normaliseServerUrl, selectTrustServer } from '../notary/endpoint.js';
import { ServerTimeoutError, ServerUnreachableError } from '../notary/http-errors.js';
import type { MetadataFile } from '../notary/multipart.js';
import type { RefreshResult } from '../notary/updater.js';
import { parseReference } from '../registry/reference.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { HintedError, type Hint } from '../tuf/errors.js';
import { defaultExpires } from '../tuf/expiry.js';
import type { PublicKey } from '../tuf/key.js';
import { Envelope, signerFromPrivateKey, type MetadataSigner, type Root } from '../tuf/metadata/index.js';
import type { PrivateKey } from '../tuf/private-key.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { countValidSignatures } from '../tuf/threshold.js';
import { GoTime } from '../tuf/time.js';
import { connect, type Connection } from './connect.js';
import type { TrustContext } from './context.js';
import { InputError, isCancellation, TrustError } from './errors.js';
import { MigrationJournal, type TagSigners } from './migrate-journal.js';
import { caFor, changedAtDestinationSince, difference, readDestination, readSource, tagsOf } from './migrate-read.js';
import { editableState, heldKeyIds, unlockFor } from './publish.js';
import { refreshState } from './repository.js';

export type { TagSigners } from './migrate-journal.js';

export interface MigrateOptions {
  /** `--to URL`: the destination trust server. */
  to: string;
  /** `--to-tlscacert FILE` */
  toCa?: string;
  /** `--from URL`: the source server (default: the repository's usual one). */
  from?: string;
  /** `--from-tlscacert FILE` */
  fromCa?: string;
  /** `--from-cache [DIR]`: the cached, verified trust data of this host (true: the trust directory). */
  fromCache?: string | true;
  /** `--renew-expired`: re-sign expired targets roles on the way (needs their keys). */
  renewExpired?: boolean;
}

export type MigrationAction = 'migrate' | 'resume' | 'already-migrated' | 'blocked';

export interface ExpiredRole {
  role: string;
  expires: string;
  /** replaced: the destination makes new ones; renewed: re-signed on the way; blocks: needs --renew-expired. */
  outcome: 'replaced' | 'renewed' | 'blocks';
}

/** One repository's part of the plan: what the dry run shows, the confirmation names, and execution does. */
export interface RepositoryMigration {
  gun: string;
  action: MigrationAction;
  /** Already migrated, and changed at the destination since (what changed there). */
  note?: string;
  /** Why it cannot be migrated (blocked), and the next step. */
  problem?: string;
  hint?: Hint;
  /** Where the source was read: its server's URL, or `cache:<trust dir>`. */
  sourceUrl?: string;
  /** Root version at the source, and the versions to publish at the destination, in order. */
  sourceRootVersion?: number;
  rootVersions: number[];
  /** Targets roles uploaded byte-identical. */
  unchangedRoles: string[];
  /** Targets roles re-signed because they expired (--renew-expired). */
  renewedRoles: string[];
  expired: ExpiredRole[];
  /** Delegations that did not verify at the source (below threshold): not moved. */
  skipped: { role: string; problem: string }[];
  /** Tags at the source as verified (empty when only the journal vouches for it). */
  source: TagSigners[];
  /** Tags the destination serves now (already migrated or partly migrated), and its root version. */
  destination?: TagSigners[];
  destinationRootVersion?: number;
}

export interface MigrationPlan {
  /** The source: a server URL, or `cache:<trust dir>`. */
  from: string;
  to: string;
  repositories: RepositoryMigration[];
  /** What clients do to use the destination. */
  clientAdvice: string[];
}

export interface MigrationOutcome {
  gun: string;
  status: 'migrated' | 'already-migrated' | 'blocked' | 'failed' | 'skipped';
  message?: string;
  hint?: Hint;
  /** Root version the destination serves now (verified read-back). */
  rootVersion?: number;
  source: TagSigners[];
  /** From the verified read-back of the destination, in a fresh trust directory. */
  destination?: TagSigners[];
}

/** What execution needs besides the visible plan (the verified source files). */
interface Prepared {
  source?: RefreshResult;
  dest?: Connection;
  /** Destination root already published (resume): its timestamp and snapshot keys are kept. */
  destRoot?: Root;
}
const prepared = new WeakMap<RepositoryMigration, Prepared>();

// ------------------------------------------------------------------ reading

function sourceName(ctx: TrustContext, options: MigrateOptions): string {
  if (options.fromCache !== undefined) return `cache:${options.fromCache === true ? ctx.trustDir : path.resolve(options.fromCache)}`;
  return options.from ?? "each repository's trust server";
}

function problemOf(e: unknown): { problem: string; hint?: Hint } {
  const problem = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return e instanceof HintedError && e.hint ? { problem, hint: e.hint } : { problem };
}

/** A server that does not answer, named with migrate's own options (it has no --server). */
function sideProblemOf(e: unknown, side: 'source' | 'destination', options: MigrateOptions): { problem: string; hint?: Hint } {
  const found = problemOf(e);
  if (!(e instanceof ServerUnreachableError) || e instanceof ServerTimeoutError) return found;
  if (side === 'destination') {
    return { ...found, hint: { cli: 'check that it runs and that --to names it', ui: 'check that it runs and that the destination URL is right' } };
  }
  if (options.fromCache !== undefined) return found;
  return {
    ...found,
    hint: {
      cli: "check that it runs; if it is gone for good, add --from-cache to move this host's verified copy",
      ui: "check that it runs; if it is gone for good, switch the source to this host's cache (Tab)",
    },
  };
}

// ------------------------------------------------------------------ planning

/** Expired roles of the verified source, and what migration does about each. */
function expiredRoles(state: RefreshResult, renew: boolean): ExpiredRole[] {
  return [...state.trusted.expiredRoles].map(([role, expires]) => ({
    role,
    expires: expires.toDate().toISOString(),
    outcome: role === 'timestamp' || role === 'snapshot' ? 'replaced' : role === 'root' || renew ? 'renewed' : 'blocks',
  }));
}

async function missingKeysProblem(ctx: TrustContext, state: RefreshResult, gun: string, roles: readonly string[]): Promise<{ problem: string; hint: Hint } | undefined> {
  const editor = new RepositoryEditor(editableState(state), GoTime.now());
  for (const role of roles) {
    const { keys, threshold } = editor.signingKeys(role);
    const held = await heldKeyIds(ctx, editor, role);
    if (held.length >= threshold) continue;
    const missing = keys.filter((k) => !held.includes(k.canonicalId)).map((k) => shortKeyId(k.canonicalId));
    const what = role === 'root' ? `its new root (the timestamp and snapshot keys become the destination's)` : `${role}, which expired`;
    return {
      problem: `this host holds ${held.length} of the ${threshold} ${role} key(s) of ${gun} needed to sign ${what}: missing ${missing.join(', ')}`,
      hint:
        role === 'root'
          ? { cli: 'run migrate on the host that holds the root key, or load it first with `trust-tui key load`', ui: 'run it on the host that holds the root key, or import that key on the Keys screen (4)' }
          : { cli: 'load that key first with `trust-tui key load`, or have its holder renew the role at the source', ui: 'import that key on the Keys screen (4), or have its holder renew the role at the source' },
    };
  }
  return undefined;
}

async function planRepository(
  ctx: TrustContext,
  gun: string,
  options: MigrateOptions,
  journaled: { rootVersion: number; tags: TagSigners[]; finishedAt?: string } | undefined,
): Promise<RepositoryMigration> {
  const item: RepositoryMigration = { gun, action: 'blocked', rootVersions: [], unchangedRoles: [], renewedRoles: [], expired: [], skipped: [], source: [] };
  const dest = await connect(ctx, gun, { server: options.to, tlsCaCert: caFor(ctx, options.to, options.toCa), caFlag: '--to-tlscacert' });
  let source: RefreshResult;
  try {
    const read = await readSource(ctx, gun, options);
    source = read.state;
    item.sourceUrl = read.url;
  } catch (e) {
    // Finished by an earlier run: the destination alone tells whether it still holds what was verified.
    if (journaled) {
      const current = await readDestination(ctx, dest);
      const tags = current ? tagsOf(current) : undefined;
      if (tags && JSON.stringify(tags) === JSON.stringify(journaled.tags)) {
        // Said, not implied: nothing was compared with the source, which may have changed since.
        const when = journaled.finishedAt ? ` on ${journaled.finishedAt.slice(0, 10)}` : '';
        const note = `the source was not read (${(e as Error).message}): the destination still holds what this host migrated${when}, unchanged since`;
        return Object.assign(item, { action: 'already-migrated', source: journaled.tags, destination: tags, note });
      }
    }
    return Object.assign(item, { ...sideProblemOf(e, 'source', options) });
  }
  const rootVersion = source.trusted.root.signed.version;
  item.sourceRootVersion = rootVersion;
  item.source = tagsOf(source);
  item.expired = expiredRoles(source, options.renewExpired === true);
  item.renewedRoles = item.expired.filter((e) => e.outcome === 'renewed' && e.role !== 'root').map((e) => e.role);
  const renewed = new Set(item.renewedRoles);
  item.unchangedRoles = ['targets', ...source.trusted.delegations.keys()].filter((r) => !renewed.has(r));
  item.skipped = [...source.trusted.refusedDelegations.values()].map((d) => ({ role: d.name, problem: d.error.message }));
  prepared.set(item, { source, dest });

  // Read with expiry only reported, so a root certificate out of its validity period got this far; no
  // Notary server accepts a root signed only under such certificates (notary's ValidateRoot).
  const certificates = source.view.rootCertificates();
  if (certificates.length > 0 && certificates.every((c) => c.state === 'expired' || c.state === 'not-yet-valid')) {
    const when = certificates.map((c) => `${c.state === 'expired' ? 'expired on' : 'valid only from'} ${(c.state === 'expired' ? c.notAfter : c.notBefore).toISOString().slice(0, 10)}`);
    return {
      ...item,
      problem: `the root certificate ${when.join(', ')}; no Notary server accepts this root`,
      hint: {
        cli: `replace it while a server still accepts the repository (\`trust-tui renew ${gun} --role root\`), then migrate`,
        ui: 'replace it while a server still accepts the repository (R on the Expiry screen, 6), then migrate',
      },
    };
  }

  const blocking = item.expired.filter((e) => e.outcome === 'blocks');
  if (blocking.length) {
    return {
      ...item,
      problem: `${blocking.map((e) => `${e.role} expired on ${e.expires.slice(0, 10)}`).join(', ')}; the destination accepts no expired targets data`,
      hint: { cli: 'add --renew-expired to re-sign it on the way (its key must be on this host)', ui: 'choose to renew expired roles (their keys must be on this host)' },
    };
  }

  let current: RefreshResult | undefined;
  try {
    current = await readDestination(ctx, dest);
  } catch (e) {
    return Object.assign(item, sideProblemOf(e, 'destination', options));
  }
  if (current) {
    item.destination = tagsOf(current);
    item.destinationRootVersion = current.trusted.root.signed.version;
    const diff = difference(source, current, renewed);
    // Renewed (or given a signer) at the destination after an earlier migration: done, not stale.
    const since = diff ? changedAtDestinationSince(source, current) : undefined;
    if (since) return Object.assign(item, { action: 'already-migrated', note: `changed at the destination since: ${since}` });
    if (diff) {
      return {
        ...item,
        problem: `${options.to} already holds other trust data for ${gun}: ${diff}`,
        hint: {
          cli: `if it is stale, delete it there first, keeping this host's copy (\`trust-tui revoke ${gun} --server ${options.to} --remote-only\`)`,
          ui: "if it is stale, delete it on that server first (this host's copy must be kept)",
        },
      };
    }
    const destVersion = current.trusted.root.signed.version;
    // The source's own root there: the same server (or a copy); nothing to move.
    const sameRoot = Buffer.compare(current.trusted.root.raw, source.trusted.root.raw) === 0;
    if (destVersion > rootVersion || sameRoot) return Object.assign(item, { action: 'already-migrated' });
    // An interrupted run published part of the root versions: publish the rest.
    item.rootVersions = range(destVersion + 1, rootVersion + 1);
    prepared.get(item)!.destRoot = current.trusted.root.signed;
  } else {
    item.rootVersions = range(2, rootVersion + 1);
  }
  const missing = await missingKeysProblem(ctx, source, gun, ['root', ...item.renewedRoles]);
  if (missing) return Object.assign(item, { ...missing });
  return Object.assign(item, { action: current ? 'resume' : 'migrate' });
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let v = Math.min(from, to); v <= to; v++) out.push(v);
  return out;
}

/**
 * The old server's timestamp.json and snapshot.json of `gun` cached on this host (docker's trust
 * directory by default). Their versions are a floor that the destination, which starts its own at 1,
 * falls under: a client that kept them refuses the destination as a rollback. trust-tui follows a
 * move by itself only when the new root rotated those keys (TUF 5.3.11), not when the destination
 * signs with the keys the old copy was signed with (a server given back its own repository).
 */
async function oldServerFiles(ctx: TrustContext, gun: string): Promise<string[]> {
  const cache = new TrustCache(ctx.trustDir);
  const found: string[] = [];
  for (const role of ['timestamp', 'snapshot']) if (await cache.read(gun, role).catch(() => undefined)) found.push(cache.filePath(gun, role));
  return found;
}

/** Whether this host reads `gun` from `url` (the server its environment or `config server` names). */
function readsFrom(ctx: TrustContext, gun: string, url: string): boolean {
  try {
    const env = ctx.env as NodeJS.ProcessEnv;
    const chosen = selectTrustServer(parseReference(gun), { servers: ctx.settings.data.servers, env, allowInsecureLoopback: true });
    return chosen.url === normaliseServerUrl(url, true);
  } catch {
    return false;
  }
}

/**
 * After `gun` moved to the server this host reads it from: this host's trust data follows the
 * destination as read back (the old server's timestamp and snapshot go, the current ones are read and
 * verified from the root chain this host trusts). Left alone when this host reads another server:
 * the destination's root would refuse that server's timestamp.
 */
async function followDestination(ctx: TrustContext, plan: MigrationPlan, dest: Connection): Promise<void> {
  if (!readsFrom(ctx, dest.gun, plan.to)) return;
  const cache = new TrustCache(ctx.trustDir);
  if ((await oldServerFiles(ctx, dest.gun)).length === 0) return;
  for (const role of ['timestamp', 'snapshot']) await cache.remove(dest.gun, role);
  try {
    await refreshState(ctx, dest, cache, {});
  } catch (e) {
    ctx.warn(`${dest.gun} was migrated, but this host's trust data of it was not read back from ${plan.to} (${(e as Error).message}); the next command reads it`);
  }
}

/** What clients must do to read the destination. */
async function clientAdvice(ctx: TrustContext, to: string, guns: readonly string[], toCa?: string): Promise<string[]> {
  const registries = [...new Set(guns.map((g) => parseReference(g).registryHost))];
  const stale: string[] = [];
  const followed: string[] = [];
  for (const gun of guns) {
    const files = await oldServerFiles(ctx, gun);
    if (files.length && readsFrom(ctx, gun, to)) followed.push(gun);
    else stale.push(...files);
  }
  return [
    `docker: export DOCKER_CONTENT_TRUST_SERVER=${to}`,
    ...registries.map((r) => `trust-tui: trust-tui config server '${r}/*' ${to}${toCa ? ` --ca ${path.resolve(toCa)}` : ''}`),
    `notary: notary -s ${to} … (or "remote_server": {"url": "${to}"} in ~/.notary/config.json)`,
    'docker and notary clients that cached a repository from the old server refuse the new timestamp (lower version): ' +
      'remove timestamp.json and snapshot.json under their trust directory, tuf/<repository>/metadata/ (see docs/migrate.md)',
    ...(followed.length ? [`on this host, which reads ${followed.join(', ')} from ${to}: the migration brings its trust data (shared with docker) up to date`] : []),
    ...(stale.length
      ? [
          `on this host, once it reads ${to} (docker always needs it; trust-tui when the destination kept the old timestamp key): rm ${stale.map((f) => `'${f}'`).join(' ')}`,
        ]
      : []),
  ];
}

/** The dry run: every repository read and verified, the destination compared, nothing changed. */
export async function planMigration(ctx: TrustContext, repositories: readonly string[], options: MigrateOptions): Promise<MigrationPlan> {
  if (repositories.length === 0) throw new InputError('name at least one repository');
  if (!options.to) throw new InputError('name the destination server with --to URL');
  if (options.from !== undefined && options.fromCache !== undefined) throw new InputError('--from and --from-cache exclude each other: name one source');
  if (typeof options.fromCache === 'string') await checkCacheDirectory(options.fromCache);
  // One error for a URL that cannot be used, before any repository is read.
  const loopback = ctx.env.TRUST_TUI_ALLOW_HTTP_LOOPBACK === '1';
  options = { ...options, to: normaliseServerUrl(options.to, loopback), ...(options.from ? { from: normaliseServerUrl(options.from, loopback) } : {}) };
  const guns: string[] = [];
  for (const input of repositories) {
    const reference = parseReference(input);
    if (reference.tag || reference.digest) throw new InputError(`${input} names an image, not a repository`, { hint: 'give the repository alone' });
    if (!guns.includes(reference.gun)) guns.push(reference.gun);
  }
  const from = sourceName(ctx, options);
  const journal = await new MigrationJournal(ctx.settings.dir).entriesTo(MigrationJournal.runKey(from, options.to), options.to);
  const items: RepositoryMigration[] = [];
  for (const gun of guns) {
    try {
      items.push(await planRepository(ctx, gun, options, journal[gun]));
    } catch (e) {
      items.push({ gun, action: 'blocked', rootVersions: [], unchangedRoles: [], renewedRoles: [], expired: [], skipped: [], source: [], ...problemOf(e) });
    }
  }
  return { from, to: options.to, repositories: items, clientAdvice: await clientAdvice(ctx, options.to, guns, options.toCa) };
}

/** A `--from-cache` directory that is not there is a mistake in the command, not one repository's problem. */
async function checkCacheDirectory(dir: string): Promise<void> {
  const stats = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`--from-cache ${dir}: ${e.code === 'ENOENT' ? 'no such directory' : e.message}`, { hint: 'give the trust directory (e.g. ~/.docker/trust) that holds the repositories' });
  });
  if (!stats.isDirectory()) throw new InputError(`--from-cache ${dir} is not a directory`, { hint: 'give the trust directory (e.g. ~/.docker/trust) that holds the repositories' });
}

// ------------------------------------------------------------------ execution

/** Root keys unlocked once per run: one root key usually signs every repository of a host. */
type UnlockedKeys = Map<string, PrivateKey>;

async function rootSigners(ctx: TrustContext, root: Root, unlocked: UnlockedKeys): Promise<MetadataSigner[]> {
  const signers: MetadataSigner[] = [];
  for (const key of root.roleKeys('root')) {
    if (!unlocked.has(key.canonicalId)) {
      if (!(await ctx.keys.has(key.canonicalId))) continue;
      unlocked.set(key.canonicalId, await ctx.keys.unlock(key.canonicalId, ctx.passphrases));
    }
    signers.push(signerFromPrivateKey(unlocked.get(key.canonicalId)!, key.id));
  }
  return signers;
}

function signRoot(model: Root, version: number, signers: readonly MetadataSigner[]): Buffer {
  const root = model.clone().setVersion(version).setExpires(defaultExpires('root', GoTime.now()));
  const envelope = Envelope.sign(root, signers);
  const role = root.role('root');
  const count = countValidSignatures(envelope.signedCanonicalBytes(), envelope.signatures, { keyids: role.distinctKeyIds, threshold: role.threshold }, root.keys);
  if (!count.met) throw new TrustError(`cannot sign root version ${version}: this host holds ${count.validKeyIds.length} of the ${role.threshold} root keys it needs`);
  return envelope.raw;
}

export interface MigrationProgress {
  index: number;
  total: number;
  gun: string;
  step: string;
}

async function migrateOne(
  ctx: TrustContext,
  plan: MigrationPlan,
  item: RepositoryMigration,
  unlocked: UnlockedKeys,
  onStep: (step: string) => void,
): Promise<MigrationOutcome> {
  const p = prepared.get(item);
  if (!p?.source || !p.dest) throw new TrustError(`${item.gun} was not read for this plan`, { hint: 'plan the migration again' });
  const { source, dest } = p;
  const gun = item.gun;
  // Exactly the plan that was shown: a destination that changed since is left alone.
  const now = await readDestination(ctx, dest);
  const expectedVersion = item.action === 'resume' ? item.rootVersions[0]! - 1 : undefined;
  if ((now === undefined) !== (expectedVersion === undefined) || (now && now.trusted.root.signed.version !== expectedVersion)) {
    throw new TrustError(`the destination's trust data for ${gun} changed since the plan, so nothing was changed`, { hint: 'run the migration again to see its new plan' });
  }

  // Every key is unlocked before the destination is asked for anything: a wrong passphrase leaves
  // no key made for nothing there (notary-server makes one per GET before a repository has a root).
  const signers = await rootSigners(ctx, source.trusted.root.signed, unlocked);
  // Targets roles: byte-identical, except those renewed (re-signed, version + 1, fresh expiry).
  const roleFiles: MetadataFile[] = [];
  if (item.action === 'migrate') {
    const renewed = new Map<string, Buffer>();
    if (item.renewedRoles.length) {
      const editor = new RepositoryEditor(editableState(source), GoTime.now());
      for (const role of item.renewedRoles) editor.targets(role);
      const keyFor = await unlockFor(ctx, editor, item.renewedRoles);
      for (const [role, bytes] of editor.build(keyFor, { signSnapshot: false }).files) renewed.set(role, bytes);
    }
    for (const role of ['targets', ...source.trusted.delegations.keys()]) {
      roleFiles.push({ role, bytes: renewed.get(role) ?? source.trusted.targetsOf(role)!.raw });
    }
  }
  const root = source.trusted.root.signed.clone();
  let destKeys: { timestamp: PublicKey[]; snapshot: PublicKey[] };
  if (p.destRoot) {
    destKeys = { timestamp: p.destRoot.roleKeys('timestamp'), snapshot: p.destRoot.roleKeys('snapshot') };
  } else {
    // notary-server makes a new key on every GET before the repository has a root: ask once each.
    onStep('fetching the destination timestamp and snapshot keys');
    destKeys = { timestamp: [await dest.client.getServerKey(gun, 'timestamp')], snapshot: [await dest.client.getServerKey(gun, 'snapshot')] };
  }
  root.replaceRoleKeys('timestamp', destKeys.timestamp, 1);
  root.replaceRoleKeys('snapshot', destKeys.snapshot, 1);

  for (const [i, version] of item.rootVersions.entries()) {
    const files = [{ role: 'root', bytes: signRoot(root, version, signers) }, ...(i === 0 ? roleFiles : [])];
    onStep(`publishing root version ${version}${files.length > 1 ? ` with ${files.length - 1} targets role(s)` : ''}`);
    await dest.client.publish(gun, files);
  }

  onStep('reading the destination back into a fresh trust directory');
  const after = await readDestination(ctx, dest);
  if (!after) throw new TrustError(`${plan.to} accepted the upload of ${gun} but does not serve it`, { hint: 'ask its operator' });
  const finalVersion = source.trusted.root.signed.version + 1;
  if (after.trusted.root.signed.version !== finalVersion) {
    throw new TrustError(`${plan.to} serves root version ${after.trusted.root.signed.version} of ${gun}, not ${finalVersion} as published`, {
      hint: 'run the migration again to continue',
    });
  }
  const diff = difference(source, after, new Set(item.renewedRoles));
  if (diff) throw new TrustError(`${plan.to} does not serve what was published for ${gun}: ${diff}`, { hint: 'ask its operator, then run the migration again' });
  const destination = tagsOf(after);
  if (JSON.stringify(destination) !== JSON.stringify(item.source)) {
    throw new TrustError(`the tags of ${gun} at ${plan.to} differ from the source's after the migration`, { hint: 'compare them with `trust-tui inspect`' });
  }
  onStep("bringing this host's trust data up to date");
  await followDestination(ctx, plan, dest);
  return { gun, status: 'migrated', rootVersion: after.trusted.root.signed.version, source: item.source, destination };
}

/**
 * The client advice worth printing: only when the destination holds (or, in a dry run, can hold) a
 * repository of the plan; pointing clients at a server that holds none of them would break them.
 */
export function clientAdviceFor(plan: MigrationPlan, outcomes?: readonly MigrationOutcome[]): string[] {
  const usable = outcomes
    ? outcomes.some((o) => o.status === 'migrated' || o.status === 'already-migrated')
    : plan.repositories.some((r) => r.action !== 'blocked');
  return usable ? plan.clientAdvice : [];
}

/**
 * Carries out a plan's repositories in turn (the plan the user saw and confirmed). Each finished
 * repository is recorded in the journal; a failure stops nothing but that repository.
 */
export async function runMigration(
  ctx: TrustContext,
  plan: MigrationPlan,
  options: { signal?: AbortSignal; onProgress?: (p: MigrationProgress) => void } = {},
): Promise<MigrationOutcome[]> {
  const journal = new MigrationJournal(ctx.settings.dir);
  const runKey = MigrationJournal.runKey(plan.from, plan.to);
  const outcomes: MigrationOutcome[] = [];
  const unlocked: UnlockedKeys = new Map();
  const total = plan.repositories.length;
  for (const [index, item] of plan.repositories.entries()) {
    const gun = item.gun;
    const progress = (step: string) => options.onProgress?.({ index: index + 1, total, gun, step });
    if (item.action === 'blocked') {
      outcomes.push({ gun, status: 'blocked', source: item.source, ...(item.problem ? { message: item.problem } : {}), ...(item.hint ? { hint: item.hint } : {}) });
      continue;
    }
    if (item.action === 'already-migrated') {
      // Compared with the source just now (a run killed after publishing never recorded it).
      if (item.sourceRootVersion !== undefined && item.destination && item.destinationRootVersion !== undefined) {
        await journal.markDone(runKey, gun, { rootVersion: item.destinationRootVersion, tags: item.destination, finishedAt: new Date().toISOString() });
      }
      progress('already migrated');
      outcomes.push({ gun, status: 'already-migrated', source: item.source, ...(item.note ? { message: item.note } : {}), ...(item.destination ? { destination: item.destination } : {}) });
      continue;
    }
    if (options.signal?.aborted) {
      outcomes.push({ gun, status: 'skipped', message: 'stopped before this repository', source: item.source });
      continue;
    }
    progress('starting');
    try {
      const outcome = await migrateOne(ctx, plan, item, unlocked, progress);
      await journal.markDone(runKey, gun, { rootVersion: outcome.rootVersion!, tags: outcome.destination!, finishedAt: new Date().toISOString() });
      progress('done');
      outcomes.push(outcome);
    } catch (e) {
      // A refused passphrase prompt stops the run (the repositories before it stay migrated).
      if (isCancellation(e)) throw e;
      const { problem, hint } = sideProblemOf(e, 'destination', { to: plan.to });
      outcomes.push({ gun, status: 'failed', message: problem, source: item.source, ...(hint ? { hint } : {}) });
    }
  }
  return outcomes;
}
