/**
 * The server lost (or deleted) a repository this host trusted: the local cache is the user's last
 * trusted state, so no command may initialise a new repository over it. Against the real
 * notary-server, the repository deleted with the real `notary delete --remote`.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, snapshotDir } from '../helpers/expect.js';
import { httpRequest, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, type NotaryServer } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

afterAll(stopAllPeers);

const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;

describe('a repository the server no longer has, but this host trusted', () => {
  let server: NotaryServer;
  let tt: TrustTuiRunner;
  const repo = 'registry.example.test/team/lost';

  const serverHasRoot = async () =>
    (await httpRequest(`${server.url}/v2/${repo}/_trust/tuf/root.json`, { caFile: server.caFile })).status === 200;

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.test/*', server.url, '--ca', server.caFile]));
    ok(await tt(['init', repo]));
    ok(await tt(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    // Someone deletes it on the server (the real notary CLI, its own trust directory).
    const notary = notaryCli(await makeScratchDir('notary'), server.url, server.caFile);
    ok(await notary(['delete', repo, '--remote']));
    expect(await serverHasRoot()).toBe(false);
  });
  afterAll(() => server?.stop());

  it('sign, init and signer add refuse, name the cause and the ways out, and change nothing', async () => {
    const before = snapshotDir(tt.trustDir);
    const commands = [
      ['sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '22'],
      ['init', repo],
      ['signer', 'add', repo, 'alice', '--key', 'owner'],
      ['info', repo],
    ];
    for (const args of commands) {
      const r = await tt(args);
      expect(r.code, `${args[0]}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`has no trust data for ${repo}, but this host trusted version`);
      expect(r.stderr).toContain('nothing was changed');
      expect(r.stderr).toContain(`trust-tui revoke ${repo} --local-only`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(snapshotDir(tt.trustDir), args[0]).toEqual(before);
      expect(await serverHasRoot(), args[0]).toBe(false);
    }
    const json = await tt(['--json', 'sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '22']);
    expect(json.code).toBe(1);
  });

  it('after forgetting it on purpose (revoke --local-only), sign creates a new repository', async () => {
    ok(await tt(['revoke', repo, '--local-only', '--yes']));
    const r = ok(await tt(['sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '22']));
    expect(r.stdout).toContain(`Initialized signed repository ${repo}`);
    expect(await serverHasRoot()).toBe(true);
  });
});

describe('re-publishing a lost repository from this host\'s cache (migrate --from-cache to the same server)', () => {
  let server: NotaryServer;
  let tt: TrustTuiRunner;
  const repo = 'registry.example.test/team/restored';

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.test/*', server.url, '--ca', server.caFile]));
    ok(await tt(['init', repo]));
    ok(await tt(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    // Root version 2: the migration then publishes root versions 2 and 3 in turn.
    ok(await tt(['key', 'rotate', 'timestamp', repo]));
    ok(await tt(['sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '22']));
    ok(await tt(['inspect', repo]));
    ok(await notaryCli(await makeScratchDir('notary'), server.url, server.caFile)(['delete', repo, '--remote']));
  });
  afterAll(() => server?.stop());

  it('the hint offers it; it restores every tag and signer, and this host and a fresh notary read it again', async () => {
    const lost = await tt(['inspect', repo]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(`trust-tui migrate ${repo} --from-cache --to ${server.url}`);

    const r = ok(await tt(['--json', 'migrate', repo, '--from-cache', '--to', server.url, '--yes']));
    const result = JSON.parse(r.stdout).repositories[0];
    expect(result).toMatchObject({ status: 'migrated', sourceRootVersion: 2, plannedRootVersions: [2, 3], rootVersion: 3 });
    expect(result.tags.map((t: { tag: string }) => t.tag)).toEqual(['v1', 'v2']);

    // This host cached the lost data (root 2, old timestamp key, higher versions): it follows.
    const inspect = JSON.parse(ok(await tt(['inspect', repo])).stdout);
    expect(inspect[0].SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['v1', 'v2']);
    const list = ok(await notaryCli(await makeScratchDir('fresh-notary'), server.url, server.caFile)(['list', repo])).stdout;
    expect(list).toContain(DIGEST(1).slice('sha256:'.length));
    expect(list).toContain(DIGEST(2).slice('sha256:'.length));
    // Signing goes on as before.
    ok(await tt(['sign', `${repo}:v3`, '--digest', DIGEST(3), '--size', '33']));
  });
});

describe('a trust-tui server restored from an old backup (rolled back): its copy replaced by this host\'s newer one', () => {
  const repo = 'registry.example.test/team/backup';
  let server: TestServer | undefined;
  let listen: string;
  let tt: TrustTuiRunner;

  /** The same address and CA, served from `dataDir` (the live directory or its backup copy). */
  const serveFrom = async (dataDir: string) => {
    await server?.stop();
    server = await startTestServer({ dataDir, ...(listen ? { listen } : {}) });
    listen = `127.0.0.1:${server.port}`;
    return server;
  };

  beforeAll(async () => {
    const live = await makeScratchDir('server-live');
    const backup = await makeScratchDir('server-backup');
    const first = await serveFrom(live);
    tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.test/*', first.url, '--ca', first.caFile!]));
    ok(await tt(['init', repo]));
    ok(await tt(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    // The operator's backup, taken with the server stopped; then more signing, then the restore.
    await server!.stop();
    server = undefined;
    cpSync(live, backup, { recursive: true });
    await serveFrom(live);
    ok(await tt(['sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '22']));
    ok(await tt(['sign', `${repo}:v3`, '--digest', DIGEST(3), '--size', '33']));
    await serveFrom(backup);
  });
  afterAll(() => server?.stop());

  it('the advice deletes only the server copy; migrate --from-cache then restores v1-v3 and this host reads them', async () => {
    const refused = await tt(['inspect', repo]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/rollback/);
    expect(refused.stderr).toContain(
      `\`trust-tui revoke ${repo} --remote-only --server ${server!.url}\` and \`trust-tui migrate ${repo} --from-cache --to ${server!.url}\`; every other host then removes timestamp.json and snapshot.json`,
    );

    // The destination holds other (older) trust data: the hint must keep this host's copy, the only good one.
    const blocked = await tt(['migrate', repo, '--from-cache', '--to', server!.url, '--yes']);
    expect(blocked.code).toBe(1);
    expect(`${blocked.stdout}${blocked.stderr}`).toContain(`trust-tui revoke ${repo} --server ${server!.url} --remote-only`);

    const cachedRoot = path.join(tt.trustDir, 'tuf', ...repo.split('/'), 'metadata', 'root.json');
    const deleted = ok(await tt(['revoke', repo, '--server', server!.url, '--remote-only', '--yes']));
    expect(deleted.stdout).toContain("this host's copy is kept");
    expect(existsSync(cachedRoot)).toBe(true);
    expect((await server!.request('GET', `/v2/${repo}/_trust/tuf/root.json`)).status).toBe(404);

    const migrated = JSON.parse(ok(await tt(['--json', 'migrate', repo, '--from-cache', '--to', server!.url, '--yes'])).stdout);
    expect(migrated.repositories[0]).toMatchObject({ status: 'migrated' });
    // The server signs with the keys it had (restored with its data): nothing rotates, so this
    // host's old timestamp and snapshot would refuse the restarted versions; migrate removed them.
    const inspect = JSON.parse(ok(await tt(['inspect', repo])).stdout);
    expect(inspect[0].SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['v1', 'v2', 'v3']);
    const list = ok(await notaryCli(await makeScratchDir('fresh-notary'), server!.url, server!.caFile!)(['list', repo])).stdout;
    expect(list).toContain(DIGEST(3).slice('sha256:'.length));
  });

  it('--remote-only with nothing cached here does not claim to keep a copy', async () => {
    const r = ok(await tt(['revoke', 'registry.example.test/team/never-read', '--server', server!.url, '--remote-only', '--yes']));
    expect(r.stdout).toContain('(no copy of it is cached on this host)');
    expect(r.stdout).not.toContain("this host's copy is kept");
  });

  it('--local-only and --remote-only together are a usage error', async () => {
    const r = await tt(['revoke', repo, '--local-only', '--remote-only', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exclude each other');
  });
});
