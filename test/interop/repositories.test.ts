/**
 * The Repositories screen's list: watched repositories, the local trust cache, and what the
 * configured servers' change feeds report (here the real notary-server's), each refreshed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustServices } from '../../src/state/trust-services.js';
import { ok } from '../helpers/expect.js';
import { startNotaryServer, stopAllPeers, type NotaryServer } from '../helpers/peers.js';
import { trustTui } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

describe('repositories this host can see', () => {
  let server: NotaryServer;
  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    const owner = trustTui();
    ok(await owner(['config', 'server', 'registry.example.com/team/*', server.url, '--ca', server.caFile]));
    for (const repo of ['registry.example.com/team/one', 'registry.example.com/team/two', 'registry.example.com/team/gone']) {
      ok(await owner(['sign', `${repo}:v1`, '--digest', `sha256:${'ab'.repeat(32)}`, '--size', '5', '--json']));
    }
    ok(await owner(['revoke', 'registry.example.com/team/gone', '-y']));
  });

  it('a fresh host lists the repositories the server feed reports (not deleted ones), with counts', async () => {
    const fresh = trustTui();
    ok(await fresh(['config', 'server', 'registry.example.com/team/*', server.url, '--ca', server.caFile]));
    const services = createTrustServices({ trustDir: fresh.trustDir, configDir: fresh.configDir, env: {} });
    const rows = await services.listRepositories();
    expect(rows.map((r) => [r.gun, r.source, r.state, r.tagCount])).toEqual([
      ['registry.example.com/team/one', 'changefeed', 'online', 1],
      ['registry.example.com/team/two', 'changefeed', 'online', 1],
    ]);
    // Once read, they are in this host's cache too.
    await services.updateConfig({ kind: 'watch', gun: 'registry.example.com/team/one' });
    const again = await services.listRepositories();
    expect(again.find((r) => r.gun === 'registry.example.com/team/one')?.source).toBe('watched');
    expect(again.find((r) => r.gun === 'registry.example.com/team/two')?.source).toBe('cache');
  });
});
