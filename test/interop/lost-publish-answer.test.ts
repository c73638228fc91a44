// The server saved an update, but its answer never arrived (a proxy or the network dropped it). The
// key made for that update may be the one the repository now lists: `init` and `key rotate` must keep
// it, or nobody can ever sign the role again.
import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type PkiFiles } from '../helpers/pki.js';
import { makeScratchDirSync } from '../helpers/proc.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const REPO = 'registry.example.com/team/lost-answer';

/** An HTTPS proxy that forwards everything, and for the next POSTs drops the connection once the server answered. */
async function answerDroppingProxy(pki: PkiFiles, upstreamPort: number) {
  const state = { dropPosts: 0 };
  const proxy = https.createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (req, res) => {
    const drop = req.method === 'POST' && state.dropPosts > 0;
    if (drop) state.dropPosts--;
    const upstream = https.request(
      { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers, ca: readFileSync(pki.caCert), servername: 'localhost', agent: false },
      (up) => {
        if (drop) {
          up.resume();
          up.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`, state, close: () => new Promise<void>((resolve) => proxy.close(() => resolve())) };
}

describe('an answer lost after the server saved the update', () => {
  let pki: PkiFiles;
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof answerDroppingProxy>>;
  let tt: TrustTuiRunner;
  const direct = (args: string[]) => tt([...args, '--server', server.url, '--tlscacert', pki.caCert]);
  const viaProxy = (args: string[]) => tt([...args, '--server', proxy.url, '--tlscacert', pki.caCert]);
  const keyFiles = () => readdirSync(path.join(tt.trustDir, 'private')).sort();

  beforeAll(async () => {
    pki = await makePki(path.join(makeScratchDirSync('lost-answer'), 'pki'));
    server = await startTestServer({ tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    proxy = await answerDroppingProxy(pki, new URL(server.url).port === '' ? 443 : Number(new URL(server.url).port));
    tt = trustTui();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('init keeps the repository key, and the repository can be signed afterwards', async () => {
    proxy.state.dropPosts = 1;
    const init = await viaProxy(['init', REPO]);
    expect(init.code, init.stderr).toBe(1);
    expect(init.stderr).toMatch(/the new repository key [0-9a-f]+ is kept: the server may have saved the update of .* before the error/);
    // The server did save it; this host can sign into it with the key it kept.
    const sign = await direct(['sign', `${REPO}:v1`, '--digest', `sha256:${'a'.repeat(64)}`, '--size', '1']);
    expect(sign.code, sign.stderr).toBe(0);
  });

  it('key rotate targets keeps the new key, and a second rotation works', async () => {
    const before = keyFiles();
    proxy.state.dropPosts = 1;
    const lost = await viaProxy(['key', 'rotate', 'targets', REPO, '-y']);
    expect(lost.code, lost.stderr).toBe(1);
    expect(lost.stderr).toMatch(/the new targets key [0-9a-f]+ is kept/);
    expect(keyFiles()).toHaveLength(before.length + 1);
    const again = await direct(['key', 'rotate', 'targets', REPO, '-y']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a refusal by the server still leaves no key behind', async () => {
    const before = keyFiles();
    const refused = await direct(['init', REPO]);
    expect(refused.code).not.toBe(0);
    expect(keyFiles()).toEqual(before);
  });
});
