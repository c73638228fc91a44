// migrate over this host's cache of a repository whose signer role expired: the plan reports it and
// blocks; with renewal it is re-signed on the way (same content, new version and expiry) and every
// other file moves byte for byte; a delegation below threshold is not moved and is named. The
// destination is trust-tui's server, in-process over HTTPS on loopback.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { KeyStore } from '../../src/keys/index.js';
import { ScriptedPassphraseSource } from '../../src/keys/passphrase.js';
import { TrustCache } from '../../src/notary/cache.js';
import type { TrustContext } from '../../src/trust/context.js';
import { clientAdviceFor, planMigration, runMigration } from '../../src/trust/migrate.js';
import { planRenewal, runRenewal } from '../../src/trust/renew.js';
import { parseMetadata } from '../../src/tuf/metadata/index.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';
import { DAY_MS, MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';

const GUN = 'example.com/team/old';

describe('migrate from the cache, with expired and unverifiable roles', () => {
  let dir: string;
  let server: TestServer;
  let ctx: TrustContext;
  let repo: MemoryRepo;
  const warnings: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trust-tui-migrate-'));
    server = await startTestServer();
    const trustDir = path.join(dir, 'trust');
    ctx = {
      trustDir,
      keys: new KeyStore(trustDir),
      settings: new Settings(path.join(dir, 'cfg')),
      passphrases: new ScriptedPassphraseSource(() => 'correct-horse'),
      confirm: async () => true,
      warn: (m) => warnings.push(m),
      debug: () => undefined,
      env: {},
    };
    // Made two days ago: alice's role expired yesterday; bob's file lacks his signature.
    repo = await MemoryRepo.create(GUN, new Date(Date.now() - 2 * DAY_MS));
    const alice = newEcdsaKey();
    const bob = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [alice], { keys: [bob.publicKey] });
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets/alice', 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob'], { expiresDays: { 'targets/alice': 1 } });
    const cache = new TrustCache(trustDir);
    for (const [role, bytes] of repo.files) await cache.write(GUN, role, bytes);
    await ctx.keys.store(repo.rootSigners[0]!.privateKey, { role: 'root' }, 'correct-horse');
    await ctx.keys.store(repo.targetsKey, { role: 'targets', gun: GUN }, 'correct-horse');
    await ctx.keys.store(alice, { role: 'alice' }, 'correct-horse');
  });
  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (extra = {}) => ({ to: server.url, toCa: server.caFile!, fromCache: true as const, ...extra });

  it('reports the expired role and blocks without renewal; renews it on the way with it, moving the rest byte for byte', async () => {
    const blocked = await planMigration(ctx, [GUN], options());
    const item = blocked.repositories[0]!;
    expect(item.action).toBe('blocked');
    expect(item.problem).toMatch(/^targets\/alice expired on \d{4}-\d\d-\d\d; the destination accepts no expired targets data$/);
    expect(item.hint?.cli).toContain('--renew-expired');
    expect(item.expired).toEqual(expect.arrayContaining([{ role: 'targets/alice', expires: expect.any(String), outcome: 'blocks' }]));
    expect(item.skipped).toEqual([{ role: 'targets/bob', problem: expect.stringContaining('threshold') }]);
    expect(await runMigration(ctx, blocked)).toMatchObject([{ status: 'blocked' }]);
    expect(server.dump()).toEqual([]);

    const plan = await planMigration(ctx, [GUN], options({ renewExpired: true }));
    expect(plan.repositories[0]).toMatchObject({ action: 'migrate', renewedRoles: ['targets/alice'], unchangedRoles: ['targets', 'targets/releases'], rootVersions: [2] });
    const [outcome] = await runMigration(ctx, plan);
    expect(outcome).toMatchObject({ status: 'migrated', rootVersion: 2 });
    expect(outcome!.destination).toEqual([{ tag: 'v1', digest: expect.stringMatching(/^[0-9a-f]{64}$/), signers: ['alice'] }]);
    expect(outcome!.destination).toEqual(outcome!.source);

    const served = async (role: string) => (await server.request('GET', `/v2/${GUN}/_trust/tuf/${role}.json`)).body;
    for (const role of ['targets', 'targets/releases']) expect((await served(role)).equals(repo.file(role)), role).toBe(true);
    const renewed = parseMetadata(await served('targets/alice'), 'targets/alice').signed;
    const before = parseMetadata(repo.file('targets/alice'), 'targets/alice').signed;
    expect(renewed.version).toBe(before.version + 1);
    expect(renewed.expires.toDate().getTime()).toBeGreaterThan(Date.now());
    expect([...renewed.targets.keys()]).toEqual(['v1']);
    expect((await server.request('GET', `/v2/${GUN}/_trust/tuf/targets/bob.json`)).status).toBe(404);

    // Again: the destination matches (renewed role compared by content), nothing is published.
    const rows = server.dump().length;
    const again = await planMigration(ctx, [GUN], options({ renewExpired: true }));
    expect(again.repositories[0]!.action).toBe('already-migrated');
    expect(await runMigration(ctx, again)).toMatchObject([{ status: 'already-migrated' }]);
    expect(server.dump()).toHaveLength(rows);
  });

  it('an interrupted chain of root versions is resumed, and a rerun after the source is gone is answered from the journal', async () => {
    // Root at version 3 at the source: published as 2, 3, 4 in turn.
    await repo.rotateRootKey();
    const next = await repo.rotateRootKey();
    repo.publish(['targets/alice'], { expiresDays: { 'targets/alice': 30 } });
    const cache = new TrustCache(ctx.trustDir);
    for (const [role, bytes] of repo.files) await cache.write(GUN, role, bytes);
    await ctx.keys.store(next.privateKey, { role: 'root' }, 'correct-horse');
    const plan = await planMigration(ctx, [GUN], options());
    expect(plan.repositories[0]).toMatchObject({ action: 'migrate', sourceRootVersion: 3, rootVersions: [2, 3, 4] });
    // As if interrupted after the first upload (root 2 with the targets files): the run says so.
    plan.repositories[0]!.rootVersions = [2, 3];
    await expect(runMigration(ctx, plan)).resolves.toMatchObject([{ status: 'failed', message: expect.stringContaining('serves root version 3') }]);
    const resumed = await planMigration(ctx, [GUN], options());
    expect(resumed.repositories[0]).toMatchObject({ action: 'resume', rootVersions: [4] });
    expect(await runMigration(ctx, resumed)).toMatchObject([{ status: 'migrated', rootVersion: 4 }]);
    // The cache is gone now: the journal and the destination still say it is done.
    await rm(path.join(ctx.trustDir, 'tuf'), { recursive: true, force: true });
    const later = await planMigration(ctx, [GUN], options());
    // Said, not implied: nothing was compared with the source.
    const unread = expect.stringMatching(/^the source was not read \(.+\): the destination still holds what this host migrated on \d{4}-\d{2}-\d{2}, unchanged since$/);
    expect(later.repositories[0]).toMatchObject({ action: 'already-migrated', destination: [{ tag: 'v1', signers: ['alice'] }], note: unread });
    // The same when the rerun names another source (a live server that is gone by now).
    const otherSource = await planMigration(ctx, [GUN], { to: server.url, toCa: server.caFile!, from: 'https://127.0.0.1:1' });
    expect(otherSource.repositories[0]).toMatchObject({ action: 'already-migrated', note: unread });
  });

  it('a --from-cache directory that is not there is an error of the command, even for a repository the journal knows', async () => {
    const missing = path.join(ctx.trustDir, 'no-such-dir');
    await expect(planMigration(ctx, [GUN], options({ fromCache: missing }))).rejects.toThrow(`--from-cache ${missing}: no such directory`);
  });

  it('a run killed after publishing is recorded by the next run, which finds it done', async () => {
    repo.publish(['targets/alice'], { expiresDays: { 'targets/alice': 30 } });
    const cache = new TrustCache(ctx.trustDir);
    for (const [role, bytes] of repo.files) await cache.write(GUN, role, bytes);
    await runMigration(ctx, await planMigration(ctx, [GUN], options()));
    // As if killed before the journal was written.
    await rm(path.join(ctx.settings.dir, 'migrations.json'), { force: true });
    const again = await planMigration(ctx, [GUN], options());
    expect(again.repositories[0]).toMatchObject({ action: 'already-migrated' });
    await runMigration(ctx, again);
    // The source gone, the journal now answers.
    await rm(path.join(ctx.trustDir, 'tuf'), { recursive: true, force: true });
    expect((await planMigration(ctx, [GUN], options())).repositories[0]).toMatchObject({ action: 'already-migrated', note: expect.stringMatching(/^the source was not read/) });
  });

  it('a destination renewed after the migration is already migrated, not "other trust data" to delete', async () => {
    const plan = await planMigration(ctx, [GUN], options({ renewExpired: true }));
    expect(await runMigration(ctx, plan)).toMatchObject([{ status: 'migrated' }]);
    // The source as this host cached it, kept aside; then targets is renewed at the destination.
    const sourceCopy = path.join(dir, 'source-copy');
    await cp(path.join(ctx.trustDir, 'tuf'), path.join(sourceCopy, 'tuf'), { recursive: true });
    const renewal = await planRenewal(ctx, [GUN], { roles: ['targets'] }, { server: server.url, tlsCaCert: server.caFile! });
    expect(await runRenewal(ctx, renewal, { server: server.url, tlsCaCert: server.caFile! })).toMatchObject([{ status: 'renewed' }]);
    // Another host (no journal) runs the same migration again.
    await rm(path.join(dir, 'cfg', 'migrations.json'), { force: true });
    const rows = server.dump().length;
    const again = await planMigration(ctx, [GUN], options({ renewExpired: true, fromCache: sourceCopy }));
    const item = again.repositories[0]!;
    expect(item.problem).toBeUndefined();
    expect(item).toMatchObject({ action: 'already-migrated', note: expect.stringMatching(/^changed at the destination since: targets v\d+ → v\d+/) });
    expect(await runMigration(ctx, again)).toMatchObject([{ status: 'already-migrated' }]);
    expect(server.dump()).toHaveLength(rows);
  });

  it('a wrong root passphrase stops before the destination is asked for keys; the result gives no advice to use it', async () => {
    const plan = await planMigration(ctx, [GUN], options({ renewExpired: true }));
    const wrong = { ...ctx, keys: new KeyStore(ctx.trustDir), passphrases: new ScriptedPassphraseSource(() => 'wrong-horse') };
    server.logs.length = 0;
    const [outcome] = await runMigration(wrong, plan);
    expect(outcome).toMatchObject({ status: 'failed', message: expect.stringMatching(/wrong passphrase/) });
    expect(server.logs.filter((l) => l.includes('.key'))).toEqual([]);
    expect(server.dump()).toEqual([]);
    expect(clientAdviceFor(plan)).not.toEqual([]);
    expect(clientAdviceFor(plan, [outcome!])).toEqual([]);
  });

  it('a root certificate that has expired blocks the repository, naming the date and the renewal, and nothing is published', async () => {
    // Certificate valid from four years ago for three years: expired a year ago, while every role is still valid.
    const old = await MemoryRepo.create(GUN, new Date(), { from: new Date(Date.now() - 4 * 365 * DAY_MS), years: 3 });
    old.publish(['targets']);
    const cache = new TrustCache(ctx.trustDir);
    for (const [role, bytes] of old.files) await cache.write(GUN, role, bytes);
    await ctx.keys.store(old.rootSigners[0]!.privateKey, { role: 'root' }, 'correct-horse');
    const plan = await planMigration(ctx, [GUN], options());
    const item = plan.repositories[0]!;
    expect(item.action).toBe('blocked');
    expect(item.problem).toMatch(/^the root certificate expired on \d{4}-\d\d-\d\d; no Notary server accepts this root$/);
    expect(item.hint?.cli).toContain(`trust-tui renew ${GUN} --role root`);
    expect(await runMigration(ctx, plan)).toMatchObject([{ status: 'blocked' }]);
    expect(server.dump()).toEqual([]);
  });
});
