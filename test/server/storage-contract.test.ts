// The Storage contract (src/server/stores/storage.ts), one suite run against every store: SQLite, and
// PostgreSQL on a real throwaway cluster. Two instances on one database stand for two server processes
// or replicas. A third store passes when this suite passes against it.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedStorage } from '../../src/server/stores/cached.js';
import { PostgresStorage } from '../../src/server/stores/postgres.js';
import { LATEST_SCHEMA_VERSION } from '../../src/server/stores/postgres-migrations.js';
import { SqliteStorage } from '../../src/server/stores/sqlite.js';
import { VersionConflictError, type ServerKeyRecord, type Storage } from '../../src/server/stores/storage.js';
import { stopAllPeers } from '../helpers/peers.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

afterAll(stopAllPeers);

const bytes = (s: string) => Buffer.from(s, 'utf8');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One empty database; open() gives another instance on it (another process, another replica). */
interface Database_ {
  open(): Promise<Storage>;
  /** Marks the database as migrated by a newer trust-tui. */
  makeSchemaNewer(): Promise<void>;
  /** How many schema migrations the database records as applied (SQLite: its user_version). */
  schemaVersion(): Promise<number>;
}

interface StoreFactory {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  fresh(): Promise<Database_>;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'trust-tui-contract-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let databases = 0;

const sqlite: StoreFactory = {
  name: 'SQLite',
  async start() {},
  async stop() {},
  async fresh() {
    const file = path.join(scratch, `db${++databases}`, 'server.sqlite');
    return {
      open: async () => SqliteStorage.open({ file }),
      async makeSchemaNewer() {
        const db = new Database(file);
        db.pragma('user_version = 99');
        db.close();
      },
      async schemaVersion() {
        const db = new Database(file, { readonly: true });
        const v = db.pragma('user_version', { simple: true }) as number;
        db.close();
        return v;
      },
    };
  },
};

let cluster: PostgresCluster | undefined;
const postgres: StoreFactory = {
  name: 'PostgreSQL',
  async start() {
    cluster = await startPostgres();
  },
  async stop() {
    await cluster?.stop();
  },
  async fresh() {
    const name = `contract${++databases}`;
    const url = await cluster!.createDatabase(name);
    return {
      open: async () => (await PostgresStorage.open({ connection: { url, poolSize: 4 } })).storage,
      async makeSchemaNewer() {
        await cluster!.psql("INSERT INTO trust_schema_migrations (version, name) VALUES (999, 'from the future')", name);
      },
      async schemaVersion() {
        const r = await cluster!.psql('SELECT COUNT(*) AS applied FROM trust_schema_migrations', name);
        return Number(/^\s*(\d+)\s*$/m.exec(r.stdout)?.[1]);
      },
    };
  },
};

const key = (gun: string, keyId: string): Omit<ServerKeyRecord, 'createdAt'> => ({
  gun,
  role: 'timestamp',
  keyId,
  keytype: 'ecdsa',
  publicB64: `pub-${keyId}`,
  encryptedPrivateKey: `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${keyId}\n-----END ENCRYPTED PRIVATE KEY-----\n`,
});

describe.each([sqlite, postgres])('Storage contract: $name', (factory) => {
  const open: Storage[] = [];
  /** A fresh database and `n` instances on it. */
  const stores = async (n = 1): Promise<{ db: Database_; all: Storage[] }> => {
    const db = await factory.fresh();
    const all: Storage[] = [];
    for (let i = 0; i < n; i++) all.push(await db.open());
    open.push(...all);
    return { db, all };
  };

  beforeAll(() => factory.start());
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await factory.stop();
  });

