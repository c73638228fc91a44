// server import from a notary-server SQLite database and a notary-signer key table (made here with
// notary's columns; the PostgreSQL path against the real notary-server is test/interop/server-import).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompactEncrypt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importNotaryServer, ImportConflictError, type ImportOptions } from '../../../src/server/import/import.js';
import { SignerKeyError } from '../../../src/server/import/signer-keys.js';
import { openSqlSource, SourceError, type SqlSource } from '../../../src/server/import/source.js';
import { Keyring } from '../../../src/server/signer.js';
import { SqliteStorage } from '../../../src/server/stores/sqlite.js';
import { PrivateKey } from '../../../src/tuf/private-key.js';
import { TestRepo } from '../repo-fixture.js';

const PASSPHRASE = 'server-pass';
const SIGNER_PASSPHRASE = 'signer-pass';

// notary's tables as gorm makes them on SQLite (same columns as migrations/server/postgresql).
const NOTARY_SCHEMA = `
CREATE TABLE tuf_files (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at DATETIME, updated_at DATETIME, deleted_at DATETIME,
  gun VARCHAR(255) NOT NULL, role VARCHAR(255) NOT NULL, version INTEGER NOT NULL, data BLOB NOT NULL, sha256 CHAR(64), UNIQUE (gun, role, version));
CREATE TABLE changefeed (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at DATETIME, gun VARCHAR(255) NOT NULL, version INTEGER NOT NULL,
  sha256 CHAR(64), category VARCHAR(20) NOT NULL DEFAULT 'update');
CREATE TABLE private_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at DATETIME, updated_at DATETIME, deleted_at DATETIME,
  key_id VARCHAR(255) NOT NULL UNIQUE, encryption_alg VARCHAR(255) NOT NULL, keywrap_alg VARCHAR(255) NOT NULL, algorithm VARCHAR(50) NOT NULL,
  passphrase_alias VARCHAR(50) NOT NULL, public BLOB NOT NULL, private BLOB NOT NULL, gun VARCHAR(255) NOT NULL, role VARCHAR(255) NOT NULL, last_used DATETIME);
`;

/** A key as notary-signer stores it: SEC1 DER under a jose2go-style JWE (PBES2, 8192 iterations). */
async function signerKeyRow(gun: string, role: string, alias: string, passphrase: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = PrivateKey.fromKeyObject(privateKey);
  const jwe = await new CompactEncrypt(privateKey.export({ type: 'sec1', format: 'der' }))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 8192 } as never)
    .encrypt(new TextEncoder().encode(passphrase));
  return { key, row: [key.id, 'A256GCM', 'PBES2-HS256+A128KW', 'ecdsa', alias, publicKey.export({ type: 'spki', format: 'der' }), Buffer.from(jwe), gun, role] };
}

