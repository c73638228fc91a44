// Bounded load on loopback: 50 concurrent clients each publish to their own repository, several
// times, and read back through trust-tui's own client (which verifies everything). No update may be
// lost and every repository must verify at the end. Bounded in count (50 x ROUNDS publishes) and time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { UpdateRejectedError } from '../../src/notary/http-errors.js';
import { refresh } from '../../src/notary/updater.js';
import { defaultExpires } from '../../src/tuf/expiry.js';
import { Envelope, signerFromPrivateKey } from '../../src/tuf/metadata/envelope.js';
import { FileMeta } from '../../src/tuf/metadata/filemeta.js';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import { TestRepo } from './repo-fixture.js';
import { startTestServer, type TestServer } from './server-harness.js';

const CLIENTS = 50;
const ROUNDS = 4;
const TIME_LIMIT_MS = 60_000;

describe('load: 50 concurrent clients on 50 repositories', () => {
  let server: TestServer;
  let scratch: string;
  let client: NotaryClient;

  beforeAll(async () => {
    server = await startTestServer();
    scratch = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-load-'));
    client = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(server.caFile!)] } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** What our client sees after verifying the whole repository from scratch: tag names. */
  async function verifiedTags(gun: string, cacheDir: string): Promise<string[]> {
    const result = await refresh(gun, { client, cache: new TrustCache(cacheDir), trustPolicy: { tofu: true } });
    expect(result.offline).toBe(false);
    return result.view.resolvedTargets().map((t) => t.name).sort();
  }

  async function runClient(index: number): Promise<string[]> {
    const gun = `load.example.com/repo-${index}`;
    // Half keep their snapshot key, half hand it to the server (docker's default).
    const serverSnapshot = index % 2 === 0 ? await server.snapshotKey(gun) : undefined;
    const repo = await TestRepo.create(gun, await server.timestampKey(gun), serverSnapshot);
    const first = repo.firstPublish().filter((f) => !serverSnapshot || f.role !== 'snapshot');
    await client.publish(gun, first.map((f) => ({ role: f.role, bytes: f.data })));
    const root = first[0]!.data;
    const cacheDir = path.join(scratch, `client-${index}`);
    const tags: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const tag = `v${round}`;
      repo.addTarget(tag, `${gun}:${tag}`);
      tags.push(tag);
      repo.bump(repo.targets, 'targets');
      const targets = repo.signTargets();
      const files = [{ role: 'targets', bytes: targets }];
      if (!serverSnapshot) files.push({ role: 'snapshot', bytes: repo.signSnapshot({ root, targets }) });
      await client.publish(gun, files);
      // Read back and verify after every publish: the update must be visible at once.
      expect(await verifiedTags(gun, cacheDir)).toEqual([...tags].sort());
    }
    return tags;
  }

  it('loses no update and every repository verifies', async () => {
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: CLIENTS }, (_, i) => runClient(i)));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`client ${i}: ${String(r.reason)}`] : []));
    expect(failures).toEqual([]);

    // A fresh verification of every repository, after all the load.
    for (let i = 0; i < CLIENTS; i++) {
      const gun = `load.example.com/repo-${i}`;
      expect(await verifiedTags(gun, path.join(scratch, `final-${i}`))).toEqual(['v0', 'v1', 'v2', 'v3']);
      const timestamp = await server.request('GET', `/v2/${gun}/_trust/tuf/timestamp.json`);
      expect((timestamp.json() as { signed: { version: number } }).signed.version).toBe(ROUNDS + 1);
    }
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_MS);
  }, TIME_LIMIT_MS + 30_000);

  it('writers racing on one repository: each loser gets VERSION, retries, and no tag is lost', async () => {
    const gun = 'load.example.com/shared';
    const repo = await TestRepo.create(gun, await server.timestampKey(gun), await server.snapshotKey(gun));
    await client.publish(
      gun,
      repo.firstPublish().filter((f) => f.role !== 'snapshot').map((f) => ({ role: f.role, bytes: f.data })),
    );
    let conflicts = 0;
    const writer = async (tag: string) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        // Read-modify-write as a client does: the current targets, plus one tag, version + 1.
        const current = parseMetadata(await client.getMetadata(gun, 'targets'), 'targets').signed.clone();
        current.addTarget(tag, FileMeta.fromBytes(Buffer.from(tag)));
        current.bumpVersion(defaultExpires('targets'));
        const bytes = Envelope.sign(current, [signerFromPrivateKey(repo.targetsKey)]).raw;
        try {
          await client.publish(gun, [{ role: 'targets', bytes }]);
          return;
        } catch (e) {
          if (!(e instanceof UpdateRejectedError) || e.code !== 'VERSION') throw e;
          conflicts++;
        }
      }
      throw new Error(`${tag}: gave up after 100 conflicts`);
    };
    const tags = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    await Promise.all(tags.map(writer));
    expect(await verifiedTags(gun, path.join(scratch, 'shared'))).toEqual([...tags].sort());
    expect(conflicts).toBeGreaterThan(0); // the race really happened
  });
});
