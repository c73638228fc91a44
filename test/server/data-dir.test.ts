// The data directory at rest: modes whatever the umask, modern PBKDF2 for new server keys, old keys
// still read, and every stored key checked against the passphrase at start.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeKeyFile } from '../../src/keys/keyfile.js';
import { oid, parseDer, sequence, smallInteger } from '../../src/keys/der.js';
import { decodePem } from '../../src/keys/pem.js';
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

  it('encrypts new server keys with PBKDF2-HMAC-SHA256 at a modern iteration count', async () => {
    const dataDir = path.join(dir, 'pbkdf2');
    const server = await startTestServer({ dataDir });
    await server.timestampKey('example.com/app');
    await server.stop();
    const db = new Database(path.join(dataDir, DB), { readonly: true });
    const { encrypted_private_key: pem } = db.prepare('SELECT encrypted_private_key FROM server_keys').get() as { encrypted_private_key: string };
    db.close();
    // EncryptedPrivateKeyInfo -> PBES2 params -> PBKDF2 params (salt, iterations, prf) (RFC 8018 A.2).
    const [algorithm] = sequence(parseDer(decodePem(pem, 'key')[0]!.bytes, 'key'), 'key');
    const [, pbes2] = sequence(algorithm, 'alg');
    const [kdf] = sequence(pbes2, 'pbes2');
    const [, kdfParams] = sequence(kdf, 'kdf');
    const [, iterations, prf] = sequence(kdfParams, 'pbkdf2');
    expect(smallInteger(iterations, 'iterations')).toBe(SERVER_KEY_PBKDF2_ITERATIONS);
    expect(SERVER_KEY_PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(oid(sequence(prf, 'prf')[0], 'prf')).toBe('1.2.840.113549.2.9'); // hmacWithSHA256
  });

  it('still reads keys stored the old way, and refuses to start when any stored key needs another passphrase', async () => {
    const dataDir = path.join(dir, 'mixed');
    const server = await startTestServer({ dataDir });
    await server.stop();
    const insertKey = async (gun: string, passphrase: string) => {
      const key = await generatePrivateKey('ecdsa');
      // Notary's own format (PBKDF2-HMAC-SHA1, 2048 iterations), as servers before this one stored it.
      const pem = await encodeKeyFile(key, { role: 'timestamp', gun }, passphrase);
      const db = new Database(path.join(dataDir, DB));
      db.prepare(
        'INSERT INTO server_keys (gun, role, key_id, keytype, public_b64, encrypted_private_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(gun, 'timestamp', key.publicKey.id, key.publicKey.keytype, key.publicKey.publicB64, pem, Date.now());
      db.close();
      return key.publicKey;
    };
    const legacy = await insertKey('example.com/legacy', TEST_SERVER_PASSPHRASE);
    const again = await startTestServer({ dataDir });
    expect((await again.timestampKey('example.com/legacy')).id).toBe(legacy.id);
    await again.stop();

    // Another instance once ran on this data with another passphrase: the newest key does not open.
    await insertKey('example.com/other', 'another passphrase');
    await expect(startServer({ dataDir, passphrase: TEST_SERVER_PASSPHRASE, listen: '127.0.0.1:0' })).rejects.toThrow(
      'TRUST_TUI_SERVER_PASSPHRASE does not open 1 of the 2 keys stored in ' +
        `${dataDir} (e.g. the timestamp key of example.com/other): start every server on this data with the same passphrase`,
    );
  });
});