describe('server import (SQLite source)', () => {
  let dir: string;
  let sourceFile: string;
  let notaryDb: Database.Database;
  let destFile: string;
  const opened: SqlSource[] = [];

  const addFile = (gun: string, role: string, version: number, data: Buffer, deleted = false) => {
    const sha = createHash('sha256').update(data).digest('hex');
    notaryDb
      .prepare('INSERT INTO tuf_files (created_at, deleted_at, gun, role, version, data, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run('2024-01-01 00:00:00', deleted ? '2024-02-01 00:00:00' : null, gun, role, version, data, sha);
    if (role === 'timestamp') notaryDb.prepare('INSERT INTO changefeed (gun, version, sha256) VALUES (?, ?, ?)').run(gun, version, sha);
  };
  const addKey = (row: unknown[]) =>
    notaryDb
      .prepare('INSERT INTO private_keys (key_id, encryption_alg, keywrap_alg, algorithm, passphrase_alias, public, private, gun, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(...(row as never[]));
  const source = async () => {
    const s = await openSqlSource(`sqlite:${sourceFile}`, 'notary-server database');
    opened.push(s);
    return s;
  };
  const storage = () => SqliteStorage.open({ file: destFile });
  const run = async (extra: Partial<ImportOptions> = {}, env: NodeJS.ProcessEnv = {}) =>
    importNotaryServer({
      source: await source(),
      signer: { source: await source(), passphraseVariables: new Map(), env: { NOTARY_SIGNER_ALIAS1: SIGNER_PASSPHRASE, ...env } },
      openDestination: async () => ({ storage: storage(), keyring: new Keyring(PASSPHRASE) }),
      ...extra,
    });
  const dump = () => {
    const db = new Database(destFile, { readonly: true });
    try {
      return {
        files: db.prepare('SELECT gun, role, version, hex(data) AS data FROM tuf_files ORDER BY id').all(),
        feed: db.prepare('SELECT gun, version FROM changefeed ORDER BY id').all(),
        keys: db.prepare('SELECT gun, role, key_id FROM server_keys ORDER BY id').all(),
      };
    } finally {
      db.close();
    }
  };

  let tsKey: PrivateKey;
  let snapshotKey: PrivateKey;
  let roots: { a: Buffer; b: Buffer };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'server-import-'));
    sourceFile = path.join(dir, 'notary_server.db');
    destFile = path.join(dir, 'dest', 'trust-tui-server.sqlite');
    notaryDb = new Database(sourceFile);
    notaryDb.exec(NOTARY_SCHEMA);
    const a = await signerKeyRow('example.com/a', 'timestamp', 'alias1', SIGNER_PASSPHRASE);
    const s = await signerKeyRow('example.com/a', 'snapshot', 'alias1', SIGNER_PASSPHRASE);
    tsKey = a.key;
    snapshotKey = s.key;
    addKey(a.row);
    addKey(s.row);
    const repoA = await TestRepo.create('example.com/a', tsKey.publicKey, snapshotKey.publicKey);
    const otherTs = (await signerKeyRow('x', 'timestamp', 'alias1', 'unused')).key; // not in the signer table
    const repoB = await TestRepo.create('example.com/b', otherTs.publicKey);
    roots = { a: repoA.signRoot(), b: repoB.signRoot() };
    // Interleaved as notary-server stores them: a's and b's timestamps alternate.
    addFile('example.com/a', 'root', 1, roots.a);
    addFile('example.com/a', 'targets', 1, Buffer.from('a targets 1'));
    addFile('example.com/a', 'timestamp', 1, Buffer.from('a ts 1'));
    addFile('example.com/b', 'root', 1, roots.b);
    addFile('example.com/b', 'timestamp', 1, Buffer.from('b ts 1'));
    addFile('example.com/a', 'timestamp', 2, Buffer.from('a ts 2'));
    addFile('example.com/b', 'timestamp', 2, Buffer.from('b ts 2'));
    addFile('example.com/gone', 'root', 1, Buffer.from('deleted'), true);
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    notaryDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every live version byte for byte, keeps the change feed order, imports the listed keys; a re-run adds nothing', async () => {
    const summary = await run();
    expect(summary.imported).toBe(7);
    expect(summary.deletedRows).toBe(1);
    expect(summary.keysImported).toBe(2);
    const [a, b] = summary.repositories;
    expect(a).toMatchObject({ gun: 'example.com/a', imported: 4, timestampKey: 'imported', snapshotKey: 'imported' });
    expect(b).toMatchObject({ gun: 'example.com/b', imported: 3, timestampKey: 'missing', snapshotKey: 'client-held' });
    expect(b!.rotate).toEqual(['notary key rotate example.com/b timestamp -r', 'trust-tui key rotate timestamp example.com/b']);

    const after = dump();
    expect(after.files.map((f) => (f as { gun: string }).gun)).not.toContain('example.com/gone');
    expect((after.files[0] as { data: string }).data).toBe(roots.a.toString('hex').toUpperCase());
    expect(after.feed).toEqual([
      { gun: 'example.com/a', version: 1 },
      { gun: 'example.com/b', version: 1 },
      { gun: 'example.com/a', version: 2 },
      { gun: 'example.com/b', version: 2 },
    ]);
    // The imported keys open with the server passphrase and are notary-signer's keys.
    const store = storage();
    try {
      const keyring = new Keyring(PASSPHRASE);
      const held = await keyring.heldKeys(store, 'example.com/a');
      expect(held.timestamp.map((k) => k.id)).toEqual([tsKey.id]);
      expect(held.snapshot.map((k) => k.id)).toEqual([snapshotKey.id]);
    } finally {
      await store.close();
    }

    const again = await run();
    expect(again).toMatchObject({ imported: 0, alreadyPresent: 7, keysImported: 0 });
    expect(again.repositories[0]).toMatchObject({ timestampKey: 'already-held', snapshotKey: 'already-held' });
    expect(dump()).toEqual(after);
  }, 30_000);

  it('writes in several transactions when there are many repositories, in the same global order', async () => {
    const summary = await run({ repositoriesPerTransaction: 1 });
    expect(summary).toMatchObject({ imported: 7, keysImported: 2 });
    expect(dump().feed).toEqual([
      { gun: 'example.com/a', version: 1 },
      { gun: 'example.com/b', version: 1 },
      { gun: 'example.com/a', version: 2 },
      { gun: 'example.com/b', version: 2 },
    ]);
    expect(dump().files).toHaveLength(7);
  }, 30_000);

  it('refuses other content under a stored version and writes nothing at all', async () => {
    const store = storage();
    await store.transaction((tx) => tx.putMetadata('example.com/b', [{ role: 'root', version: 1, data: Buffer.from('another root') }]));
    await store.close();
    const before = dump();
    await expect(run()).rejects.toThrow(ImportConflictError);
    await expect(run()).rejects.toThrow(/example\.com\/b: root version 1 is already in the destination with other content .*nothing was imported/);
    expect(dump()).toEqual(before);
  }, 30_000);

  it('a wrong or missing signer passphrase stops before the destination is opened', async () => {
    let opens = 0;
    const openDestination = async () => {
      opens++;
      return { storage: storage(), keyring: new Keyring(PASSPHRASE) };
    };
    await expect(run({ openDestination }, { NOTARY_SIGNER_ALIAS1: 'wrong' })).rejects.toThrow(
      /^the passphrase in NOTARY_SIGNER_ALIAS1 does not open notary-signer key \w{7} \(alias alias1, (timestamp|snapshot) of example\.com\/a\): wrong passphrase$/,
    );
    await expect(run({ openDestination }, { NOTARY_SIGNER_ALIAS1: '' })).rejects.toThrow(SignerKeyError);
    await expect(run({ openDestination }, { NOTARY_SIGNER_ALIAS1: '' })).rejects.toThrow(/set NOTARY_SIGNER_ALIAS1 to its passphrase/);
    expect(opens).toBe(0);
    // ALIAS=VARIABLE names another variable.
    const summary = await run({
      signer: { source: await source(), passphraseVariables: new Map([['alias1', 'MY_SIGNER_PASS']]), env: { MY_SIGNER_PASS: SIGNER_PASSPHRASE } },
    });
    expect(summary.keysImported).toBe(2);
  }, 30_000);

  it('--dry-run counts what it would import and leaves the store as it was', async () => {
    const summary = await run({ dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, imported: 7, keysImported: 2 });
    expect(dump()).toEqual({ files: [], feed: [], keys: [] });
  }, 30_000);

  it('refuses a damaged row, and a source that is not a notary-server database', async () => {
    notaryDb.prepare("UPDATE tuf_files SET data = X'00' WHERE role = 'targets'").run();
    await expect(run()).rejects.toThrow(/example\.com\/a: targets version 1 \(tuf_files id 2\) does not match its own sha256 column/);
    notaryDb.exec('DROP TABLE tuf_files');
    await expect(run({ signer: undefined })).rejects.toThrow(SourceError);
    await expect(run({ signer: undefined })).rejects.toThrow(/no such table: tuf_files \(is this the right database\?/);
    await expect(openSqlSource(`sqlite:${path.join(dir, 'none.db')}`, 'notary-server database')).rejects.toThrow(/does not exist/);
  }, 30_000);
});