  it('keeps every version: the newest is current; versions and checksums find older ones, per role', async () => {
    const { all: [store] } = await stores();
    await store!.transaction((tx) => tx.putMetadata('example.com/app', [{ role: 'root', version: 1, data: bytes('root-1') }]));
    await store!.transaction((tx) => tx.putMetadata('example.com/app', [{ role: 'root', version: 2, data: bytes('root-2') }]));
    expect((await store!.getCurrent('example.com/app', 'root'))?.data.toString()).toBe('root-2');
    expect((await store!.getVersion('example.com/app', 'root', 1))?.data.toString()).toBe('root-1');
    const byChecksum = await store!.getByChecksum('example.com/app', 'root', sha('root-1').toUpperCase());
    expect(byChecksum).toMatchObject({ gun: 'example.com/app', role: 'root', version: 1, sha256: sha('root-1') });
    expect(byChecksum?.createdAt).toBeInstanceOf(Date);
    expect(await store!.getByChecksum('example.com/app', 'targets', sha('root-1'))).toBeUndefined();
    expect(await store!.getVersion('example.com/app', 'root', 3)).toBeUndefined();
    expect(await store!.getCurrent('example.com/other', 'root')).toBeUndefined();
    expect((await store!.getCurrentAll('example.com/other')).size).toBe(0);
  });

