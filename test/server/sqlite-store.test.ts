import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/server/stores/sqlite.js';
import { VersionConflictError } from '../../src/server/stores/storage.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('SqliteStorage', () => {
  let dir: string;
  let store: SqliteStorage;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-storage-'));
    store = SqliteStorage.open({ file: path.join(dir, 'db', 'server.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every version and serves the newest as current, by version and by checksum', async () => {
    await store.transaction((tx) => tx.putMetadata('example.com/app', [{ role: 'root', version: 1, data: bytes('root-1') }]));
    await store.transaction((tx) => tx.putMetadata('example.com/app', [{ role: 'root', version: 2, data: bytes('root-2') }]));

    expect((await store.getCurrent('example.com/app', 'root'))?.data.toString()).toBe('root-2');
    expect((await store.getVersion('example.com/app', 'root', 1))?.data.toString()).toBe('root-1');
    expect((await store.getByChecksum('example.com/app', 'root', sha('root-1')))?.version).toBe(1);
    // The checksum lookup is per role (notary's storage/memorystore.go ignores the role).
    expect(await store.getByChecksum('example.com/app', 'targets', sha('root-1'))).toBeUndefined();
    expect(await store.getCurrent('example.com/other', 'root')).toBeUndefined();
  });

  it('returns the newest version of each role of one repository', async () => {
    await store.transaction((tx) =>
      tx.putMetadata('g', [
        { role: 'root', version: 1, data: bytes('r1') },
        { role: 'targets', version: 2, data: bytes('t2') },
        { role: 'targets/releases', version: 1, data: bytes('d1') },
      ]),
    );
    await store.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 5, data: bytes('t5') }]));
    const all = await store.getCurrentAll('g');
    expect([...all.keys()].sort()).toEqual(['root', 'targets', 'targets/releases']);
    expect(all.get('targets')?.version).toBe(5);
  });

  it('rejects a version that is not newer and rolls back the whole transaction', async () => {
    await store.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 3, data: bytes('t3') }]));
    const attempt = store.transaction((tx) =>
      tx.putMetadata('g', [
        { role: 'root', version: 1, data: bytes('r1') },
        { role: 'targets', version: 3, data: bytes('again') },
      ]),
    );
    await expect(attempt).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.getCurrent('g', 'root')).toBeUndefined();
    expect((await store.getCurrent('g', 'targets'))?.data.toString()).toBe('t3');
  });

  it('runs concurrent transactions one after the other: one of two equal updates wins', async () => {
    const put = (data: string) =>
      store.transaction(async (tx) => {
        const current = await tx.getCurrent('g', 'targets');
        await new Promise((r) => setTimeout(r, 10)); // give the other one a chance to interleave
        await tx.putMetadata('g', [{ role: 'targets', version: (current?.version ?? 0) + 1, data: bytes(data) }]);
        return data;
      });
    const results = await Promise.allSettled([put('a'), put('b')]);
    // Serialised: both read the state the other left, so both succeed with versions 1 and 2.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect((await store.getCurrent('g', 'targets'))?.version).toBe(2);
  });

  it('two stores on one database file (as two server processes) take turns without blocking each other', async () => {
    const other = SqliteStorage.open({ file: path.join(dir, 'db', 'server.sqlite') });
    try {
      const order: string[] = [];
      const slow = store.transaction(async (tx) => {
        order.push('first: locked');
        // Holds the write lock across an await: the other store must wait without blocking this
        // process (a blocking busy handler would deadlock here).
        await new Promise((r) => setTimeout(r, 50));
        await tx.putMetadata('g', [{ role: 'targets', version: 1, data: bytes('first') }]);
        order.push('first: done');
      });
      await new Promise((r) => setTimeout(r, 5));
      const second = other.transaction(async (tx) => {
        order.push('second: locked');
        const current = await tx.getCurrent('g', 'targets');
        await tx.putMetadata('g', [{ role: 'targets', version: (current?.version ?? 0) + 1, data: bytes('second') }]);
      });
      await Promise.all([slow, second]);
      expect(order).toEqual(['first: locked', 'first: done', 'second: locked']);
      expect((await store.getCurrent('g', 'targets'))?.data.toString()).toBe('second');
    } finally {
      await other.close();
    }
  });

  it('deletes exactly one repository, not others that share its prefix (notary\'s memory store deletes those too)', async () => {
    for (const gun of ['a/b', 'a/bc', 'a/b/c']) {
      await store.transaction((tx) => tx.putMetadata(gun, [{ role: 'root', version: 1, data: bytes(gun) }]));
    }
    await store.transaction((tx) => tx.deleteRepository('a/b'));
    expect(await store.getCurrent('a/b', 'root')).toBeUndefined();
    expect(await store.getCurrent('a/bc', 'root')).toBeDefined();
    expect(await store.getCurrent('a/b/c', 'root')).toBeDefined();
  });

  it('records timestamps and deletions in the change feed, with notary paging', async () => {
    for (const [gun, v] of [['g1', 1], ['g2', 1], ['g1', 2]] as const) {
      await store.transaction((tx) => tx.putMetadata(gun, [{ role: 'timestamp', version: v, data: bytes(`${gun}-${v}`) }]));
    }
    await store.transaction((tx) => tx.deleteRepository('g2'));

    const all = await store.changes({ changeId: 0, records: 100, reverse: false });
    expect(all.map((c) => [c.gun, c.version, c.category])).toEqual([
      ['g1', 1, 'update'],
      ['g2', 1, 'update'],
      ['g1', 2, 'update'],
      ['g2', 0, 'deletion'],
    ]);
    expect(all[0]?.sha256).toBe(sha('g1-1'));
    expect(all[3]?.sha256).toBe('');

    const afterFirst = await store.changes({ changeId: Number(all[0]!.id), records: 2, reverse: false });
    expect(afterFirst.map((c) => c.id)).toEqual([all[1]!.id, all[2]!.id]);
    const newestTwo = await store.changes({ changeId: 0, records: 2, reverse: true });
    expect(newestTwo.map((c) => c.id)).toEqual([all[2]!.id, all[3]!.id]);
    const g1 = await store.changes({ gun: 'g1', changeId: 0, records: 10, reverse: false });
    expect(g1.map((c) => c.version)).toEqual([1, 2]);
  });

  it('keeps server keys across a repository deletion, newest first', async () => {
    const key = (keyId: string) => ({
      gun: 'g',
      role: 'timestamp' as const,
      keyId,
      keytype: 'ecdsa',
      publicB64: 'AAAA',
      encryptedPrivateKey: 'PEM',
    });
    await store.transaction(async (tx) => {
      await tx.addKey(key('k1'));
      await tx.addKey(key('k2'));
    });
    await store.transaction((tx) => tx.deleteRepository('g'));
    expect((await store.listKeys('g', 'timestamp')).map((k) => k.keyId)).toEqual(['k2', 'k1']);
    expect(await store.listKeys('g', 'snapshot')).toEqual([]);
  });

  it('reopens an existing database with its data', async () => {
    await store.transaction((tx) => tx.putMetadata('g', [{ role: 'root', version: 1, data: bytes('r1') }]));
    await store.close();
    store = SqliteStorage.open({ file: path.join(dir, 'db', 'server.sqlite') });
    expect((await store.getCurrent('g', 'root'))?.data.toString()).toBe('r1');
  });

  it('a process killed in the middle of an update leaves the previous state readable', async () => {
    const file = path.join(dir, 'db', 'server.sqlite');
    await store.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 1, data: bytes('t1') }]));
    await store.close();
    // A child process writes two versions inside one transaction and is killed before it commits.
    const child = path.join(dir, 'crash.mts');
    const storageModule = pathToFileURL(path.resolve('src/server/stores/sqlite.ts')).href;
    writeFileSync(
      child,
      `import { SqliteStorage } from ${JSON.stringify(storageModule)};
const store = SqliteStorage.open({ file: ${JSON.stringify(file)} });
await store.transaction(async (tx) => {
  await tx.putMetadata('g', [{ role: 'targets', version: 2, data: Buffer.from('t2') }]);
  await tx.putMetadata('g', [{ role: 'root', version: 1, data: Buffer.from('r1') }]);
  process.kill(process.pid, 'SIGKILL');
});
`,
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8' });
    expect(result.signal).toBe('SIGKILL');
    store = SqliteStorage.open({ file });
    expect((await store.getCurrent('g', 'targets'))?.data.toString()).toBe('t1');
    expect(await store.getCurrent('g', 'root')).toBeUndefined();
    await store.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 2, data: bytes('t2 again') }]));
    expect((await store.getCurrent('g', 'targets'))?.data.toString()).toBe('t2 again');
  });
});

