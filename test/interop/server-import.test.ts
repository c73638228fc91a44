// `trust-tui server import` from a real notary-server 0.7 + notary-signer deployment on PostgreSQL
// (notary's own schemas), filled by the stock notary and docker CLIs: after the cut-over the same
// trust directories keep working against trust-tui server, and so does a fresh one.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  makePki,
  makeScratchDir,
  notaryCli,
  requireBinary,
  runCommand,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
  type PkiFiles,
} from '../helpers/peers.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { trustTui } from '../helpers/trust-tui.js';
import { startTestServer, TEST_SERVER_PASSPHRASE, type TestServer } from '../server/server-harness.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/notary-server-postgres');
const SIGNER_ALIAS = 'alias1';
const SIGNER_PASSPHRASE = 'signer-alias-pass-1';

/** Made with `docker trust`: docker's defaults (server-managed snapshot), a signer delegation. */
const DOCKER_REPO = 'registry.example.com/team/app';
/** Made with `notary`: server-managed snapshot (rotated), a targets/releases delegation. */
const NOTARY_REPO = 'registry.example.com/lib/tool';
/** Made with `notary`: the client keeps the snapshot key. */
const PLAIN_REPO = 'registry.example.com/lib/plain';
const REPOS = [DOCKER_REPO, NOTARY_REPO, PLAIN_REPO];

function ok<T extends { code: number | null; stdout: string; stderr: string }>(r: T): T {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** Rows (gun, role, version) of a trust-tui data directory's store. */
function storedRows(dataDir: string): { gun: string; role: string; version: number; data: Buffer }[] {
  const file = path.join(dataDir, 'trust-tui-server.sqlite');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT gun, role, version, data FROM tuf_files ORDER BY gun, role, version').all() as never;
  } finally {
    db.close();
  }
}

