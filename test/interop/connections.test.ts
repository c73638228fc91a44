/**
 * How trust-tui reaches a real notary-server over TLS with a CA the test makes: the CA given for a
 * server is its one trust anchor (`--tlscacert` > `config server --ca` > `$DOCKER_CONFIG/tls/<host>/`),
 * never merged with the others, and `info`'s probes reach servers exactly as commands do.
 */
import { mkdirSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, makePki, makeScratchDir, startNotaryServer, stopAllPeers, type NotaryServer, type PkiFiles } from '../helpers/peers.js';
import { trustTui } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

const REPO = 'registry.example.com/team/anchored';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('the TLS trust anchor of a trust server', () => {
  let server: NotaryServer;
  let wrong: PkiFiles;
  /** A DOCKER_CONFIG whose tls/<host:port>/ca.crt is the server's CA. */
  let dockerConfigWithCa: string;
  /** A DOCKER_CONFIG without any TLS material. */
  let emptyDockerConfig: string;

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    wrong = await makePki(path.join(await makeScratchDir('wrong-ca'), 'pki'));
    dockerConfigWithCa = await makeScratchDir('docker-config-ca');
    const tlsDir = path.join(dockerConfigWithCa, 'tls', new URL(server.url).host);
    mkdirSync(tlsDir, { recursive: true });
    copyFileSync(server.caFile, path.join(tlsDir, 'ca.crt'));
    emptyDockerConfig = await makeScratchDir('docker-config-empty');
  });

  afterAll(stopAllPeers);

  it('a wrong --tlscacert fails, naming that CA, even when the right CA is in the tls directory; nothing is published', async () => {
    const tt = trustTui({ env: { DOCKER_CONFIG: dockerConfigWithCa } });
    const r = await tt(['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '10', '--server', server.url, '--tlscacert', wrong.caCert]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(`TLS certificate of ${server.url} is not trusted`);
    expect(r.stderr).toContain(`--tlscacert ${wrong.caCert}`);
    const served = await httpRequest(`${server.url}/v2/${REPO}/_trust/tuf/root.json`, { caFile: server.caFile });
    expect(served.status).toBe(404);

    // The tls directory alone is the anchor when nothing more explicit is given.
    ok(await tt(['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '10', '--server', server.url]));
  });

  it('a wrong `config server --ca` is not rescued by the tls directory either', async () => {
    const tt = trustTui({ env: { DOCKER_CONFIG: dockerConfigWithCa } });
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', wrong.caCert]));
    const r = await tt(['inspect', REPO]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`the CA ${wrong.caCert} of \`trust-tui config server registry.example.com/*\``);
  });

  describe('global info probes a running server as commands reach it', () => {
    const state = (stdout: string) => JSON.parse(stdout) as {
      environmentServer: { state: string } | null;
      servers: { scope: string; state: string }[];
    };

    it('online when its CA is only in $DOCKER_CONFIG/tls/<host>/', async () => {
      const tt = trustTui({ env: { DOCKER_CONFIG: dockerConfigWithCa, DOCKER_CONTENT_TRUST_SERVER: server.url } });
      ok(await tt(['config', 'server', 'registry.example.com/*', server.url]));
      const info = state(ok(await tt(['--json', 'info'])).stdout);
      expect(info.environmentServer?.state).toBe('online');
      expect(info.servers).toEqual([expect.objectContaining({ scope: 'registry.example.com/*', state: 'online' })]);
    });

    it('online when its CA is only given by --tlscacert', async () => {
      const tt = trustTui({ env: { DOCKER_CONFIG: emptyDockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
      const info = state(ok(await tt(['--json', 'info', '--tlscacert', server.caFile])).stdout);
      expect(info.environmentServer?.state).toBe('online');
      // ...and offline, naming the CA, with a wrong one.
      const wrongInfo = state(ok(await tt(['--json', 'info', '--tlscacert', wrong.caCert])).stdout);
      expect(wrongInfo.environmentServer?.state).toMatch(/^offline: .*--tlscacert/);
    });

    it('online when its CA is only given by `config server --ca`', async () => {
      const tt = trustTui({ env: { DOCKER_CONFIG: emptyDockerConfig } });
      ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile]));
      const info = state(ok(await tt(['--json', 'info'])).stdout);
      expect(info.servers).toEqual([expect.objectContaining({ scope: 'registry.example.com/*', state: 'online' })]);
    });
  });
});
