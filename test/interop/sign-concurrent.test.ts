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

  it(`${SIGNERS} at once all succeed, and every tag is signed`, async () => {
    const runs = await Promise.all(Array.from({ length: SIGNERS }, (_, i) => tt(['sign', `${REPO}:v${i + 1}`, '--digest', DIGEST(i + 1), '--size', String(100 + i)])));
    for (const [i, r] of runs.entries()) expect([i, r.code, r.stderr]).toEqual([i, 0, '']);
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile!);
    const listed = ok(await notary(['list', REPO])).stdout;
    for (let i = 1; i <= SIGNERS; i++) expect(listed).toMatch(new RegExp(`^v${i}\\s+${DIGEST(i).slice(7)}\\s`, 'm'));
  });
});