describe('server import from notary-server 0.7 on PostgreSQL', () => {
  let pg: PostgresCluster;
  let serverDbUrl: string;
  let signerDbUrl: string;
  let notaryServer: NotaryServer;
  let pki: PkiFiles;
  let work: string;
  let docker: DockerRunner;
  let notary: NotaryRunner;
  let ours: TestServer | undefined;
  const manifests: string[] = [];

  beforeAll(async () => {
    work = await makeScratchDir('server-import');
    pg = await startPostgres();
    serverDbUrl = await pg.createDatabase('notaryserver');
    signerDbUrl = await pg.createDatabase('notarysigner');
    const schema = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8');
    await pg.psql(schema('0001_initial.up.sql') + schema('0002_changefeed.up.sql'), 'notaryserver');
    await pg.psql(schema('signer-0001_initial.up.sql'), 'notarysigner');
    const sslOff = (url: string) => `${url}?sslmode=disable`;
    // The PKI outlives the old server: trust-tui server takes over its certificate.
    pki = await makePki(path.join(work, 'pki'));
    notaryServer = await startNotaryServer({
      pki,
      signer: 'remote',
      storage: { backend: 'postgres', db_url: sslOff(serverDbUrl) },
      signerStorage: { backend: 'postgres', db_url: sslOff(signerDbUrl), default_alias: SIGNER_ALIAS },
      signerEnv: { [`NOTARY_SIGNER_${SIGNER_ALIAS.toUpperCase()}`]: SIGNER_PASSPHRASE },
    });

    for (const [i, text] of ['{"fake":"manifest v1"}\n', '{"fake":"manifest v2"}\n', '{"fake":"manifest v3"}\n'].entries()) {
      manifests.push(path.join(work, `m${i + 1}.json`));
      writeFileSync(manifests[i]!, text);
    }

    // docker: a signer (alice) on a new repository, two tags in her delegation, one re-signed.
    docker = dockerCli(path.join(work, 'docker-config'), notaryServer.url, notaryServer.caFile);
    ok(await docker(['trust', 'key', 'generate', 'alice', '--dir', work]));
    ok(await docker(['trust', 'signer', 'add', '--key', path.join(work, 'alice.pub'), 'alice', DOCKER_REPO]));
    const viaDocker = notaryCli(docker.trustDir, notaryServer.url, notaryServer.caFile);
    ok(await viaDocker(['add', DOCKER_REPO, 'v1', manifests[0]!, '--roles', 'targets/releases', '--roles', 'targets/alice']));
    ok(await viaDocker(['add', DOCKER_REPO, 'v2', manifests[1]!, '--roles', 'targets/releases', '--roles', 'targets/alice']));
    ok(await viaDocker(['publish', DOCKER_REPO]));
    ok(await docker(['trust', 'sign', `${DOCKER_REPO}:v1`]));

    // notary: server-managed snapshot, a releases delegation with its own key, targets in two roles.
    notary = notaryCli(path.join(work, 'notary-trust'), notaryServer.url, notaryServer.caFile);
    const openssl = requireBinary('openssl');
    const releasesKey = path.join(work, 'releases.key');
    const releasesCert = path.join(work, 'releases.crt');
    ok(await runCommand(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', releasesKey]));
    ok(await runCommand(openssl, ['req', '-new', '-x509', '-key', releasesKey, '-out', releasesCert, '-days', '30', '-subj', '/CN=releases']));
    ok(await notary(['init', NOTARY_REPO, '-p']));
    ok(await notary(['key', 'rotate', NOTARY_REPO, 'snapshot', '-r']));
    ok(await notary(['key', 'import', releasesKey, '-r', 'targets/releases']));
    ok(await notary(['delegation', 'add', NOTARY_REPO, 'targets/releases', releasesCert, '--all-paths', '-p']));
    ok(await notary(['add', NOTARY_REPO, 'v1.0', manifests[0]!, '-r', 'targets/releases', '-p']));
    ok(await notary(['add', NOTARY_REPO, 'admin', manifests[1]!, '-p']));
    ok(await notary(['init', PLAIN_REPO, '-p']));
    ok(await notary(['add', PLAIN_REPO, 'latest', manifests[2]!, '-p']));

    // The old deployment really is on PostgreSQL: metadata and encrypted keys are there.
    const files = await pg.psql("SELECT COUNT(DISTINCT gun) FROM tuf_files", 'notaryserver');
    expect(files.stdout).toMatch(/\b3\b/);
    const keys = await pg.psql("SELECT COUNT(*) FROM private_keys WHERE role = 'timestamp'", 'notarysigner');
    expect(keys.stdout).toMatch(/\b3\b/);
  }, 240_000);

  afterAll(async () => {
    await ours?.stop();
    await notaryServer?.stop();
    await stopAllPeers();
  });

  // XDG_DATA_HOME in the scratch directory: a lost --data can never reach the real default data directory.
  const importer = (env: Record<string, string> = {}) =>
    trustTui({ env: { TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE, XDG_DATA_HOME: path.join(work, 'xdg'), ...env } });
  const signerEnv = { [`NOTARY_SIGNER_${SIGNER_ALIAS.toUpperCase()}`]: SIGNER_PASSPHRASE };

  it('refuses a bad source URL and a wrong signer passphrase in one line, exit 1, writing nothing', async () => {
    const dataDir = path.join(work, 'refused');
    const wrongPassword = serverDbUrl.replace(/:([^:@/]+)@/, ':not-the-password@');
    const badUrl = await importer()(['server', 'import', '--from', wrongPassword, '--data', dataDir]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr.trim().split('\n')).toHaveLength(1);
    expect(badUrl.stderr).toMatch(/cannot connect to the notary-server database postgres:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+\/notaryserver.*password authentication failed/);
    expect(badUrl.stderr).not.toContain('not-the-password');

    const notADatabase = await importer()(['server', 'import', '--from', 'http://example.com/db', '--data', dataDir]);
    expect(notADatabase.code).toBe(1);
    expect(notADatabase.stderr).toMatch(/is not a database URL: expected postgres:\/\//);

    const wrongPassphrase = await importer({ [`NOTARY_SIGNER_${SIGNER_ALIAS.toUpperCase()}`]: 'wrong' })(
      ['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--data', dataDir],
    );
    expect(wrongPassphrase.code).toBe(1);
    expect(wrongPassphrase.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongPassphrase.stderr).toMatch(/the passphrase in NOTARY_SIGNER_ALIAS1 does not open notary-signer key \w+ \(alias alias1/);

    const noPassphrase = await importer()(['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--data', dataDir]);
    expect(noPassphrase.code).toBe(1);
    expect(noPassphrase.stderr).toMatch(/set NOTARY_SIGNER_ALIAS1 to its passphrase/);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('without the signer database: imports the metadata and names each repository whose timestamp key must be rotated', async () => {
    const dataDir = path.join(work, 'no-keys');
    const dry = ok(await importer()(['server', 'import', '--from', serverDbUrl, '--data', dataDir, '--dry-run']));
    expect(dry.stdout).toMatch(/Dry run, nothing written: 3 repository\(ies\), \d+ version\(s\) would import, 0 already present/);
    expect(existsSync(dataDir)).toBe(false);

    const r = ok(await importer()(['server', 'import', '--from', serverDbUrl, '--data', dataDir]));
    expect(r.stdout).toMatch(/3 repository\(ies\) need a new timestamp key/);
    for (const gun of REPOS) {
      expect(r.stdout).toContain(`${gun}: imported `);
      expect(r.stdout).toContain(`notary key rotate ${gun} timestamp -r`);
    }
    expect(r.stdout).toMatch(/0 server key\(s\) imported/);
    expect(new Set(storedRows(dataDir).map((row) => row.gun))).toEqual(new Set(REPOS));

    // Served as it is, a publish fails until a root key holder runs the printed command; then it works.
    const interim = await startTestServer({ dataDir, tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    try {
      const copy = path.join(await makeScratchDir('no-keys-trust'), 'trust');
      cpSync(notary.trustDir, copy, { recursive: true });
      const holder = notaryCli(copy, interim.url, pki.caCert);
      expect(ok(await holder(['list', PLAIN_REPO])).stdout).toMatch(/latest\s/);
      const refused = await holder(['add', PLAIN_REPO, 'next', manifests[0]!, '-p']);
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr, 'REFUSED').toMatch(/no timestamp keys exist on the server/);
      ok(await holder(['key', 'rotate', PLAIN_REPO, 'timestamp', '-r']));
      ok(await holder(['publish', PLAIN_REPO]));
      const fresh = notaryCli(path.join(await makeScratchDir('no-keys-fresh'), 'trust'), interim.url, pki.caCert);
      expect(ok(await fresh(['list', PLAIN_REPO])).stdout).toMatch(/latest\s[\s\S]*next\s/);
    } finally {
      await interim.stop();
    }
  }, 90_000);

  it('imports every version byte for byte with the signer keys; after the cut-over the same trust directories keep working', async () => {
    const dataDir = path.join(work, 'imported');
    const r = ok(await importer(signerEnv)(['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--data', dataDir]));
    expect(r.stdout).not.toMatch(/need a new timestamp key/);
    expect(r.stdout).toContain(`${DOCKER_REPO}: imported`);
    expect(r.stdout).toMatch(new RegExp(`${NOTARY_REPO}: imported \\d+ version\\(s\\), 0 already present; timestamp key imported, snapshot key imported`));
    expect(r.stdout).toMatch(new RegExp(`${PLAIN_REPO}: imported \\d+ version\\(s\\), 0 already present; timestamp key imported\\n`));

    // Byte for byte, every version of every role.
    const source = await pg.psql("COPY (SELECT gun || ' ' || role || ' ' || version || ' ' || encode(sha256(data), 'hex') FROM tuf_files ORDER BY 1) TO STDOUT", 'notaryserver');
    const { createHash } = await import('node:crypto');
    const imported = storedRows(dataDir).map((row) => `${row.gun} ${row.role} ${row.version} ${createHash('sha256').update(row.data).digest('hex')}`);
    expect(imported.sort()).toEqual(source.stdout.trim().split('\n').sort());
    // The change feed lists the same timestamps in the same order as notary-server's.
    const sourceFeed = await pg.psql("COPY (SELECT gun || ' ' || version || ' ' || sha256 FROM changefeed WHERE category = 'update' ORDER BY id) TO STDOUT", 'notaryserver');
    const db = new Database(path.join(dataDir, 'trust-tui-server.sqlite'), { readonly: true });
    const feed = (db.prepare('SELECT gun, version, sha256 FROM changefeed ORDER BY id').all() as { gun: string; version: number; sha256: string }[]).map(
      (c) => `${c.gun} ${c.version} ${c.sha256}`,
    );
    db.close();
    expect(feed).toEqual(sourceFeed.stdout.trim().split('\n'));

    // Again: nothing twice.
    const again = ok(await importer(signerEnv)(['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--data', dataDir]));
    expect(again.stdout).toMatch(/Done: 3 repository\(ies\), 0 version\(s\) imported, \d+ already present, 0 server key\(s\) imported/);
    expect(storedRows(dataDir)).toHaveLength(imported.length);

    // Cut-over: the old server goes away, trust-tui serves the imported data with the same certificate.
    await notaryServer.stop();
    ours = await startTestServer({ dataDir, tlsCert: pki.serverCert, tlsKey: pki.serverKey });

    // The same trust directories, pointed at the new server.
    const sameNotary = notaryCli(notary.trustDir, ours.url, pki.caCert);
    expect(ok(await sameNotary(['list', NOTARY_REPO])).stdout).toMatch(/v1\.0\s+[0-9a-f]{64}\s+\d+\s+targets\/releases/);
    ok(await sameNotary(['add', NOTARY_REPO, 'v2.0', manifests[2]!, '-r', 'targets/releases', '-p']));
    ok(await sameNotary(['add', PLAIN_REPO, 'next', manifests[0]!, '-p']));
    expect(ok(await sameNotary(['list', NOTARY_REPO])).stdout).toMatch(/v2\.0\s/);

    const sameDocker = dockerCli(docker.dockerConfig, ours.url, pki.caCert);
    const inspect = ok(await sameDocker(['trust', 'inspect', DOCKER_REPO])).stdout;
    expect(inspect).toContain('"SignedTag": "v1"');
    expect(inspect).toContain('"SignedTag": "v2"');
    ok(await sameDocker(['trust', 'sign', `${DOCKER_REPO}:v2`]));
    ok(await sameDocker(['trust', 'revoke', '-y', `${DOCKER_REPO}:v1`]));
    expect(ok(await sameDocker(['trust', 'inspect', '--pretty', DOCKER_REPO])).stdout).not.toMatch(/^v1\s/m);

    // A fresh trust directory verifies everything against the new server.
    const fresh = notaryCli(path.join(await makeScratchDir('fresh-trust'), 'trust'), ours.url, pki.caCert);
    expect(ok(await fresh(['list', NOTARY_REPO])).stdout).toMatch(/admin\s[\s\S]*v2\.0\s/);
    expect(ok(await fresh(['list', PLAIN_REPO])).stdout).toMatch(/latest\s[\s\S]*next\s/);
    const freshDocker = dockerCli(path.join(work, 'fresh-docker'), ours.url, pki.caCert);
    expect(ok(await freshDocker(['trust', 'inspect', '--pretty', DOCKER_REPO])).stdout).toMatch(/v2\s+[0-9a-f]{64}\s+alice/);
  }, 180_000);

  it('imports into a trust-tui PostgreSQL database (--database) as well, served by trust-tui server on it', async () => {
    const target = await pg.createDatabase('trusttui');
    const dry = ok(await importer(signerEnv)(['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--database', target, '--dry-run']));
    expect(dry.stdout).toMatch(/Dry run, nothing written: 3 repository\(ies\)/);
    // Nothing written means no schema either: the dry run left the database as it found it.
    expect((await pg.psql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'trust_%'", 'trusttui')).stdout).toMatch(/^\s*0$/m);
    const r = ok(await importer(signerEnv)(['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--database', target]));
    expect(r.stdout).toMatch(/Done: 3 repository\(ies\), \d+ version\(s\) imported, 0 already present, 5 server key\(s\) imported/);
    expect(r.stdout).toContain('into postgres://');
    expect(r.stdout).not.toContain(new URL(target).password);
    const again = ok(await importer(signerEnv)(['server', 'import', '--from', serverDbUrl, '--signer-db', signerDbUrl, '--database', target]));
    expect(again.stdout).toMatch(/Done: 3 repository\(ies\), 0 version\(s\) imported/);

    const onPostgres = await startTestServer({ database: { url: target }, tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    try {
      const fresh = notaryCli(path.join(await makeScratchDir('pg-fresh'), 'trust'), onPostgres.url, pki.caCert);
      expect(ok(await fresh(['list', NOTARY_REPO])).stdout).toMatch(/admin\s[\s\S]*v1\.0\s/);
      ok(await fresh(['list', PLAIN_REPO]));
      const same = notaryCli(notary.trustDir, onPostgres.url, pki.caCert);
      ok(await same(['add', PLAIN_REPO, 'on-postgres', manifests[1]!, '-p']));
      expect(ok(await fresh(['list', PLAIN_REPO])).stdout).toMatch(/on-postgres\s/);
    } finally {
      await onPostgres.stop();
    }
  }, 120_000);
});
