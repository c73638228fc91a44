// The pending area's storage in SQLite: a database of schema 1 (before the pending area) gains the
// table on open and keeps its trust data; requests are replaced by ID, removed, and go with their
// repository.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/server/stores/sqlite.js';

const GUN = 'example.com/app';
const record = (id: string, note: string) => ({ gun: GUN, id, baseKey: 'targets/releases@1:ab', deadline: new Date('2030-01-01T00:00:00Z'), document: Buffer.from(JSON.stringify({ id, note })) });

describe('SqliteStorage pending requests', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-pending-storage-'));
    file = path.join(dir, 'server.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates a schema-1 database: the trust data stays and the pending area works', async () => {
    const first = SqliteStorage.open({ file });
    await first.transaction((tx) => tx.putMetadata(GUN, [{ role: 'root', version: 1, data: Buffer.from('root-1') }]));
    await first.close();
    // What a database written before the pending area looks like.
    const db = new Database(file);
    db.exec('DROP TABLE pending_requests');
    db.pragma('user_version = 1');
    db.close();

    const store = SqliteStorage.open({ file });
    try {
      expect((await store.getCurrent(GUN, 'root'))?.data.toString()).toBe('root-1');
      await store.transaction((tx) => tx.putPending(record('aaaa0001', 'first')));
      await store.transaction((tx) => tx.putPending(record('aaaa0001', 'again')));
      await store.transaction((tx) => tx.putPending(record('bbbb0002', 'other')));
      expect((await store.listPending(GUN)).map((r) => [r.id, JSON.parse(r.document.toString()).note])).toEqual([
        ['aaaa0001', 'again'],
        ['bbbb0002', 'other'],
      ]);
      expect(await store.transaction((tx) => tx.deletePending(GUN, 'bbbb0002'))).toBe(true);
      expect(await store.transaction((tx) => tx.deletePending(GUN, 'bbbb0002'))).toBe(false);
      await store.transaction((tx) => tx.deleteRepository(GUN));
      expect(await store.listPending(GUN)).toEqual([]);
      const check = new Database(file, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(2);
      check.close();
    } finally {
      await store.close();
    }
  });
});
