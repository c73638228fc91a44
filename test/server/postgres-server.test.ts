// `trust-tui server` on PostgreSQL: servers on one database act as replicas of one server (publish
// through one, read through another; keys made once; renewals that do not fork), TLS to the database,
// and the command line's --database / --migrate-only as an operator runs them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustService } from '../../src/server/service.js';
import { Keyring } from '../../src/server/signer.js';
import { CachedStorage } from '../../src/server/stores/cached.js';
import pgDriver from 'pg';
import { PostgresStorage } from '../../src/server/stores/postgres.js';
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/server/stores/postgres-migrations.js';
import { PublicKey } from '../../src/tuf/key.js';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import { GoTime } from '../../src/tuf/time.js';
import { stopAllPeers } from '../helpers/peers.js';
import { makePki } from '../helpers/pki.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { httpRequest } from '../helpers/http.js';
import { freePort, waitUntil } from '../helpers/ports.js';
import { makeScratchDirSync, startPeerProcess } from '../helpers/proc.js';
import { CLI, trustTui } from '../helpers/trust-tui.js';
import { TestRepo } from './repo-fixture.js';
import { startTestServer, TEST_SERVER_PASSPHRASE, type TestServer } from './server-harness.js';

afterAll(stopAllPeers);

const DAY = 86_400;

describe('two servers on one PostgreSQL database', () => {
  let pg: PostgresCluster;
  let url: string;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('replicas');
    a = await startTestServer({ database: { url } });
    b = await startTestServer({ database: { url } });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('a publish through one is served by the other, byte for byte, with one change feed', async () => {
    const gun = 'example.com/pg/app';
    const [keyA, keyB] = await Promise.all([a.timestampKey(gun), b.timestampKey(gun)]);
    // Asked of both at once, the replicas made one key between them.
    expect(keyB.id).toBe(keyA.id);
    const repo = await TestRepo.create(gun, keyA);
    const files = repo.firstPublish();
    const published = await a.publish(gun, files);
    expect(published.status, published.text()).toBe(200);
    for (const { role, data } of files) {
      const res = await b.request('GET', `/v2/${gun}/_trust/tuf/${role}.json`);
      expect(res.status).toBe(200);
      expect(Buffer.from(res.body).equals(data)).toBe(true);
    }
    const timestampA = await a.request('GET', `/v2/${gun}/_trust/tuf/timestamp.json`);
    const timestampB = await b.request('GET', `/v2/${gun}/_trust/tuf/timestamp.json`);
    expect(timestampB.text()).toBe(timestampA.text());
    const feedA = await a.request('GET', '/v2/_trust/changefeed?change_id=0&records=10');
    const feedB = await b.request('GET', '/v2/_trust/changefeed?change_id=0&records=10');
    expect(feedB.json()).toEqual(feedA.json());

    // Deleted through b: a stops serving it at once, by name and by checksum.
    const snapshot = await a.request('GET', `/v2/${gun}/_trust/tuf/snapshot.json`);
    expect(snapshot.status).toBe(200);
    const sha = (await import('node:crypto')).createHash('sha256').update(snapshot.body).digest('hex');
    expect((await a.request('GET', `/v2/${gun}/_trust/tuf/snapshot.${sha}.json`)).status).toBe(200);
    expect((await b.request('DELETE', `/v2/${gun}/_trust/tuf/`)).status).toBe(200);
    expect((await a.request('GET', `/v2/${gun}/_trust/tuf/snapshot.${sha}.json`)).status).toBe(404);
    expect((await a.request('GET', `/v2/${gun}/_trust/tuf/timestamp.json`)).status).toBe(404);
  });

  it('concurrent publishes of one version through both: one is accepted, the rest get VERSION', async () => {
    const gun = 'example.com/pg/race';
    const repo = await TestRepo.create(gun, await a.timestampKey(gun));
    const files = repo.firstPublish();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).publish(gun, files)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    for (const r of results.filter((r) => r.status === 400)) expect(r.text()).toContain('VERSION');
    // A lost race is the client's business, not a database error.
    for (const server of [a, b]) expect((await server.request('GET', '/metrics')).text()).toMatch(/^trust_tui_db_errors_total 0$/m);
  });

  it('readiness and health reflect the database', async () => {
    expect((await a.request('GET', '/_notary_server/health')).status).toBe(200);
    expect((await a.request('GET', '/_notary_server/ready')).status).toBe(200);
  });

  it('two replicas renewing an expired timestamp at once store one new version, and both serve it', async () => {
    const gun = 'example.com/pg/renew';
    let now = GoTime.now();
    const replicas = await Promise.all(
      [0, 1].map(async () => {
        const { storage } = await PostgresStorage.open({ connection: { url, poolSize: 4 } });
        const cached = new CachedStorage(storage);
        return { storage: cached, service: new TrustService({ storage: cached, keyring: new Keyring(TEST_SERVER_PASSPHRASE), clock: () => now }) };
      }),
    );
    try {
      const [one, two] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
      const repo = await TestRepo.create(gun, PublicKey.fromJSON(await one.service.serverKey(gun, 'timestamp')));
      const files = repo.firstPublish().map((f) => ({ ...f, version: (JSON.parse(f.data.toString()) as { signed: { version: number } }).signed.version }));
      await one.service.update(gun, files);
      // Warm both replicas' caches, then let the timestamp expire (notary's is valid 14 days).
      await Promise.all([one.service.currentMetadata(gun, 'timestamp'), two.service.currentMetadata(gun, 'timestamp')]);
      now = now.plusSeconds(15 * DAY);
      const reads = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).service.currentMetadata(gun, 'timestamp')));
      expect(new Set(reads.map((r) => r?.sha256)).size).toBe(1);
      expect(parseMetadata(reads[0]!.data, 'timestamp').signed.version).toBe(2);
      expect(await one.storage.getVersion(gun, 'timestamp', 3)).toBeUndefined();
      const feed = await two.storage.changes({ gun, changeId: 0, records: 10, reverse: false });
      expect(feed.map((c) => c.version)).toEqual([1, 2]);
    } finally {
      await Promise.all(replicas.map((r) => r.storage.close()));
    }
  });
});