describe('SqliteStorage with the log checkpointed in a worker thread (the server)', () => {
  it('a large commit returns before its checkpoint, which a worker then does; the file reads back, also after a reopen', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-storage-'));
    const file = path.join(dir, 'server.sqlite');
    const data = randomBytes(8 * 1024 * 1024);
    const store = SqliteStorage.open({ file, checkpointInWorker: true });
    try {
      await store.transaction((tx) => tx.putMetadata('example.com/big', [{ role: 'targets', version: 1, data }]));
      // The committing call only appended to the log: the database file has not taken the pages yet
      // (SQLite's own checkpoint would have copied them in that call, on the request thread).
      expect(statSync(file).size).toBeLessThan(1024 * 1024);
      const deadline = performance.now() + 20_000;
      while (statSync(file).size < data.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(statSync(file).size).toBeGreaterThan(data.length);
      const stored = await store.getCurrent('example.com/big', 'targets');
      expect(stored?.data.equals(data)).toBe(true);
      expect(stored?.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      await store.close();
    }
    const reopened = SqliteStorage.open({ file });
    try {
      expect((await reopened.getCurrent('example.com/big', 'targets'))?.data.equals(data)).toBe(true);
    } finally {
      await reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('close() settles in a process with nothing else to do (the worker does not keep it alive, nor end it early)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-storage-'));
    try {
      const child = path.join(dir, 'close.mts');
      const storageModule = pathToFileURL(path.resolve('src/server/stores/sqlite.ts')).href;
      writeFileSync(
        child,
        `import { SqliteStorage } from ${JSON.stringify(storageModule)};
const store = SqliteStorage.open({ file: ${JSON.stringify(path.join(dir, 'server.sqlite'))}, checkpointInWorker: true });
await store.transaction((tx) => tx.putMetadata('g', [{ role: 'targets', version: 1, data: Buffer.alloc(8 * 1024 * 1024, 1) }]));
await store.close();
console.log('closed');
`,
      );
      const result = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 20_000 });
      expect({ status: result.status, stdout: result.stdout.trim(), stderr: result.stderr }).toEqual({ status: 0, stdout: 'closed', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
