import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import { TestRepo } from './repo-fixture.js';
import { errorOf, startTestServer, type TestServer } from './server-harness.js';

const GUN = 'example.com/team/app';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('trust-tui server over HTTPS', () => {
  let server: TestServer;
  let repo: TestRepo;
  let published: { role: string; data: Buffer }[];

  beforeAll(async () => {
    server = await startTestServer({ maxUploadBytes: 256 * 1024 });
    repo = await TestRepo.create(GUN, await server.timestampKey(GUN));
    published = repo.firstPublish();
    const res = await server.publish(GUN, published);
    expect(res.status, res.text()).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers the ping and the health check as notary-server', async () => {
    const ping = await server.request('GET', '/v2/');
    expect([ping.status, ping.text(), ping.headers['content-type']]).toEqual([200, '{}', 'text/plain; charset=utf-8']);
    const health = await server.request('GET', '/_notary_server/health');
    expect([health.status, health.text(), health.headers['content-type']]).toEqual([200, '{}', 'application/json; charset=utf-8']);
  });

  it('serves the stored bytes unchanged with notary cache headers', async () => {
    for (const { role, data } of published) {
      const res = await server.request('GET', `/v2/${GUN}/_trust/tuf/${role}.json`);
      expect(res.status).toBe(200);
      expect(res.body.equals(data)).toBe(true);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=300, s-maxage=300, must-revalidate');
      expect(res.headers['last-modified']).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d UTC$/);
    }
    const root = published[0]!.data;
    const byHash = await server.request('GET', `/v2/${GUN}/_trust/tuf/root.${sha256(root)}.json`);
    expect(byHash.body.equals(root)).toBe(true);
    expect(byHash.headers['cache-control']).toBe('public, max-age=2592000, s-maxage=2592000');
    const byVersion = await server.request('GET', `/v2/${GUN}/_trust/tuf/1.root.json`);
    expect(byVersion.body.equals(root)).toBe(true);
    expect(byVersion.headers['cache-control']).toBe('public, max-age=2592000, s-maxage=2592000');
    // The checksum is per role (notary's memory store ignored it).
    expect((await server.request('GET', `/v2/${GUN}/_trust/tuf/targets.${sha256(root)}.json`)).status).toBe(404);
  });

  it('makes the timestamp over the stored snapshot, signed with the key GET timestamp.key returned', async () => {
    const res = await server.request('GET', `/v2/${GUN}/_trust/tuf/timestamp.json`);
    const timestamp = parseMetadata(res.body, 'timestamp');
    expect(timestamp.signed.snapshotMeta.hex('sha256')).toBe(sha256(published[2]!.data));
    expect(timestamp.signatures[0]?.keyid).toBe((await server.timestampKey(GUN)).id);
  });

  it('sends large files gzip-compressed to clients that ask (as Go clients do), the same bytes once unpacked', async () => {
    const gun = 'example.com/many-tags';
    const big = await TestRepo.create(gun, await server.timestampKey(gun), await server.snapshotKey(gun));
    for (let i = 0; i < 1000; i++) big.addTarget(`release-${i}`);
    const [root, targets] = big.firstPublish();
    expect((await server.publish(gun, [root!, targets!])).status).toBe(200);
    const url = `/v2/${gun}/_trust/tuf/targets.json`;

    const compressed = await server.request('GET', url, { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(compressed.headers['content-encoding']).toBe('gzip');
    expect(compressed.headers.vary).toBe('Accept-Encoding');
    expect(compressed.body.length).toBeLessThan(targets!.data.length * 0.7);
    expect(gunzipSync(compressed.body).equals(targets!.data)).toBe(true);

    for (const accept of [undefined, 'gzip;q=0', 'br']) {
      const plain = await server.request('GET', url, { headers: accept ? { 'accept-encoding': accept } : {} });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.equals(targets!.data)).toBe(true);
    }
    // Small files are never compressed.
    const small = await server.request('GET', `/v2/${gun}/_trust/tuf/root.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('answers 404 METADATA_NOT_FOUND with notary error bodies', async () => {
    const missing = await server.request('GET', `/v2/${GUN}/_trust/tuf/targets/none.json`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(missing.text()).toBe(
      '{"errors":[{"code":"METADATA_NOT_FOUND","message":"You have requested metadata that does not exist.","detail":{}}]}\n',
    );
    const unknownRoute = await server.request('PUT', '/nothing/here');
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.text()).toBe('{"errors":[{"code":"METADATA_NOT_FOUND","message":"You have requested metadata that does not exist."}]}\n');
    // sha512-length checksums match the route but are not indexed (as notary).
    expect((await server.request('GET', `/v2/${GUN}/_trust/tuf/root.${'a'.repeat(128)}.json`)).status).toBe(404);
  });

  it('returns the same pending timestamp key before a root exists, a new one on POST (notary makes a new key per GET)', async () => {
    const gun = 'example.com/fresh';
    const first = await server.timestampKey(gun);
    expect((await server.timestampKey(gun)).id).toBe(first.id);
    const res = await server.request('GET', `/v2/${gun}/_trust/tuf/timestamp.key`);
    expect(res.text()).toBe(`{"keytype":"ecdsa","keyval":{"public":"${first.publicB64}","private":null}}`);
    const rotated = await server.request('POST', `/v2/${gun}/_trust/tuf/timestamp.key`);
    expect(rotated.status).toBe(200);
    expect((rotated.json() as { keyval: { public: string } }).keyval.public).not.toBe(first.publicB64);
  });

  it('keeps serving the key the current root lists while a rotation is pending', async () => {
    const listed = await server.timestampKey(GUN);
    expect(listed.id).toBe(repo.root.role('timestamp').keyIds[0]);
    const pending = await server.request('POST', `/v2/${GUN}/_trust/tuf/timestamp.key`);
    expect(pending.status).toBe(200);
    expect((await server.timestampKey(GUN)).id).toBe(listed.id);
  });

  it('records each timestamp in the change feed', async () => {
    const res = await server.request('GET', `/v2/${GUN}/_trust/changefeed?records=10`);
    const body = res.json() as { count: number; records: { GUN: string; Version: number; Category: string; SHA256: string }[] };
    expect(body.count).toBe(1);
    expect(body.records[0]).toMatchObject({ GUN, Version: 1, Category: 'update' });
    const noRecords = await server.request('GET', `/v2/${GUN}/_trust/changefeed`);
    expect([noRecords.status, errorOf(noRecords).code]).toEqual([400, 'INVALID_PARAMETERS']);
  });

  describe('malformed requests change nothing', () => {
    const boundary = 'b0undary';
    const multipart = (parts: { name?: string; filename?: string; data: string | Buffer }[]) => {
      const chunks: Buffer[] = [];
      for (const p of parts) {
        const disposition = `form-data; name="${p.name ?? 'files'}"` + (p.filename === undefined ? '' : `; filename="${p.filename}"`);
        chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(p.data), Buffer.from('\r\n'));
      }
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
      return Buffer.concat(chunks);
    };
    const post = (body: Buffer | string, contentType = `multipart/form-data; boundary=${boundary}`, gunPath = GUN) =>
      server.request('POST', `/v2/${gunPath}/_trust/tuf/`, { body, headers: { 'content-type': contentType } });

    /** Runs the request and checks status, code, and that every stored file is unchanged (DB and HTTP). */
    async function expectRefused(send: () => Promise<{ status: number; json(): unknown }>, status: number, code: string) {
      const before = server.dump();
      const currentBefore = await Promise.all(published.map((p) => server.request('GET', `/v2/${GUN}/_trust/tuf/${p.role}.json`)));
      const res = await send();
      expect(res.status).toBe(status);
      expect(errorOf(res as never).code).toBe(code);
      expect(server.dump()).toEqual(before);
      for (const [i, p] of published.entries()) {
        const after = await server.request('GET', `/v2/${GUN}/_trust/tuf/${p.role}.json`);
        expect(after.body.equals(currentBefore[i]!.body)).toBe(true);
      }
      return res;
    }

    it('a body that is not multipart: MALFORMED_UPLOAD', async () => {
      await expectRefused(() => post('{"signed":{}}', 'application/json'), 400, 'MALFORMED_UPLOAD');
    });

    it('broken multipart framing: MALFORMED_UPLOAD', async () => {
      await expectRefused(() => post(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="targets"\r\n\r\n{}`), 400, 'MALFORMED_UPLOAD');
    });

    it('a part that is not JSON: MALFORMED_JSON', async () => {
      await expectRefused(() => post(multipart([{ filename: 'targets', data: '{"signed":' }])), 400, 'MALFORMED_JSON');
    });

    it('a part for an unknown role: INVALID_ROLE with the role as detail', async () => {
      const res = await expectRefused(() => post(multipart([{ filename: 'foo', data: '{}' }])), 400, 'INVALID_ROLE');
      expect(errorOf(res as never).detail).toBe('foo');
    });

    it('a part without a file name: NO_FILENAME', async () => {
      await expectRefused(() => post(multipart([{ filename: '', data: '{}' }])), 400, 'NO_FILENAME');
    });

    it('a bad signature: INVALID_UPDATE (ErrBadTargets)', async () => {
      const other = await TestRepo.create(GUN, await server.timestampKey(GUN));
      other.targets.setVersion(9);
      const res = await expectRefused(() => server.publish(GUN, [{ role: 'targets', data: other.signTargets() }]), 400, 'INVALID_UPDATE');
      expect(errorOf(res as never).detail).toMatchObject({ Name: 'ErrBadTargets' });
    });

    it('an old version: VERSION', async () => {
      const targets = repo.signTargets(); // still version 2, as stored
      const snapshot = repo.signSnapshot({ root: published[0]!.data, targets });
      await expectRefused(
        () => server.publish(GUN, [{ role: 'targets', data: targets }, { role: 'snapshot', data: snapshot }]),
        400,
        'VERSION',
      );
    });

    it('a body over the size limit: UPLOAD_TOO_LARGE with a message the CLIs show', async () => {
      const big = multipart([{ filename: 'targets', data: Buffer.alloc(300 * 1024, 0x20) }]);
      const res = await expectRefused(() => post(big), 400, 'UPLOAD_TOO_LARGE');
      expect(errorOf(res as never).detail).toMatchObject({ Name: 'ErrValidation' });
    });

    it('a GUN with "..": INVALID_GUN on POST, 404 on GET', async () => {
      const body = multipart([{ filename: 'targets', data: '{}' }]);
      const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
      await expectRefused(() => server.rawRequest('POST', '/v2/example.com/../app/_trust/tuf/', body, headers), 400, 'INVALID_GUN');
      await expectRefused(() => server.rawRequest('POST', '/v2/example.com/%2e%2e/app/_trust/tuf/', body, headers), 400, 'INVALID_GUN');
      await expectRefused(() => server.rawRequest('GET', '/v2/example.com/../app/_trust/tuf/root.json'), 404, 'METADATA_NOT_FOUND');
      await expectRefused(() => server.rawRequest('GET', '/v2/a//b/_trust/tuf/root.json'), 404, 'METADATA_NOT_FOUND');
    });

    it('a GUN with control characters: INVALID_GUN', async () => {
      await expectRefused(() => post(multipart([{ filename: 'targets', data: '{}' }]), undefined, 'example.com/a%0Ab'), 400, 'INVALID_GUN');
      await expectRefused(() => server.request('GET', '/v2/example.com/a%01b/_trust/tuf/timestamp.key'), 404, 'METADATA_NOT_FOUND');
    });

    it('an unknown route: 404', async () => {
      await expectRefused(() => server.request('POST', `/v2/${GUN}/_trust/tuf/root.json`), 404, 'METADATA_NOT_FOUND');
      await expectRefused(() => server.request('GET', `/v2/${GUN}/_trust/tuf/targets.key`), 404, 'METADATA_NOT_FOUND');
    });
  });

  it('two concurrent publishes of the same version: one succeeds, the other gets VERSION', async () => {
    repo.addTarget('race');
    repo.bump(repo.targets, 'targets');
    const targets = repo.signTargets();
    const snapshot = repo.signSnapshot({ root: published[0]!.data, targets });
    const files = [
      { role: 'targets', data: targets },
      { role: 'snapshot', data: snapshot },
    ];
    const results = await Promise.all([server.publish(GUN, files), server.publish(GUN, files)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(errorOf(results.find((r) => r.status === 400)!).code).toBe('VERSION');
    published[1] = files[0]!;
    published[2] = files[1]!;
  });

  it('deletes one repository; the server keys stay', async () => {
    const gun = 'example.com/deleted';
    const key = await server.timestampKey(gun);
    const r = await TestRepo.create(gun, key);
    expect((await server.publish(gun, r.firstPublish())).status).toBe(200);
    const del = await server.request('DELETE', `/v2/${gun}/_trust/tuf/`);
    expect([del.status, del.text()]).toEqual([200, '']);
    expect((await server.request('GET', `/v2/${gun}/_trust/tuf/root.json`)).status).toBe(404);
    expect((await server.timestampKey(gun)).id).toBe(key.id);
    // Another repository is untouched.
    expect((await server.request('GET', `/v2/${GUN}/_trust/tuf/root.json`)).status).toBe(200);
    const feed = (await server.request('GET', `/v2/${gun}/_trust/changefeed?records=10`)).json() as { records: { Category: string }[] };
    expect(feed.records.map((c) => c.Category)).toEqual(['update', 'deletion']);
  });

  it('logs one line per request', () => {
    expect(server.logs.some((l) => /^\S+Z 127\.0\.0\.1 - "GET \/v2\/" 200 2 [\d.]+ms$/.test(l))).toBe(true);
    expect(server.logs.every((l) => !l.includes('\n'))).toBe(true);
  });
});
