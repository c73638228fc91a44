// End to end in the demo, as a new user: sign a tag although the demo's registry does not exist
// (digest and size typed in the sign dialog), and import a passphrase-protected key file (its own
// passphrase asked in the dialog) — then `inspect --json` and `key list --json` on the demo's data.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, demoCli, ecdsaKeyId, requireTmuxAndBuild, serveDemo } from './demo-helpers.js';
import { TmuxDriver } from './tmux-driver.js';

const WEB = 'demo.trust-tui.local/team/web';

let dir: string;
let data: string;
let keyFile: string;
let server: ChildProcess | undefined;
const driver = new TmuxDriver();
const cliJson = (...args: string[]) => demoCli(data).cliJson(...args);
const inspect = (gun: string) => demoCli(data).inspect(gun);

beforeAll(async () => {
  requireTmuxAndBuild();
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-e2e-demo-sign-'));
  data = join(dir, 'demo');
  keyFile = join(dir, 'erin.p8');
  const plain = join(dir, 'erin.pem');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', plain]);
  execFileSync('openssl', ['pkcs8', '-topk8', '-in', plain, '-out', keyFile, '-v2', 'aes-256-cbc', '-passout', 'pass:erins-file-passphrase']);
  chmodSync(keyFile, 0o600);
}, 180_000);

afterAll(async () => {
  driver.stop();
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('trust-tui demo: sign and import as a new user', () => {
  it('signs a tag with a typed digest and size, and imports an encrypted key file', async () => {
    const erin = ecdsaKeyId(join(dir, 'erin.pem'));
    const digest = `sha256:${'5e'.repeat(32)}`;
    await driver.start({
      command: `node ${cli} demo --data ${data}`,
      env: { NO_COLOR: '1', XDG_DATA_HOME: join(dir, 'xdg') },
      columns: 120,
      rows: 35,
    });
    await driver.waitFor('Repositories (3)', 60_000);
    await driver.waitFor(/team\/web\s+3\s+3\s/, 20_000);
    await driver.key('j');
    await driver.waitFor(`❯ ${WEB}`);
    await driver.key('Enter');
    await driver.waitFor(`Tags of ${WEB} (3)`, 20_000);

    // Sign v3: the demo's registry cannot be reached, so the dialog asks for digest and size.
    await driver.key('s');
    await driver.waitFor('Step 1 of 5: Source');
    await driver.key('Enter'); // already in the registry
    await driver.waitFor('Step 2 of 5: Tag');
    for (let i = 0; i < 10; i++) await driver.key('BSpace');
    await driver.type('v3');
    await driver.key('Enter');
    await driver.waitFor('The registry could not say what v3 is', 30_000);
    await driver.type(digest.slice(0, 20));
    expect(await driver.waitFor('so far)')).toContain('needs: 64 hex digits after sha256:');
    await driver.type(digest.slice(20));
    await driver.waitFor('✔ valid');
    await driver.key('Enter');
    await driver.waitFor('Size (bytes):');
    await driver.type('1234');
    await driver.key('Enter');
    await driver.waitFor('typed by you');
    await driver.key('Enter');
    await driver.waitFor(`Signed ${WEB}:v3 in`, 30_000);
    await driver.key('Enter');
    await driver.waitFor(`Tags of ${WEB} (4)`, 20_000);

    // Import the passphrase-protected key: its own passphrase is asked; the keystore's comes from the demo.
    await driver.key('4');
    await driver.waitFor(/Keys \(\d+\)/, 20_000);
    await driver.key('i');
    await driver.waitFor('Step 1 of 3');
    await driver.type(keyFile);
    await driver.key('Enter');
    await driver.waitFor('Encrypted', 20_000);
    await driver.type('erin');
    await driver.key('Enter');
    await driver.waitFor(`Passphrase of the key file ${keyFile}`, 20_000);
    await driver.type('erins-file-passphrase');
    await driver.key('Enter');
    await driver.waitFor(`Stored key ${erin.slice(0, 7)} (ecdsa) as erin`, 20_000);
    await driver.key('Enter');
    await driver.key('q');
    await driver.waitFor('EXIT=0', 20_000);

    expect((cliJson('key', 'list', '--json') as { id: string; role: string }[]).find((k) => k.id === erin)).toMatchObject({ role: 'erin' });
    server = await serveDemo(data);
    const v3 = inspect(WEB).SignedTags.find((t) => t.SignedTag === 'v3') as { Digest?: string; Signers: string[] } | undefined;
    expect(v3).toBeDefined();
    expect(v3!.Digest).toBe(digest.slice('sha256:'.length));
    server.kill('SIGINT');
    await new Promise((r) => server!.once('exit', r));
  }, 150_000);
});
