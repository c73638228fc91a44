/**
 * The client engine (HTTP client, updater, cache, view) against the REAL notary-server 0.7, with
 * repositories made by the REAL notary CLI, and the notary CLI reading what we cached and published.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { refresh, rememberPublished } from '../../src/notary/updater.js';
import {
  freePort,
  makeScratchDir,
  notaryCli,
  requireBinary,
  runCommand,
  startNotaryServer,
  stopAllPeers,
  type NotaryRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { MemoryRepo } from '../tuf/memory-repo.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');


/** Rows of `notary list`: NAME DIGEST SIZE ROLE, sorted by name. */
function listRows(output: string): { name: string; digest: string; size: number; role: string }[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length === 4 && /^[0-9a-f]{64}$/.test(cols[1]!))
    .map(([name, digest, size, role]) => ({ name: name!, digest: digest!, size: Number(size), role: role! }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function clientFor(server: NotaryServer, baseUrl = server.url): NotaryClient {
  return new NotaryClient({ baseUrl, tls: { ca: [readFileSync(server.caFile)] } });
}

async function makeCert(notary: NotaryRunner, name: string): Promise<{ key: string; cert: string }> {
  const openssl = requireBinary('openssl');
  const key = path.join(notary.workDir, `${name}.key`);
  const cert = path.join(notary.workDir, `${name}.crt`);
  ok(await runCommand(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]));
  ok(await runCommand(openssl, ['req', '-new', '-x509', '-key', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`]));
  return { key, cert };
}

describe('client engine against notary-server 0.7 and the notary CLI', () => {
  let server: NotaryServer;
  let notary: NotaryRunner;
  const gun = 'example.com/app';

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    notary = notaryCli(path.join(await makeScratchDir('notary-home'), 'trust'), server.url, server.caFile);
    // notary CLI: init, server-managed snapshot, a releases and a qa delegation, targets in three roles.
    ok(await notary(['init', gun, '-p']));
    ok(await notary(['key', 'rotate', gun, 'snapshot', '-r']));
    const releases = await makeCert(notary, 'releases');
    const qa = await makeCert(notary, 'qa');
    ok(await notary(['key', 'import', releases.key, '-r', 'targets/releases']));
    ok(await notary(['key', 'import', qa.key, '-r', 'targets/qa']));
    ok(await notary(['delegation', 'add', gun, 'targets/releases', releases.cert, '--all-paths']));
    ok(await notary(['delegation', 'add', gun, 'targets/qa', qa.cert, '--paths', 'qa/', '-p']));
    const file = (name: string, content: string) => {
      const p = path.join(notary.workDir, name);
      return writeFile(p, content).then(() => p);
    };
    ok(await notary(['add', gun, 'v1.0', await file('a.txt', 'hello\n'), '-r', 'targets/releases']));
    ok(await notary(['add', gun, 'admin', await file('b.txt', 'admin build\n')]));
    ok(await notary(['add', gun, 'qa/nightly', await file('c.txt', 'nightly\n'), '-r', 'targets/qa', '-p']));
  });
  afterAll(() => server?.stop());

  it('lists what `notary list` lists, caching every file byte-identically to notary', async () => {
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    const result = await refresh(gun, { client: clientFor(server), cache: new TrustCache(trustDir), trustPolicy: { tofu: true } });
    expect(result.offline).toBe(false);
    expect(result.warnings).toEqual([]);

    const theirs = listRows(ok(await notary(['list', gun])).stdout);
    const ours = result.view.resolvedTargets().map((t) => ({ name: t.name, digest: t.digest, size: t.meta.length, role: t.role }));
    expect(ours).toEqual(theirs);
    expect(theirs.map((r) => r.name)).toEqual(['admin', 'qa/nightly', 'v1.0']);
    expect(ours.find((t) => t.name === 'v1.0')?.digest).toBe(sha256Hex('hello\n'));

    // The notary CLI cached the same files after its `list`: ours must be the same bytes.
    for (const role of ['root', 'targets', 'snapshot', 'timestamp', 'targets/releases', 'targets/qa']) {
      const file = `${role}.json`;
      const mine = await readFile(path.join(trustDir, 'tuf', gun, 'metadata', file));
      const notarys = await readFile(path.join(notary.trustDir, 'tuf', gun, 'metadata', file));
      expect(mine.equals(notarys), file).toBe(true);
    }
  });

  it('leaves a cache the notary CLI reads, also when the server is unreachable', async () => {
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    await refresh(gun, { client: clientFor(server), cache: new TrustCache(trustDir), trustPolicy: { tofu: true } });
    const expected = listRows(ok(await notary(['list', gun])).stdout);

    const online = notaryCli(trustDir, server.url, server.caFile);
    expect(listRows(ok(await online(['list', gun])).stdout)).toEqual(expected);

    const closedPort = await freePort();
    const offline = notaryCli(trustDir, `https://127.0.0.1:${closedPort}`, server.caFile);
    expect(listRows(ok(await offline(['list', gun])).stdout)).toEqual(expected);

    // …and so do we: offline, from the same cache, with a warning.
    const ours = await refresh(gun, {
      client: clientFor(server, `https://127.0.0.1:${closedPort}`),
      cache: new TrustCache(trustDir),
      trustPolicy: { tofu: true },
    });
    expect(ours.offline).toBe(true);
    expect(ours.warnings[0]).toContain(`cannot reach the trust server at https://127.0.0.1:${closedPort}: ECONNREFUSED`);
    expect(ours.view.resolvedTargets().map((t) => t.name)).toEqual(expected.map((r) => r.name));
  });

  it('publishes a repository made with our own keys that the notary CLI lists; rejections carry the server reason', async () => {
    const ourGun = 'example.com/ours';
    const client = clientFor(server);
    const timestampKey = await client.getServerKey(ourGun, 'timestamp');
    const repo = await MemoryRepo.create(ourGun);
    repo.root.replaceRoleKeys('timestamp', [timestampKey]);
    repo.signRoot();
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    const files = ['root', 'targets', 'snapshot'].map((role) => ({ role, bytes: repo.file(role) }));
    await client.publish(ourGun, files);

    const listed = listRows(ok(await notary(['list', ourGun])).stdout);
    expect(listed).toEqual([{ name: 'v1', digest: repo.targets.targets.get('v1')!.hex('sha256'), size: 1234, role: 'targets' }]);

    // The same targets version again: notary-server refuses it, and we say why.
    await expect(client.publish(ourGun, [{ role: 'targets', bytes: repo.file('targets') }])).rejects.toThrow(
      /^the server rejected the update: /,
    );

    // What we published, remembered in the cache, is not downloaded again.
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    const cache = new TrustCache(trustDir);
    await rememberPublished(ourGun, files, cache);
    const result = await refresh(ourGun, { client, cache, trustPolicy: { tofu: true } });
    expect(result.view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
    expect(await cache.read(ourGun, 'targets')).toEqual(repo.file('targets'));

    await client.deleteRepository(ourGun);
    await expect(client.getMetadata(ourGun, 'root')).rejects.toThrow(`repository ${ourGun} is not initialised on ${server.url}`);
  });

  it('names the cause for an uninitialised repository and for a server whose CA is not trusted', async () => {
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    await expect(
      refresh('example.com/nothing-here', { client: clientFor(server), cache: new TrustCache(trustDir), trustPolicy: { tofu: true } }),
    ).rejects.toThrow(`repository example.com/nothing-here is not initialised on ${server.url}`);
    await expect(
      refresh(gun, { client: new NotaryClient({ baseUrl: server.url }), cache: new TrustCache(trustDir), trustPolicy: { tofu: true } }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^TLS certificate of ${server.url.replace(/\./g, '\\.')} is not trusted: `)),
      hint: { cli: expect.stringContaining('pass --tlscacert') },
    });
  });
});
