// The data directory at rest: modes whatever the umask, new server keys wrapped under a key derived
// with modern PBKDF2, old keys still read, and every stored key checked against the passphrase at start.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeKeyFile } from '../../src/keys/keyfile.js';
import { decodePem } from '../../src/keys/pem.js';
import { unusableDataDir } from '../../src/server/data-dir.js';
import { startServer } from '../../src/server/server.js';
import { SERVER_KEY_PBKDF2_ITERATIONS } from '../../src/server/signer.js';
import { startTestServer, TEST_SERVER_PASSPHRASE } from './server-harness.js';

const DB = 'trust-tui-server.sqlite';
const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('server data at rest', () => {
  let dir: string;
  const oldUmask = process.umask(0o022); // the usual umask, which made 0755/0644 before
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-data-'));
  });
  afterAll(() => {
    process.umask(oldUmask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the data directory 0700 and the database files 0600', async () => {
    const dataDir = path.join(dir, 'fresh');
    const server = await startTestServer({ dataDir });
    await server.timestampKey('example.com/app'); // a write: the WAL files exist now
    expect(modeOf(dataDir)).toBe('700');
    for (const file of [DB, `${DB}-wal`, `${DB}-shm`]) expect([file, modeOf(path.join(dataDir, file))]).toEqual([file, '600']);
    await server.stop();
  });

  it('a data directory that cannot be written is named with the cause, not SQLite\'s bare "unable to open database file"', async () => {
    // root writes anywhere a mode allows; sysfs refuses new directories to anyone.
    const asRoot = process.getuid?.() === 0;
    const parent = asRoot ? '/sys' : path.join(dir, 'read-only');
    if (!asRoot) {
      mkdirSync(parent);
      chmodSync(parent, 0o555);
    }
    const dataDir = path.join(parent, `trust-tui-data-${process.pid}`);
    await expect(startTestServer({ dataDir })).rejects.toThrow(
      new RegExp(`^cannot use the data directory ${dataDir.replace(/[/.]/g, '\\$&')}: .*(operation not permitted|permission denied).*; give --data a directory this user can write$`),
    );
  });

  it('a read-only mount is said in words', () => {
    const e = Object.assign(new Error('unable to open database file'), { code: 'EROFS' });
    expect(unusableDataDir('/srv/trust', e, 'cannot open the server database /srv/trust/db').message).toBe(
      'cannot open the server database /srv/trust/db: /srv/trust is on a read-only file system; give --data a directory this user can write',
    );
  });

  it('a database file that is not a database is called damaged, with a backup as the way out', async () => {
    const dataDir = path.join(dir, 'damaged');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(path.join(dataDir, DB), Buffer.alloc(8192, 'not a database '), { mode: 0o600 });
    const started = startTestServer({ dataDir });
    await expect(started).rejects.toThrow(`cannot open the server database ${path.join(dataDir, DB)}: file is not a database; the file is damaged`);
    await expect(started).rejects.toThrow(/restore it from a backup/);
    await expect(started).rejects.not.toThrow(/give --data a directory/);
  });

  it('closes down an existing directory and database open to others, with one warning line each', async () => {
    const dataDir = path.join(dir, 'open');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, DB), '');
    chmodSync(path.join(dataDir, DB), 0o644);
    const warnings: string[] = [];
    const server = await startTestServer({ dataDir, logError: (line) => warnings.push(line) });
    await server.stop();
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(path.join(dataDir, DB))).toBe('600');
    expect(warnings).toEqual([
      `warning: data directory ${dataDir} was open to other users (mode 0755); set it to 0700`,
      `warning: database file ${path.join(dataDir, DB)} was open to other users (mode 0644); set it to 0600`,
    ]);
  });

  it('wraps new server keys under a key derived with PBKDF2-HMAC-SHA256 at a modern iteration count', async () => {
    const dataDir = path.join(dir, 'pbkdf2');
    const server = await startTestServer({ dataDir });
    await server.timestampKey('example.com/app');
    await server.timestampKey('example.com/other');
    await server.stop();
    const db = new Database(path.join(dataDir, DB), { readonly: true });
    const pems = db.prepare('SELECT encrypted_private_key FROM server_keys').pluck().all() as string[];
    db.close();
    const headers = pems.map((pem) => decodePem(pem, 'key')[0]!);
    expect(headers.map((h) => h.type)).toEqual(['TRUST-TUI WRAPPED KEY', 'TRUST-TUI WRAPPED KEY']);
    expect(headers[0]!.headers).toMatchObject({ kdf: 'pbkdf2-hmac-sha256', iterations: String(SERVER_KEY_PBKDF2_ITERATIONS), cipher: 'aes-256-gcm' });
    expect(SERVER_KEY_PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    // One key-encryption key for both: the salt is shared, each key has its own nonce.
    expect(headers[1]!.headers.salt).toBe(headers[0]!.headers.salt);
    expect(headers[1]!.bytes.subarray(0, 12)).not.toEqual(headers[0]!.bytes.subarray(0, 12));
  });

  it('still reads keys stored the old way, and refuses to start when any stored key needs another passphrase', async () => {
    const dataDir = path.join(dir, 'mixed');
    const server = await startTestServer({ dataDir });
    await server.stop();
    const insertKey = async (gun: string, passphrase: string, strongIterations?: number) => {
      const key = await generatePrivateKey('ecdsa');
      // Notary's own format (PBKDF2-HMAC-SHA1, 2048 iterations), or PBES2 with PBKDF2-HMAC-SHA256 at
      // the modern count: key files as servers before wrapped keys stored them.
      const pem = await encodeKeyFile(key, { role: 'timestamp', gun }, passphrase, strongIterations ? { strongIterations } : {});
      const db = new Database(path.join(dataDir, DB));
      db.prepare(
        'INSERT INTO server_keys (gun, role, key_id, keytype, public_b64, encrypted_private_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(gun, 'timestamp', key.publicKey.id, key.publicKey.keytype, key.publicKey.publicB64, pem, Date.now());
      db.close();
      return key.publicKey;
    };
    const legacy = await insertKey('example.com/legacy', TEST_SERVER_PASSPHRASE);
    const strong = await insertKey('example.com/strong', TEST_SERVER_PASSPHRASE, SERVER_KEY_PBKDF2_ITERATIONS);
    const again = await startTestServer({ dataDir });
    expect((await again.timestampKey('example.com/legacy')).id).toBe(legacy.id);
    expect((await again.timestampKey('example.com/strong')).id).toBe(strong.id);
    await again.stop();

    // Another instance once ran on this data with another passphrase: the newest key does not open.
    await insertKey('example.com/other', 'another passphrase');
    await expect(startServer({ dataDir, passphrase: TEST_SERVER_PASSPHRASE, listen: '127.0.0.1:0' })).rejects.toThrow(
      'TRUST_TUI_SERVER_PASSPHRASE does not open 1 of the 3 keys stored in ' +
        `${dataDir} (e.g. the timestamp key of example.com/other): start every server on this data with the same passphrase`,
    );
  });

  it('refuses to start when a wrapped key was moved into another record, naming that record', async () => {
    const dataDir = path.join(dir, 'moved');
    const server = await startTestServer({ dataDir });
    await server.timestampKey('example.com/a');
    await server.timestampKey('example.com/b');
    await server.stop();
    // Someone with write access to the database swaps b's sealed key for a's.
    const db = new Database(path.join(dataDir, DB));
    const [a, b] = db.prepare('SELECT key_id, encrypted_private_key FROM server_keys ORDER BY gun').all() as { key_id: string; encrypted_private_key: string }[];
    db.prepare('UPDATE server_keys SET encrypted_private_key = ? WHERE key_id = ?').run(a!.encrypted_private_key, b!.key_id);
    db.close();
    await expect(startServer({ dataDir, passphrase: TEST_SERVER_PASSPHRASE, listen: '127.0.0.1:0' })).rejects.toThrow(
      `the timestamp key ${b!.key_id.slice(0, 7)} of example.com/b does not open although the passphrase is right`,
    );
  });
});
