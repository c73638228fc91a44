// Readiness and failing storage, on the built `trust-tui server` in a child process whose file size
// limit (`ulimit -f`) stands in for a full disk: writes fail, health stays 200, readiness says 503,
// the publish gets notary's UPDATING, and the log has one line, not a stack. Also: clients that hang
// up mid-body and requests the HTTP parser refuses are one log line each.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { PublicKey } from '../../src/tuf/key.js';
import { httpRequest } from '../helpers/http.js';
import { TestRepo } from './repo-fixture.js';
import { errorOf } from './server-harness.js';
import { spawnServer, type SpawnedServer } from './spawned-server.js';

/** Largest file the server process may write, in KiB (bash's `ulimit -f` unit). */
const FILE_LIMIT_KIB = 1024;

describe('readiness and failing storage', () => {
  let server: SpawnedServer;
  let url: string;
  const output = () => server.output();

  beforeAll(async () => {
    // SIGXFSZ ignored (inherited through exec): a write past the limit fails with EFBIG instead.
    // One worker: under `ulimit -f` the probe row still fits in the existing pages, so only the worker
    // whose publish failed knows (on a full disk every worker's probe fails).
    server = await spawnServer(['--workers', '1'], { shellPrefix: `trap '' XFSZ; ulimit -f ${FILE_LIMIT_KIB}` });
    url = server.url;
  }, 30_000);
  afterAll(() => server?.cleanUp());

  it('when writes fail: health 200, readiness 503, the publish UPDATING, one log line without a stack', async () => {
    expect((await httpRequest(`${url}/_notary_server/ready`)).status).toBe(200);
    const gun = 'example.com/full';
    const key = await httpRequest(`${url}/v2/${gun}/_trust/tuf/timestamp.key`);
    const repo = await TestRepo.create(gun, PublicKey.fromJSON(key.json()));
    const publish = (files: { role: string; data: Buffer }[]) => {
      const { body, contentType } = encodeMultipart(files.map((f) => ({ role: f.role, bytes: f.data })));
      return httpRequest(`${url}/v2/${gun}/_trust/tuf/`, { method: 'POST', body, headers: { 'content-type': contentType } });
    };
    const first = repo.firstPublish();
    expect((await publish(first)).status).toBe(200);

    // Each round adds ~300 KB of targets: the database passes the file size limit within a few.
    let failed: Awaited<ReturnType<typeof publish>> | undefined;
    for (let round = 0; round < 10 && !failed; round++) {
      for (let i = 0; i < 2_000; i++) repo.addTarget(`r${round}-tag-${i}`.padEnd(40, 'x'));
      repo.bump(repo.targets, 'targets');
      const targets = repo.signTargets();
      const res = await publish([{ role: 'targets', data: targets }, { role: 'snapshot', data: repo.signSnapshot({ root: first[0]!.data, targets }) }]);
      if (res.status !== 200) failed = res;
    }
    expect(failed, 'the file size limit was never reached').toBeDefined();
    expect([failed!.status, errorOf(failed!).code]).toEqual([500, 'UPDATING']);

    expect((await httpRequest(`${url}/_notary_server/health`)).status).toBe(200);
    const ready = await httpRequest(`${url}/_notary_server/ready`);
    expect([ready.status, errorOf(ready).code]).toEqual([503, 'UPDATING']);
    expect(output().match(/storage write failed/g)).toHaveLength(1);
    expect(output()).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('a client hanging up mid-body and a request the HTTP parser refuses are one log line each', async () => {
    const { hostname, port } = new URL(url);
    const before = output().length;
    // Declares 100 kB, sends 1 kB, hangs up.
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(
          `POST /v2/example.com/gone/_trust/tuf/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n` +
            '--b\r\nContent-Disposition: form-data; name="files"; filename="targets"\r\n\r\n',
        );
        socket.write(Buffer.alloc(1000, 0x7b), () => setTimeout(() => (socket.destroy(), resolve()), 200));
      });
      socket.on('error', reject);
    });
    // Not HTTP at all.
    const refused = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.write('NOT HTTP\r\n\r\n'));
      let answer = '';
      socket.on('data', (c: Buffer) => (answer += c.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
    expect(refused).toMatch(/^HTTP\/1\.1 400 /);
    const deadline = Date.now() + 5_000;
    while (!/disconnected before the request was complete/.test(output().slice(before)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lines = output().slice(before).trim().split('\n');
    expect(lines.filter((l) => l.includes('client disconnected before the request was complete'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('request refused by the HTTP parser'))).toHaveLength(1);
    expect(output().slice(before)).not.toMatch(/^\s+at |internal error/m);
  }, 30_000);
});
