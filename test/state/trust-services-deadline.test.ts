// The UI's services reach servers as commands do: one deadline per service call, and a connection
// whose TLS handshake never completes is given up on within it, naming the request.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustServices } from '../../src/state/trust-services.js';

describe('trust services and hanging servers', () => {
  let dir: string;
  let silent: net.Server;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trust-tui-services-deadline-'));
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('listTags gives up within the deadline and names the request that hung', async () => {
    const url = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env: { DOCKER_CONFIG: join(dir, 'docker') }, timeoutMs: 1500 });
    await services.updateConfig({ kind: 'server', prefix: 'registry.example.com/*', url });
    const started = Date.now();
    await expect(services.listTags('registry.example.com/team/app')).rejects.toMatchObject({
      // Reads go out without a /v2/ ping: the first request is the repository's root.json; the
      // listener accepts and never speaks TLS, and the deadline names that step.
      message: `GET ${url}/v2/registry.example.com/team/app/_trust/tuf/root.json: the TLS handshake did not complete within 1.5s`,
      hint: { ui: 'is it a TLS server, and up?' },
    });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("listRequests: a known repository whose pending area hangs is named in the list's note, within seconds", async () => {
    const url = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const trustDir = join(dir, 'trust-requests');
    const services = createTrustServices({ trustDir, configDir: join(dir, 'cfg-requests'), env: { DOCKER_CONFIG: join(dir, 'docker') } });
    await services.updateConfig({ kind: 'server', prefix: 'registry.example.com/*', url });
    // This host found the repository's requests in a pending area before.
    await mkdir(join(trustDir, 'trust-tui', 'requests'), { recursive: true });
    await writeFile(join(trustDir, 'trust-tui', 'requests', 'pending-area-repositories.json'), JSON.stringify({ repositories: ['registry.example.com/team/app'] }));
    const started = Date.now();
    const listed = await services.listRequests();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(listed).toEqual({ rows: [], note: `registry.example.com/team/app: requests not listed (GET ${url}/v2/registry.example.com/team/app/_trust/requests/: the TLS handshake did not complete within 5s)` });
  });
});