  it('returns the newest version of each role of one repository, and a transaction sees its own writes', async () => {
    const { all: [store] } = await stores();
    const seen = await store!.transaction(async (tx) => {
      await tx.putMetadata('g', [
        { role: 'root', version: 1, data: bytes('r1') },
        { role: 'targets', version: 2, data: bytes('t2') },
        { role: 'targets/releases', version: 1, data: bytes('d1') },
      ]);
      return (await tx.getCurrent('g', 'targets'))?.version;
    });
    expect(seen).toBe(2);
    await store!.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 5, data: bytes('t5') }]));
    const current = await store!.getCurrentAll('g');
    expect([...current.keys()].sort()).toEqual(['root', 'targets', 'targets/releases']);
    expect(current.get('targets')?.data.toString()).toBe('t5');
  });

  it('refuses a version that is not newer with VersionConflictError and rolls back the whole transaction', async () => {
    const { all: [store] } = await stores();
    await store!.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 3, data: bytes('t3') }]));
    for (const version of [3, 2]) {
      const attempt = store!.transaction((tx) =>
        tx.putMetadata('g', [
          { role: 'root', version: 1, data: bytes('r1') },
          { role: 'targets', version, data: bytes('again') },
        ]),
      );
      await expect(attempt).rejects.toBeInstanceOf(VersionConflictError);
    }
    expect(await store!.getCurrent('g', 'root')).toBeUndefined();
    expect((await store!.getCurrent('g', 'targets'))?.data.toString()).toBe('t3');
    // The store is usable after the failed transactions.
    await store!.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 4, data: bytes('t4') }]));
    expect((await store!.getCurrent('g', 'targets'))?.version).toBe(4);
  });

  it('an error thrown in a transaction leaves nothing of it behind', async () => {
    const { all: [store] } = await stores();
    const attempt = store!.transaction(async (tx) => {
      await tx.putMetadata('g', [{ role: 'timestamp', version: 1, data: bytes('ts1') }]);
      await tx.addKey(key('g', 'k1'));
      throw new Error('validation failed');
    });
    await expect(attempt).rejects.toThrow('validation failed');
    expect(await store!.getCurrent('g', 'timestamp')).toBeUndefined();
    expect(await store!.listKeys('g', 'timestamp')).toEqual([]);
    expect(await store!.changes({ changeId: 0, records: 10, reverse: false })).toEqual([]);
  });

  it('records timestamps and deletions in the change feed, with increasing IDs, paged both ways and per repository', async () => {
    const { all: [store] } = await stores();
    await store!.transaction((tx) => tx.putMetadata('a', [{ role: 'targets', version: 1, data: bytes('a-t1') }]));
    await store!.transaction((tx) => tx.putMetadata('a', [{ role: 'timestamp', version: 1, data: bytes('a-ts1') }]));
    await store!.transaction((tx) => tx.putMetadata('b', [{ role: 'timestamp', version: 1, data: bytes('b-ts1') }]));
    await store!.transaction((tx) => tx.putMetadata('a', [{ role: 'timestamp', version: 2, data: bytes('a-ts2') }]));
    await store!.transaction((tx) => tx.deleteRepository('b'));
    const feed = await store!.changes({ changeId: 0, records: 100, reverse: false });
    expect(feed.map((c) => [c.gun, c.version, c.category, c.sha256])).toEqual([
      ['a', 1, 'update', sha('a-ts1')],
      ['b', 1, 'update', sha('b-ts1')],
      ['a', 2, 'update', sha('a-ts2')],
      ['b', 0, 'deletion', ''],
    ]);
    const ids = feed.map((c) => Number(c.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(4);
    expect(feed.every((c) => c.createdAt instanceof Date)).toBe(true);
    expect((await store!.changes({ changeId: ids[1]!, records: 1, reverse: false })).map((c) => c.id)).toEqual([String(ids[2])]);
    // Backwards: the newest `records` before changeId (0 = the end), oldest first.
    expect((await store!.changes({ changeId: 0, records: 2, reverse: true })).map((c) => c.id)).toEqual([String(ids[2]), String(ids[3])]);
    expect((await store!.changes({ changeId: ids[2]!, records: 5, reverse: true })).map((c) => c.id)).toEqual([String(ids[0]), String(ids[1])]);
    expect((await store!.changes({ gun: 'a', changeId: 0, records: 10, reverse: false })).map((c) => c.version)).toEqual([1, 2]);
  });

  it('deletes every version and the pending requests of one repository; its keys and other repositories stay', async () => {
    const { all: [store] } = await stores();
    await store!.transaction(async (tx) => {
      await tx.putMetadata('gone', [{ role: 'root', version: 1, data: bytes('gone-r1') }]);
      await tx.putMetadata('kept', [{ role: 'root', version: 1, data: bytes('kept-r1') }]);
      await tx.addKey(key('gone', 'kg'));
      await tx.putPending({ gun: 'gone', id: 'aa11', baseKey: 'targets@1:x', deadline: new Date(Date.now() + 60_000), document: bytes('{}') });
    });
    await store!.transaction((tx) => tx.deleteRepository('gone'));
    expect((await store!.getCurrentAll('gone')).size).toBe(0);
    expect(await store!.getByChecksum('gone', 'root', sha('gone-r1'))).toBeUndefined();
    expect(await store!.listPending('gone')).toEqual([]);
    expect((await store!.listKeys('gone', 'timestamp')).map((k) => k.keyId)).toEqual(['kg']);
    expect((await store!.getCurrent('kept', 'root'))?.data.toString()).toBe('kept-r1');
    // A new repository of the same name starts again at version 1.
    await store!.transaction((tx) => tx.putMetadata('gone', [{ role: 'root', version: 1, data: bytes('new-r1') }]));
    expect((await store!.getCurrent('gone', 'root'))?.data.toString()).toBe('new-r1');
  });

  it('stores pending requests: a replace keeps createdAt, oldest first, delete says whether there was one', async () => {
    const { all: [store] } = await stores();
    const deadline = new Date(Date.now() + 3600_000);
    await store!.transaction((tx) => tx.putPending({ gun: 'g', id: 'aa01', baseKey: 'targets@1:x', deadline, document: bytes('{"n":1}') }));
    await sleep(5);
    await store!.transaction((tx) => tx.putPending({ gun: 'g', id: 'aa02', baseKey: 'targets@1:y', deadline, document: bytes('{"n":2}') }));
    const first = await store!.getPending('g', 'aa01');
    await sleep(5);
    await store!.transaction((tx) => tx.putPending({ gun: 'g', id: 'aa01', baseKey: 'targets@1:z', deadline, document: bytes('{"n":3}') }));
    const replaced = await store!.getPending('g', 'aa01');
    expect(replaced?.document.toString()).toBe('{"n":3}');
    expect(replaced?.baseKey).toBe('targets@1:z');
    expect(replaced?.createdAt.getTime()).toBe(first?.createdAt.getTime());
    expect(replaced!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
    expect(replaced?.deadline.getTime()).toBe(deadline.getTime());
    expect((await store!.listPending('g')).map((p) => p.id)).toEqual(['aa01', 'aa02']);
    expect(await store!.transaction((tx) => tx.deletePending('g', 'aa02'))).toBe(true);
    expect(await store!.transaction((tx) => tx.deletePending('g', 'aa02'))).toBe(false);
    expect(await store!.getPending('g', 'aa02')).toBeUndefined();
  });

  it('stores server keys as given (encrypted PEM): per role newest first, all of them oldest first', async () => {
    const { all: [store] } = await stores();
    await store!.transaction((tx) => tx.addKey(key('g', 'k1')));
    await store!.transaction((tx) => tx.addKey({ ...key('g', 'k2') }));
    await store!.transaction((tx) => tx.addKey({ ...key('g', 's1'), role: 'snapshot' }));
    expect((await store!.listKeys('g', 'timestamp')).map((k) => k.keyId)).toEqual(['k2', 'k1']);
    const [snapshotKey] = await store!.listKeys('g', 'snapshot');
    expect(snapshotKey).toMatchObject({ ...key('g', 's1'), role: 'snapshot' });
    expect((await store!.allKeys()).map((k) => k.keyId)).toEqual(['k1', 'k2', 's1']);
  });

  it('is healthy and writable while open, and not healthy once closed', async () => {
    const { all: [store] } = await stores();
    expect(await store!.healthy()).toBe(true);
    expect(await store!.writable()).toBe(true);
    await store!.close();
    expect(await store!.healthy()).toBe(false);
  });

  it('two instances: 12 writers racing for one version of one repository, exactly one wins', async () => {
    const { all } = await stores(2);
    const attempts = Array.from({ length: 12 }, (_, i) =>
      all[i % 2]!.transaction((tx) => tx.putMetadata('race', [{ role: 'targets', version: 1, data: bytes(`writer-${i}`) }])),
    );
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(VersionConflictError);
  });

  it('two instances: 12 writers publishing read-then-write, each retrying on conflict, lose no update', async () => {
    const { all } = await stores(2);
    let conflicts = 0;
    const writer = async (i: number) => {
      const store = all[i % 2]!;
      for (let attempt = 0; attempt < 50; attempt++) {
        // As a publish does: read the current version outside, write the next one in a transaction.
        const current = await store.getCurrent('race', 'targets');
        await sleep(Math.random() * 5);
        try {
          await store.transaction((tx) => tx.putMetadata('race', [{ role: 'targets', version: (current?.version ?? 0) + 1, data: bytes(`writer-${i}`) }]));
          return;
        } catch (e) {
          if (!(e instanceof VersionConflictError)) throw e;
          conflicts++;
        }
      }
      throw new Error(`writer ${i} never got through`);
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => writer(i)));
    const versions = await Promise.all(Array.from({ length: 12 }, (_, i) => all[0]!.getVersion('race', 'targets', i + 1)));
    expect(versions.map((v) => v?.data.toString()).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `writer-${i}`).sort());
    expect((await all[1]!.getCurrent('race', 'targets'))?.version).toBe(12);
    expect(conflicts).toBeGreaterThan(0);
  });

  it('two instances: transactions on one repository take turns, so read-modify-write inside them never conflicts', async () => {
    const { all } = await stores(2);
    const bump = (store: Storage, i: number) =>
      store.transaction(async (tx) => {
        const current = await tx.getCurrent('turns', 'timestamp');
        await sleep(10); // room for the other to interleave, if it could
        await tx.putMetadata('turns', [{ role: 'timestamp', version: (current?.version ?? 0) + 1, data: bytes(`ts-${i}`) }]);
      });
    await Promise.all(Array.from({ length: 8 }, (_, i) => bump(all[i % 2]!, i)));
    expect((await all[0]!.getCurrent('turns', 'timestamp'))?.version).toBe(8);
    // Both instances read one change feed: one entry per timestamp, in version order.
    const [feed0, feed1] = await Promise.all(all.map((s) => s.changes({ changeId: 0, records: 100, reverse: false })));
    expect(feed0).toEqual(feed1);
    expect(feed0!.map((c) => c.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('two instances: a reader paging the change feed by ID never skips an entry that commits late', async () => {
    const { all } = await stores(2);
    const [slow, fast] = all as [Storage, Storage];
    // A long transaction on one repository, and a quick one on another that commits meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const long = slow.transaction(async (tx) => {
      await tx.putMetadata('slow', [{ role: 'timestamp', version: 1, data: bytes('slow-ts1') }]);
      await held;
    });
    await sleep(50);
    const quick = fast.transaction((tx) => tx.putMetadata('fast', [{ role: 'timestamp', version: 1, data: bytes('fast-ts1') }]));
    // SQLite makes the quick one wait for the long one; PostgreSQL lets it commit first.
    await Promise.race([quick, sleep(300)]);
    const seen = await fast.changes({ changeId: 0, records: 100, reverse: false });
    release();
    await Promise.all([long, quick]);
    const last = seen.length ? Number(seen[seen.length - 1]!.id) : 0;
    const later = await fast.changes({ changeId: last, records: 100, reverse: false });
    expect([...seen, ...later].map((c) => c.gun).sort()).toEqual(['fast', 'slow']);
  });

  it('two instances racing to create a repository\'s key if absent: one key, every caller gets it', async () => {
    const { all } = await stores(2);
    const createIfAbsent = (store: Storage, i: number) =>
      store.transaction(async (tx) => {
        const existing = await tx.listKeys('keyed', 'timestamp');
        if (existing[0]) return existing[0].keyId;
        await sleep(5);
        await tx.addKey(key('keyed', `key-${i}`));
        return `key-${i}`;
      });
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => createIfAbsent(all[i % 2]!, i)));
    expect(new Set(ids).size).toBe(1);
    expect(await all[1]!.listKeys('keyed', 'timestamp')).toHaveLength(1);
  });

  it('behind the read cache: a publish or deletion through another instance shows at once', async () => {
    const { all } = await stores(2);
    const cached = new CachedStorage(all[0]!);
    const other = all[1]!;
    await other.transaction((tx) => tx.putMetadata('c', [{ role: 'timestamp', version: 1, data: bytes('c-ts1') }]));
    // Read twice: the second read is served from the cache.
    for (let i = 0; i < 2; i++) {
      expect((await cached.getCurrent('c', 'timestamp'))?.version).toBe(1);
      expect((await cached.getByChecksum('c', 'timestamp', sha('c-ts1')))?.version).toBe(1);
      expect((await cached.getVersion('c', 'timestamp', 1))?.data.toString()).toBe('c-ts1');
    }
    await other.transaction((tx) => tx.putMetadata('c', [{ role: 'timestamp', version: 2, data: bytes('c-ts2') }]));
    expect((await cached.getCurrent('c', 'timestamp'))?.data.toString()).toBe('c-ts2');
    expect((await cached.getCurrentAll('c')).get('timestamp')?.version).toBe(2);
    await other.transaction((tx) => tx.deleteRepository('c'));
    expect(await cached.getCurrent('c', 'timestamp')).toBeUndefined();
    expect(await cached.getByChecksum('c', 'timestamp', sha('c-ts1'))).toBeUndefined();
    expect(await cached.getVersion('c', 'timestamp', 1)).toBeUndefined();
    expect((await cached.getCurrentAll('c')).size).toBe(0);
  });

  it('several instances opening a new database at once set up the schema once; reopening changes nothing', async () => {
    const { db } = await stores(0);
    const opened = await Promise.all([db.open(), db.open(), db.open()]);
    open.push(...opened);
    const version = await db.schemaVersion();
    expect(version).toBe(factory === postgres ? LATEST_SCHEMA_VERSION : 2);
    await opened[0]!.transaction((tx) => tx.putMetadata('g', [{ role: 'root', version: 1, data: bytes('r1') }]));
    const again = await db.open();
    open.push(again);
    expect(await db.schemaVersion()).toBe(version);
    expect((await again.getCurrent('g', 'root'))?.data.toString()).toBe('r1');
  });

  it('refuses a database whose schema is newer than this trust-tui, naming both versions', async () => {
    const { db, all } = await stores(1);
    await all[0]!.close();
    await db.makeSchemaNewer();
    await expect(db.open()).rejects.toThrow(/schema version (99|999).*knows up to \d/);
  });
});
