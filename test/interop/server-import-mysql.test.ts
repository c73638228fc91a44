// `trust-tui server import --from mysql://…`: the real notary-server 0.7 + notary-signer on MariaDB
// (notary's MySQL schemas), filled by the notary CLI, imported and served by trust-tui server.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, type NotaryServer, type PkiFiles } from '../helpers/peers.js';
import { startMariadb, type MariadbServer } from '../helpers/mariadb.js';
import { trustTui } from '../helpers/trust-tui.js';
import { startTestServer, TEST_SERVER_PASSPHRASE } from '../server/server-harness.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/notary-server-mysql');
const GUN = 'registry.example.com/mysql/app';

function ok<T extends { code: number | null; stdout: string; stderr: string }>(r: T): T {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

describe('server import from notary-server 0.7 on MySQL (MariaDB)', () => {
  let db: MariadbServer;
  let notaryServer: NotaryServer | undefined;
  let pki: PkiFiles;
  let work: string;

  beforeAll(async () => {
    work = await makeScratchDir('server-import-mysql');
    db = await startMariadb();
    await db.createDatabase('notaryserver');
    await db.createDatabase('notarysigner');
    const migrations = (prefix: string) =>
      readdirSync(FIXTURES)
        .filter((f) => f.startsWith(prefix) && f.endsWith('.up.sql'))
        .sort()
        .map((f) => readFileSync(path.join(FIXTURES, f), 'utf8'))
        .join('\n');
    await db.sql(migrations('server-'), 'notaryserver');
    await db.sql(migrations('signer-'), 'notarysigner');
    pki = await makePki(path.join(work, 'pki'));
    notaryServer = await startNotaryServer({
      pki,
      signer: 'remote',
      storage: { backend: 'mysql', db_url: db.goDsn('notaryserver') },
      signerStorage: { backend: 'mysql', db_url: db.goDsn('notarysigner'), default_alias: 'mysqlalias' },
      signerEnv: { NOTARY_SIGNER_MYSQLALIAS: 'mysql-signer-pass' },
    });
  }, 240_000);
  afterAll(async () => {
    await notaryServer?.stop();
    await db?.stop();
    await stopAllPeers();
  });

  it('imports every version byte for byte with the signer keys; the same and a fresh trust directory work against trust-tui server', async () => {
    const manifest = path.join(work, 'm.json');
    writeFileSync(manifest, '{"fake":"manifest"}\n');
    const notary = notaryCli(path.join(work, 'trust'), notaryServer!.url, pki.caCert);
    ok(await notary(['init', GUN, '-p']));
    ok(await notary(['key', 'rotate', GUN, 'snapshot', '-r']));
    ok(await notary(['add', GUN, 'v1', manifest, '-p']));

    const dataDir = path.join(work, 'data');
    const from = `mysql://${db.user}:${db.password}@127.0.0.1:${db.port}/notaryserver`;
    const signer = `mysql://${db.user}:${db.password}@127.0.0.1:${db.port}/notarysigner`;
    const run = trustTui({ env: { TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE, NOTARY_SIGNER_MYSQLALIAS: 'mysql-signer-pass', XDG_DATA_HOME: path.join(work, 'xdg') } });
    const r = ok(await run(['server', 'import', '--from', from, '--signer-db', signer, '--data', dataDir]));
    expect(r.stdout).toMatch(new RegExp(`${GUN}: imported \\d+ version\\(s\\), 0 already present; timestamp key imported, snapshot key imported`));
    expect(r.stdout).toContain('from mysql://trust:***@');
    expect(r.stdout).not.toContain(db.password);

    const source = (await db.sql("SELECT CONCAT(gun, ' ', role, ' ', version, ' ', SHA2(data, 256)) FROM tuf_files", 'notaryserver')).stdout;
    const store = new Database(path.join(dataDir, 'trust-tui-server.sqlite'), { readonly: true });
    const rows = store.prepare('SELECT gun, role, version, data FROM tuf_files').all() as { gun: string; role: string; version: number; data: Buffer }[];
    store.close();
    const imported = rows.map((row) => `${row.gun} ${row.role} ${row.version} ${createHash('sha256').update(row.data).digest('hex')}`);
    expect(imported.sort()).toEqual(source.trim().split('\n').sort());

    const wrong = await trustTui({ env: { NOTARY_SIGNER_MYSQLALIAS: 'mysql-signer-pass' } })([
      'server', 'import', '--from', from.replace(db.password, 'nope'), '--data', path.join(work, 'other'),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^trust-tui: cannot connect to the notary-server database mysql:\/\/trust:\*\*\*@127\.0\.0\.1:\d+\/notaryserver: Access denied/);

    await notaryServer!.stop();
    notaryServer = undefined;
    const ours = await startTestServer({ dataDir, tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    try {
      const same = notaryCli(notary.trustDir, ours.url, pki.caCert);
      ok(await same(['add', GUN, 'v2', manifest, '-p']));
      const fresh = notaryCli(path.join(await makeScratchDir('mysql-fresh'), 'trust'), ours.url, pki.caCert);
      expect(ok(await fresh(['list', GUN])).stdout).toMatch(/v1\s[\s\S]*v2\s/);
    } finally {
      await ours.stop();
    }
  }, 180_000);
});
