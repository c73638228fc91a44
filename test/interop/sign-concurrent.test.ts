/**
 * Several `sign` commands on one repository at once (CI jobs releasing images in parallel): the
 * server takes one targets version at a time and refuses the others with 400 VERSION; each refused
 * sign reads the repository again and signs its tag into what is there now, so every tag lands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { notaryCli, makeScratchDir, stopAllPeers } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const REPO = 'registry.example.com/team/parallel';
const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const SIGNERS = 6;

describe('parallel signs of one repository', () => {
  let server: TestServer;
  let tt: TrustTuiRunner;

  beforeAll(async () => {
    server = await startTestServer();
    tt = trustTui({ env: { DOCKER_CONTENT_TRUST_SERVER: server.url } });
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile!]));
    ok(await tt(['init', REPO]));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await stopAllPeers();
  });

  it('in a 2-of-2 repository: one sign opens the request, the others are refused with nothing published', async () => {
    const gun = 'registry.example.com/team/parallel-k-of-n';
    const bob = trustTui({ env: { DOCKER_CONTENT_TRUST_SERVER: server.url } });
    ok(await bob(['key', 'generate', 'bob', '--dir', bob.workDir]));
    ok(await tt(['init', gun, '--signer', 'alice']));
    ok(await tt(['signer', 'add', gun, 'bob', '--key', `${bob.workDir}/bob.pub`, '--threshold', '2']));
    const runs = await Promise.all([1, 2, 3, 4].map((i) => tt(['sign', `${gun}:r${i}`, '--digest', DIGEST(i), '--size', String(i)])));
    const opened = runs.filter((r) => r.code === 8);
    expect(opened, runs.map((r) => `${r.code} ${r.stderr}`).join('\n')).toHaveLength(1);
    for (const r of runs.filter((x) => x.code !== 8)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^trust-tui: r\d was not signed: .*already open.*nothing was published/);
    }
    // Only the tag whose request is open is in alice's own role: none is signed there alone.
    const alice = await server.request('GET', `/v2/${gun}/_trust/tuf/targets/alice.json`);
    const tags = Object.keys((alice.json() as { signed: { targets: Record<string, unknown> } }).signed.targets);
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatch(/^r[1-4]$/);
  });

  it(`${SIGNERS} at once all succeed, and every tag is signed`, async () => {
    const runs = await Promise.all(Array.from({ length: SIGNERS }, (_, i) => tt(['sign', `${REPO}:v${i + 1}`, '--digest', DIGEST(i + 1), '--size', String(100 + i)])));
    for (const [i, r] of runs.entries()) expect([i, r.code, r.stderr]).toEqual([i, 0, '']);
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile!);
    const listed = ok(await notary(['list', REPO])).stdout;
    for (let i = 1; i <= SIGNERS; i++) expect(listed).toMatch(new RegExp(`^v${i}\\s+${DIGEST(i).slice(7)}\\s`, 'm'));
  });
});
