/**
 * `trust-tui migrate`: a repository made by the real docker and notary CLIs on notary-server 0.7
 * (root key, targets key, two signers, tags in targets, releases and the signers' roles) moves to
 * `trust-tui server` and to another notary-server 0.7, live and, with the source stopped, from the
 * cache. Afterwards stock `docker trust inspect` and `notary list` against each destination, from
 * fresh trust directories, show what they showed at the source, and every targets file is
 * byte-identical to the source's.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import {
  dockerCli,
  httpRequest,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer } from '../server/server-harness.js';

afterAll(stopAllPeers);

const REPO = 'registry.example.com/team/app';
const ROLES = ['targets', 'targets/releases', 'targets/alice', 'targets/bob'];

interface Peer {
  url: string;
  caFile: string;
}

async function serverFile(peer: Peer, role: string): Promise<{ status: number; body: Buffer }> {
  const res = await httpRequest(`${peer.url}/v2/${REPO}/_trust/tuf/${role}.json`, { caFile: peer.caFile });
  return { status: res.status, body: res.body };
}

describe('migrate a docker/notary repository off notary-server 0.7', () => {
  let source: NotaryServer;
  let docker: DockerRunner;
  /** trust-tui on docker's trust directory: it holds the root and targets keys docker made. */
  let tt: TrustTuiRunner;
  const before: { inspect?: string; list?: string; files: Map<string, Buffer> } = { files: new Map() };
  const stops: (() => Promise<void>)[] = [];
  /** A copy of docker's trust cache of the repository, taken from the live source. */
  let cacheDir: string;

  /** Stock docker and notary, fresh trust directories, against `peer`: what a new client sees. */
  async function freshView(peer: Peer): Promise<{ inspect: string; list: string }> {
    const freshDocker = dockerCli(await makeScratchDir('fresh-docker'), peer.url, peer.caFile);
    const inspect = ok(await freshDocker(['trust', 'inspect', REPO])).stdout;
    const list = ok(await notaryCli(await makeScratchDir('fresh-notary'), peer.url, peer.caFile)(['list', REPO])).stdout;
    return { inspect, list };
  }

  async function expectSameAsSource(dest: Peer): Promise<void> {
    const view = await freshView(dest);
    expect(view.inspect).toBe(before.inspect);
    expect(view.list).toBe(before.list);
    for (const role of ROLES) {
      const file = await serverFile(dest, role);
      expect(file.status, role).toBe(200);
      expect(file.body.equals(before.files.get(role)!), `${role} is byte-identical`).toBe(true);
    }
  }

  function migrateArgs(dest: Peer, sourceArgs: string[]): string[] {
    return ['--json', 'migrate', REPO, '--to', dest.url, '--to-tlscacert', dest.caFile, ...sourceArgs, '--yes'];
  }

  beforeAll(async () => {
    source = await startNotaryServer({ signer: 'local' });
    docker = dockerCli(await makeScratchDir('docker-config'), source.url, source.caFile);
    ok(await docker(['trust', 'key', 'generate', 'alice', '--dir', docker.workDir]));
    ok(await docker(['trust', 'key', 'generate', 'bob', '--dir', docker.workDir]));
    ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, 'alice.pub'), 'alice', REPO]));
    ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, 'bob.pub'), 'bob', REPO]));
    const notary: NotaryRunner = notaryCli(docker.trustDir, source.url, source.caFile);
    for (const [name, text] of [['m1.json', '{"fake":"manifest v1"}'], ['m2.json', '{"fake":"manifest v2"}'], ['m3.json', '{"fake":"v3"}']]) {
      writeFileSync(path.join(notary.workDir, name!), text!);
    }
    ok(await notary(['add', REPO, 'v1', 'm1.json']));
    ok(await notary(['add', REPO, 'v2', 'm2.json', '--roles', 'targets/releases', '--roles', 'targets/alice', '--roles', 'targets/bob']));
    ok(await notary(['add', REPO, 'v3', 'm3.json', '--roles', 'targets/releases', '--roles', 'targets/bob']));
    ok(await notary(['publish', REPO]));
    const view = await freshView(source);
    before.inspect = view.inspect;
    before.list = view.list;
    expect(JSON.parse(view.inspect)[0].SignedTags).toHaveLength(3);
    for (const role of ROLES) before.files.set(role, ok2(await serverFile(source, role)));
    // docker's cache of the repository as a user's host has it (notary publish does not cache what
    // it uploads; an inspect does), kept aside for the tests that run with the source gone.
    ok(await docker(['trust', 'inspect', REPO]));
    cacheDir = await makeScratchDir('cached-trust');
    cpSync(path.join(docker.trustDir, 'tuf'), path.join(cacheDir, 'tuf'), { recursive: true });
    tt = trustTui({ trustDir: docker.trustDir, env: { DOCKER_CONFIG: docker.dockerConfig } });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await source?.stop();
  });

  it('live, to trust-tui server: same tags, digests and signers for stock clients; targets files byte-identical; a second run changes nothing', async () => {
    const dest = await startTestServer();
    stops.push(() => dest.stop());
    const peer = { url: dest.url, caFile: dest.caFile! };
    const dry = JSON.parse(ok(await tt(migrateArgs(peer, ['--from', source.url, '--from-tlscacert', source.caFile, '--dry-run']))).stdout);
    expect(dry.dryRun).toBe(true);
    expect(dry.repositories[0]).toMatchObject({ gun: REPO, status: 'migrate', sourceRootVersion: 1, plannedRootVersions: [2] });
    expect((await serverFile(peer, 'root')).status).toBe(404);

    const r = await tt(migrateArgs(peer, ['--from', source.url, '--from-tlscacert', source.caFile]));
    ok(r);
    const result = JSON.parse(r.stdout);
    expect(result.repositories[0]).toMatchObject({ gun: REPO, status: 'migrated', rootVersion: 2 });
    const tags = result.repositories[0].tags as { tag: string; source: unknown; destination: unknown }[];
    expect(tags.map((t) => t.tag)).toEqual(['v1', 'v2', 'v3']);
    for (const t of tags) expect(t.destination).toEqual(t.source);
    expect(tags.find((t) => t.tag === 'v2')!.source).toMatchObject({ signers: ['alice', 'bob'] });
    expect(result.clientAdvice.join('\n')).toContain(`DOCKER_CONTENT_TRUST_SERVER=${dest.url}`);
    await expectSameAsSource(peer);

    const rows = dest.dump().length;
    const again = JSON.parse(ok(await tt(migrateArgs(peer, ['--from', source.url, '--from-tlscacert', source.caFile]))).stdout);
    expect(again.repositories[0].status).toBe('already-migrated');
    expect(dest.dump()).toHaveLength(rows);

    // trust-tui's own client cached the source (old timestamp/snapshot keys, higher versions):
    // pointed at the destination it follows the root to the new keys (TUF 5.3.11) and shows the same.
    const client = trustTui({ trustDir: await makeScratchDir('client-trust') });
    cpSync(path.join(cacheDir, 'tuf'), path.join(client.trustDir, 'tuf'), { recursive: true });
    const sourceInspect = ok(await client(['inspect', REPO, '--server', source.url, '--tlscacert', source.caFile])).stdout;
    const destInspect = await client(['inspect', REPO, '--server', dest.url, '--tlscacert', dest.caFile!]);
    ok(destInspect);
    expect(destInspect.stdout).toBe(sourceInspect);
  });

  it('live, to another notary-server 0.7', async () => {
    const dest = await startNotaryServer({ signer: 'local' });
    stops.push(() => dest.stop());
    const text = ok(await tt(migrateArgs(dest, ['--from', source.url, '--from-tlscacert', source.caFile]).filter((a) => a !== '--json')));
    expect(text.stdout).toMatch(/migrated: the destination serves root v2 and 3 signed tag\(s\)/);
    expect(text.stderr).toMatch(/\[1\/1\] registry\.example\.com\/team\/app: publishing root version 2/);
    await expectSameAsSource(dest);

    // Stock notary that cached the repository from the source: the new timestamp (version 1, new
    // key) is below the cached one, and notary 0.7 refuses it until the cached timestamp and
    // snapshot are removed (docs/migrate.md).
    const stale = notaryCli(await makeScratchDir('stale-notary'), dest.url, dest.caFile);
    cpSync(path.join(cacheDir, 'tuf'), path.join(stale.trustDir, 'tuf'), { recursive: true });
    const refused = await stale(['list', REPO]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/version 1 is lower than current version \d+/);
    // docker the same (its trust directory is $DOCKER_CONFIG/trust).
    const staleDocker = dockerCli(await makeScratchDir('stale-docker'), dest.url, dest.caFile);
    cpSync(path.join(cacheDir, 'tuf'), path.join(staleDocker.trustDir, 'tuf'), { recursive: true });
    const dockerRefused = await staleDocker(['trust', 'inspect', REPO]);
    expect(dockerRefused.code).toBe(1);
    expect(dockerRefused.stderr).toContain(`no signatures or cannot access ${REPO}`);
    // The remedy: drop the cached timestamp and snapshot (root stays: it still pins the root key).
    for (const trustDir of [stale.trustDir, staleDocker.trustDir]) {
      const metadata = path.join(trustDir, 'tuf', ...REPO.split('/'), 'metadata');
      rmSync(path.join(metadata, 'timestamp.json'));
      rmSync(path.join(metadata, 'snapshot.json'));
    }
    expect(ok(await stale(['list', REPO])).stdout).toBe(before.list);
    expect(ok(await staleDocker(['trust', 'inspect', REPO])).stdout).toBe(before.inspect);
  });

  describe('with the source server stopped, from the cache', () => {
    beforeAll(async () => {
      await source.stop();
    });

    it('to notary-server 0.7', async () => {
      const dest = await startNotaryServer({ signer: 'local' });
      stops.push(() => dest.stop());
      const result = JSON.parse(ok(await tt(migrateArgs(dest, ['--from-cache', cacheDir]))).stdout);
      expect(result.repositories[0]).toMatchObject({ status: 'migrated', rootVersion: 2 });
      await expectSameAsSource(dest);
    });

    it('to trust-tui server', async () => {
      const dest = await startTestServer();
      stops.push(() => dest.stop());
      const peer = { url: dest.url, caFile: dest.caFile! };
      const result = JSON.parse(ok(await tt(migrateArgs(peer, ['--from-cache', cacheDir]))).stdout);
      expect(result.repositories[0]).toMatchObject({ status: 'migrated', rootVersion: 2 });
      await expectSameAsSource(peer);

      // docker on this host shares the trust directory, which cached the old server: it fails until
      // the two files the result names are removed.
      const hostDocker = dockerCli(docker.dockerConfig, dest.url, dest.caFile!);
      expect((await hostDocker(['trust', 'inspect', REPO])).code).toBe(1);
      const advice = (result.clientAdvice as string[]).find((a) => a.startsWith('on this host'))!;
      const files = [...advice.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
      expect(files.map((f) => path.relative(docker.trustDir, f)).sort()).toEqual(
        ['timestamp.json', 'snapshot.json'].map((f) => path.join('tuf', ...REPO.split('/'), 'metadata', f)).sort(),
      );
      for (const file of files) rmSync(file);
      expect(ok(await hostDocker(['trust', 'inspect', REPO])).stdout).toBe(before.inspect);
    });

    it('without the root key: refuses, naming the missing key, and publishes nothing', async () => {
      const dest = await startTestServer();
      stops.push(() => dest.stop());
      const keyless = trustTui();
      const r = await keyless(['migrate', REPO, '--to', dest.url, '--to-tlscacert', dest.caFile!, '--from-cache', cacheDir, '--yes']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/blocked: this host holds 0 of the 1 root key\(s\) of registry\.example\.com\/team\/app needed to sign its new root .*: missing [0-9a-f]{7}/);
      expect(r.stderr).toContain('was not migrated');
      expect(dest.dump()).toHaveLength(0);
    });
  });
});

function ok2(file: { status: number; body: Buffer }): Buffer {
  expect(file.status).toBe(200);
  return file.body;
}
