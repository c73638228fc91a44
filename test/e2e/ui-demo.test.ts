// End to end on real trust data: `trust-tui demo` (embedded server, seeded repositories) built and
// run in tmux. Browses a tag and its signers, revokes a tag with the typed confirmation, imports an
// openssl-made key, makes it a signer, sweeps bob's key as compromised, quits — then restarts the
// demo server alone (the data persists in its SQLite store) and checks with `inspect --json` that
// the trust data changed exactly as the UI said.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, demoCli, ecdsaKeyId, requireTmuxAndBuild, serveDemo } from './demo-helpers.js';
import { TmuxDriver } from './tmux-driver.js';

const WEB = 'demo.trust-tui.local/team/web';
const API = 'demo.trust-tui.local/team/api';
const TOOLS = 'demo.trust-tui.local/tools/cli';

let dir: string;
let data: string;
let keyFile: string;
let server: ChildProcess | undefined;
const driver = new TmuxDriver();
const cliJson = (...args: string[]) => demoCli(data).cliJson(...args);
const inspect = (gun: string) => demoCli(data).inspect(gun);

beforeAll(async () => {
  requireTmuxAndBuild();
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-e2e-demo-'));
  data = join(dir, 'demo');
  keyFile = join(dir, 'dave.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
  chmodSync(keyFile, 0o600);
}, 180_000);

afterAll(async () => {
  driver.stop();
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('trust-tui demo, driven in tmux', () => {
  it('browses, revokes, imports a key, adds a signer and sweeps a key; the CLI sees exactly that', async () => {
    const daveId = ecdsaKeyId(keyFile);
    const dave = daveId.slice(0, 7);
    await driver.start({
      command: `node ${cli} demo --data ${data}`,
      env: { NO_COLOR: '1', XDG_DATA_HOME: join(dir, 'xdg') },
      columns: 120,
      rows: 35,
    });
    // The first run seeds three repositories on the embedded server, then opens the UI.
    await driver.waitFor('Repositories (3)', 60_000);
    await driver.waitFor(/team\/web\s+3\s+3\s/, 20_000);

    // Browse: team/web -> tag v1.1 and who signed it -> the repository's signers.
    await driver.key('j');
    await driver.waitFor(`❯ ${WEB}`);
    await driver.key('Enter');
    await driver.waitFor(`Tags of ${WEB} (3)`, 20_000);
    expect(driver.snap()).toMatch(/v2\.0-rc1\s+[0-9a-f]{16}\s+\d+ B bob\s+✔ yes/);
    await driver.key('j');
    await driver.waitFor('❯ v1.1');
    await driver.key('Enter');
    const detail = await driver.waitFor(`${WEB}:v1.1`);
    expect(detail).toMatch(/Signers\s+alice, bob/);
    expect(detail).toContain('Verifies: yes');
    await driver.key('Escape');
    await driver.key('3');
    const signers = await driver.waitFor(`Signers of ${WEB} (3)`, 20_000);
    expect(signers).toMatch(/alice\s+[0-9a-f]{7}\s+1\s+[✓·]\s+2/); // ✓/·: a signature on targets/releases
    expect(signers).toMatch(/bob\s+[0-9a-f]{7}\s+1\s+[✓·]\s+2/);
    expect(signers).not.toMatch(/^\W*releases\s/m); // the shared role is not a signer

    // Revoke v2.0-rc1: the dialog says what changes, and only the exact tag name confirms.
    await driver.key('2');
    await driver.waitFor(`Tags of ${WEB} (3)`);
    await driver.key('G');
    await driver.waitFor('❯ v2.0-rc1');
    await driver.key('d');
    const revoke = await driver.waitFor('Type v2.0-rc1 to confirm', 20_000);
    expect(revoke).toContain('v2.0-rc1 is removed from targets/bob');
    expect(revoke).toContain('Tags that stop being pullable with content trust: v2.0-rc1');
    await driver.type('v2.0-rc');
    await driver.key('Enter');
    await driver.waitFor('Value must be exactly v2.0-rc1');
    await driver.type('1');
    await driver.key('Enter');
    await driver.waitFor(`Revoked ${WEB}:v2.0-rc1`, 30_000);
    expect(await driver.waitFor(`Tags of ${WEB} (2)`)).not.toMatch(/^\W*v2\.0-rc1\s/m);

    // Import the openssl key: file -> what it holds (its key ID) -> name -> stored.
    await driver.key('4');
    await driver.waitFor('Keys (8)', 20_000);
    await driver.key('i');
    await driver.waitFor('Step 1 of 3');
    await driver.type(keyFile);
    await driver.key('Enter');
    const preview = await driver.waitFor(/Key ID\s+[0-9a-f]{7}/, 20_000); // read, past the spinner
    expect(preview).toMatch(new RegExp(`Key ID\\s+${dave}`));
    expect(preview).toMatch(/Type\s+ecdsa/);
    await driver.type('dave');
    await driver.key('Enter');
    await driver.waitFor(`Stored key ${dave} (ecdsa) as dave`, 20_000);
    await driver.key('Enter');
    expect(await driver.waitFor('Keys (9)')).toMatch(new RegExp(`${dave}\\s+dave\\s+ecdsa`));

    // Make dave a signer of team/web with that key.
    await driver.key('3');
    await driver.waitFor(`Signers of ${WEB} (3)`);
    await driver.key('a');
    await driver.waitFor('Step 1 of 5: Signer name');
    await driver.type('dave');
    await driver.key('Enter');
    await driver.waitFor(`[x] ${dave} ecdsa`); // the key named like the signer is preselected
    await driver.key('Enter');
    await driver.waitFor('Step 3 of 5: Threshold');
    await driver.key('Enter'); // unchanged
    expect(await driver.waitFor('Step 4 of 5: Confirm')).toContain(daveId);
    await driver.key('Enter');
    await driver.waitFor(`dave can now sign ${WEB} (keys ${dave})`, 30_000);
    await driver.key('Enter');
    expect(await driver.waitFor(`Signers of ${WEB} (4)`)).toMatch(new RegExp(`dave\\s+${dave}\\s+1\\s+·\\s+0`)); // added, has not signed releases yet

    // Sweep bob's key as compromised: dry run -> type its short ID -> run -> report.
    const bobId = (cliJson('key', 'list', '--json') as { id: string; role: string }[]).find((k) => k.role === 'bob')!.id;
    const bob = bobId.slice(0, 7);
    await driver.key('4');
    // The Keys screen now says which repository trusts dave's key.
    await driver.waitFor(new RegExp(`${dave}\\s+dave\\s+ecdsa\\s+${WEB}\\s+0`), 20_000);
    expect(driver.snap()).toMatch(new RegExp(`${bob}\\s+bob\\s+ecdsa\\s+${WEB}\\s+1`)); // v1.1 (v2.0-rc1 was revoked)
    await driver.key('/');
    await driver.type('bob');
    await driver.key('Enter');
    await driver.waitFor(`❯ ${bob}  bob`);
    await driver.key('S');
    const dryRun = await driver.waitFor('change(s) pending in', 20_000); // the plan, past its spinner
    expect(dryRun).toMatch(/team\/web\s+targets\/releases\s+/);
    expect(dryRun).toMatch(/team\/web\s+targets\/bob\s+/);
    expect(dryRun).not.toContain('team/api'); // bob signs nothing there
    expect(dryRun).toContain('2 change(s) pending in 1 repositories');
    await driver.key('Enter');
    await driver.waitFor(`Type ${bob} to confirm`);
    await driver.type(bob);
    await driver.key('Enter');
    const report = await driver.waitFor('Step 4 of 4: Report', 30_000);
    expect(report).toMatch(/team\/web\s+targets\/releases\s+done/);
    expect(report).toMatch(/team\/web\s+targets\/bob\s+done/);
    expect(report).toContain('Sweep complete.');
    await driver.key('Escape');
    await driver.waitFor(new RegExp(`${bob}\\s+bob\\s+ecdsa\\s+-\\s+0`), 20_000); // trusted by no repository now
    // The other screens show the new trust data too (they reload after a publish).
    await driver.key('3');
    const after = await driver.waitFor(new RegExp(`Signers of ${WEB} \\(3\\)[\\s\\S]*dave`), 20_000);
    expect(after).not.toMatch(/\bbob\b/);

    await driver.key('q');
    expect(await driver.waitFor('EXIT=0', 20_000)).not.toContain('Signers of');

    // The command line, against the same server data, sees exactly what the UI reported.
    server = await serveDemo(data);
    const web = inspect(WEB);
    expect(web.SignedTags.map((t) => t.SignedTag)).toEqual(['v1.0', 'v1.1']); // v0.9 was revoked by the seed
    expect(web.SignedTags.find((t) => t.SignedTag === 'v1.1')!.Signers).toEqual(['alice']);
    expect(web.Signers.find((s) => s.Name === 'dave')!.Keys).toEqual([{ ID: daveId }]);
    expect(web.Signers.map((s) => s.Name).sort()).toEqual(['alice', 'dave', 'owner']);
    for (const gun of [WEB, API, TOOLS]) {
      const ids = inspect(gun).Signers.flatMap((s) => s.Keys.map((k) => k.ID));
      expect(ids, gun).not.toContain(bobId);
    }
    expect(inspect(API).Signers.map((s) => s.Name).sort()).toEqual(['alice', 'carol', 'owner']);
    server.kill('SIGINT');
    await new Promise((r) => server!.once('exit', r));
  }, 150_000);
});