describe('TLS to PostgreSQL', () => {
  let pg: PostgresCluster;
  let url: string;
  let caFile: string;
  let otherCaFile: string;

  beforeAll(async () => {
    const dir = makeScratchDirSync('pg-pki');
    const pki = await makePki(path.join(dir, 'db'));
    const otherPki = await makePki(path.join(dir, 'other'));
    caFile = pki.caCert;
    otherCaFile = otherPki.caCert;
    pg = await startPostgres({ tls: { cert: pki.serverCert, key: pki.serverKey } });
    url = await pg.createDatabase('tls');
  });

  it('works with sslmode=verify-full and the database CA, over an encrypted connection', async () => {
    const server = await startTestServer({ database: { url: `${url}?sslmode=verify-full`, ca: readFileSync(caFile) } });
    try {
      const gun = 'example.com/pg/tls';
      const repo = await TestRepo.create(gun, await server.timestampKey(gun));
      expect((await server.publish(gun, repo.firstPublish())).status).toBe(200);
      const encrypted = await pg.psql("SELECT COUNT(*) AS n FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND application_name = 'trust-tui server'");
      expect(Number(/^\s*(\d+)\s*$/m.exec(encrypted.stdout)?.[1])).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start with a CA that did not sign the database certificate: one line, no password', async () => {
    const start = startTestServer({ database: { url: `${url}?sslmode=verify-full`, ca: readFileSync(otherCaFile) } });
    const error = await start.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^cannot use the database postgres:\/\/trust:\*\*\*@127\.0\.0\.1:\d+\/tls\?sslmode=verify-full: .*not trusted; pass the CA that signed it with --database-ca/);
    expect(error?.message).not.toContain(pg.password);
    expect(error?.message).not.toContain('\n');
  });
});

