/**
 * A hostile or stale server: a tiny loopback proxy in front of the REAL notary-server rewrites what it
 * serves (tampered, rolled back, oversized). The client must refuse with a one-line reason and leave
 * its cache as it was. Expired metadata is simulated with the injected clock (the server's timestamp
 * lives 14 days).
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { refresh, type RefreshOptions } from '../../src/notary/updater.js';
import {
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type NotaryRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


type Rewrite = (urlPath: string, body: Buffer) => Buffer;

/** Plain-HTTP proxy on 127.0.0.1 forwarding to the notary-server (TLS), passing bodies through `rewrite`. */
async function rewritingProxy(server: NotaryServer): Promise<{ url: string; rewrite: { fn: Rewrite }; close(): Promise<void> }> {
  const ca = readFileSync(server.caFile);
  const rewrite = { fn: ((_p, b) => b) as Rewrite };
  const proxy = http.createServer((req, res) => {
    const upstream = https.request(
      `${server.url}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${server.port}` }, ca, agent: false },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = up.statusCode === 200 ? rewrite.fn(req.url ?? '', Buffer.concat(chunks)) : Buffer.concat(chunks);
          const headers = { ...up.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rewrite,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

async function snapshotOfDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else out[path.relative(dir, p)] = (await readFile(p)).toString('base64');
    }
  };
  await walk(dir);
  return out;
}

describe('a server that serves bad metadata', () => {
  let server: NotaryServer;
  let notary: NotaryRunner;
  let proxy: Awaited<ReturnType<typeof rewritingProxy>>;
  const gun = 'example.com/attacked';

  const addTag = async (tag: string) => {
    const file = path.join(notary.workDir, `${tag}.txt`);
    await writeFile(file, `image ${tag}\n`);
    ok(await notary(['add', gun, tag, file, '-p']));
  };

  async function freshClient(): Promise<{ options: RefreshOptions; trustDir: string }> {
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    const options: RefreshOptions = {
      client: new NotaryClient({ baseUrl: proxy.url }),
      cache: new TrustCache(trustDir),
      trustPolicy: { tofu: true },
    };
    return { options, trustDir };
  }

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    notary = notaryCli(path.join(await makeScratchDir('notary-home'), 'trust'), server.url, server.caFile);
    ok(await notary(['init', gun, '-p']));
    await addTag('v1');
    proxy = await rewritingProxy(server);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('works through the proxy when nothing is rewritten', async () => {
    proxy.rewrite.fn = (_p, b) => b;
    const { options } = await freshClient();
    expect((await refresh(gun, options)).view.releasedTags().map((t) => t.tag)).toEqual(['v1']);
  });

  it('tampered targets: refused, and nothing is cached', async () => {
    const { options, trustDir } = await freshClient();
    // Change the digest of v1 in targets.json: the snapshot's hash no longer matches.
    proxy.rewrite.fn = (p, body) =>
      /\/_trust\/tuf\/targets\.[0-9a-f]{64}\.json$/.test(p) ? Buffer.from(body.toString().replace(/"sha256":"./, '"sha256":"A')) : body;
    await expect(refresh(gun, options)).rejects.toMatchObject({
      name: 'TrustDataRefusedError',
      kind: 'tampered',
      message: expect.stringMatching(/^trust data for example.com\/attacked from http:\/\/127.0.0.1:\d+ was refused: targets: .*checksum does not match/),
    });
    await expect(snapshotOfDir(trustDir)).rejects.toThrow(/ENOENT/); // not even the trust dir was created
  });

  it('rolled-back timestamp: refused after a newer one was seen; the cache is unchanged', async () => {
    proxy.rewrite.fn = (_p, b) => b;
    const { options, trustDir } = await freshClient();
    await refresh(gun, options);
    const oldTimestamp = await readFile(path.join(trustDir, 'tuf', gun, 'metadata', 'timestamp.json'));
    await addTag('v2');
    const seen = await refresh(gun, options);
    expect(seen.view.releasedTags().map((t) => t.tag)).toEqual(['v1', 'v2']);
    const before = await snapshotOfDir(trustDir);

    proxy.rewrite.fn = (p, body) => (p.endsWith('/_trust/tuf/timestamp.json') ? oldTimestamp : body);
    await expect(refresh(gun, options)).rejects.toMatchObject({
      kind: 'rollback',
      message: expect.stringContaining('timestamp: version'),
    });
    expect(await snapshotOfDir(trustDir)).toEqual(before);
  });

  it('oversized timestamp: reading stops at 1 MiB', async () => {
    const { options } = await freshClient();
    proxy.rewrite.fn = (p, body) => (p.endsWith('/timestamp.json') ? Buffer.concat([body, Buffer.alloc(2 << 20, 0x20)]) : body);
    await expect(refresh(gun, options)).rejects.toThrow(/timestamp\.json .* is larger than the 1048576 bytes allowed/);
  });

  it('expired metadata (two weeks later, server not re-signing): refused as a freeze', async () => {
    proxy.rewrite.fn = (_p, b) => b;
    const { options } = await freshClient();
    const later = new Date(Date.now() + 15 * 86_400_000);
    await expect(refresh(gun, { ...options, clock: () => later })).rejects.toMatchObject({
      kind: 'expired',
      message: expect.stringMatching(/timestamp: expired at /),
      hint: { cli: expect.stringMatching(/freeze attack/) },
    });
  });
});