describe('trust-tui server --database, as an operator runs it', () => {
  let pg: PostgresCluster;

  beforeAll(async () => {
    pg = await startPostgres();
  });

  it('--migrate-only applies the schema once, then says it is up to date; the URL may come from the environment', async () => {
    const url = await pg.createDatabase('operator');
    const cli = trustTui();
    const first = await cli(['server', '--migrate-only', '--database', url]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied migration 1: /m);
    const again = await cli(['server', '--migrate-only', '--json'], { env: { TRUST_TUI_DATABASE_URL: url } });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
    const tables = await pg.psql('SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1', 'operator');
    // Nothing that could clash with notary-server's tables in the same database.
    expect(tables.stdout).not.toMatch(/^\s*(tuf_files|changefeed|schema_migrations)\s*$/m);
    expect(tables.stdout).toMatch(/^\s*trust_tuf_files\s*$/m);
  });

  it('migrations apply in order, all or nothing: a failing one leaves the database as it was', async () => {
    const url = await pg.createDatabase('migrations');
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try {
      const next = { version: LATEST_SCHEMA_VERSION + 1, name: 'a later table', sql: 'CREATE TABLE trust_later (id INTEGER)' };
      const broken = { version: LATEST_SCHEMA_VERSION + 2, name: 'broken', sql: 'ALTER TABLE trust_missing ADD COLUMN x INTEGER' };
      await expect(applyMigrations(client, [...MIGRATIONS, next, broken])).rejects.toThrow(/trust_missing/);
      const none = await client.query("SELECT to_regclass('trust_schema_migrations') AS t, to_regclass('trust_tuf_files') AS f");
      expect(none.rows[0]).toEqual({ t: null, f: null });
      expect((await applyMigrations(client, [...MIGRATIONS, next])).map((m) => m.version)).toEqual([...MIGRATIONS.map((m) => m.version), next.version]);
      expect(await applyMigrations(client, [...MIGRATIONS, next])).toEqual([]);
      const applied = await client.query('SELECT version FROM trust_schema_migrations ORDER BY version');
      expect(applied.rows.map((r: { version: number }) => r.version)).toEqual([...MIGRATIONS.map((m) => m.version), next.version]);
    } finally {
      await client.end();
    }
  });

  it('--workers 2 with TRUST_TUI_DATABASE_URL: every worker serves the one key, the password is nowhere in ps or the log', async () => {
    const url = await pg.createDatabase('workers');
    const dataDir = makeScratchDirSync('pg-workers');
    const port = await freePort();
    const server = startPeerProcess('trust-tui server', process.execPath, [CLI, 'server', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--workers', '2'], {
      env: { TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE, TRUST_TUI_DATABASE_URL: url },
    });
    try {
      await waitUntil('the server to listen', async () => server.hasExited() || server.logs().includes('trust-tui server is listening'), { timeoutMs: 60_000, intervalMs: 100 });
      expect(server.hasExited(), server.logs()).toBe(false);
      const caFile = path.join(dataDir, 'tls', 'ca.crt');
      const keys = await Promise.all(
        Array.from({ length: 6 }, () => httpRequest(`https://127.0.0.1:${port}/v2/example.com/pg/workers/_trust/tuf/timestamp.key`, { caFile })),
      );
      expect(keys.map((k) => k.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(new Set(keys.map((k) => k.text())).size).toBe(1);
      expect(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8')).not.toContain(pg.password);
      process.kill(server.pid, 'SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.logs()).toMatch(/listening on .* \(data in the database postgres:\/\/trust:\*\*\*@127\.0\.0\.1:\d+\/workers\)/);
      expect(server.logs()).not.toContain(pg.password);
    } finally {
      await server.stop();
    }
  });

  it('a wrong password: exit 1, one line naming the database without the password', async () => {
    const url = (await pg.createDatabase('wrongpw')).replace(`:${pg.password}@`, ':not-the-password@');
    const r = await trustTui()(['server', '--listen', '127.0.0.1:0', '--database', url], { env: { TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot use the database postgres:\/\/trust:\*\*\*@127\.0\.0\.1:\d+\/wrongpw: password authentication failed .*check the user and password/);
    expect(r.stderr + r.stdout).not.toContain('not-the-password');
  });
});

describe('when the database goes away', () => {
  it('health and readiness answer 503 within seconds, a publish gets UPDATING, /metrics counts the errors', async () => {
    const pg = await startPostgres();
    const server = await startTestServer({ database: { url: await pg.createDatabase('outage') } });
    try {
      const gun = 'example.com/pg/outage';
      const repo = await TestRepo.create(gun, await server.timestampKey(gun));
      const before = (await server.request('GET', '/metrics')).text();
      expect(before).toMatch(/^trust_tui_db_pool_total [1-9]/m);
      expect(before).toMatch(/^trust_tui_db_errors_total 0$/m);

      await pg.stop();
      const started = Date.now();
      const health = await server.request('GET', '/_notary_server/health');
      expect(health.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(10_000);
      await new Promise((r) => setTimeout(r, 1_100)); // past the readiness probe's one-second reuse
      expect((await server.request('GET', '/_notary_server/ready')).status).toBe(503);
      const publish = await server.publish(gun, repo.firstPublish());
      expect(publish.status).toBeGreaterThanOrEqual(500);
      expect(publish.text()).toContain('UPDATING');
      expect((await server.request('GET', '/metrics')).text()).toMatch(/^trust_tui_db_errors_total [1-9]/m);
    } finally {
      await server.stop();
    }
  });
});
