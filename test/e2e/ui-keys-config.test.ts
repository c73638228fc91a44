// End to end: the built binary in tmux. Generates a key and edits settings through the UI, then
// checks with the command line and the settings file that exactly that happened. Also covers
// NO_COLOR, resizing, quitting and the no-terminal refusal.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TmuxDriver } from './tmux-driver.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist', 'cli.js');

let dir: string;
let env: Record<string, string>;
const driver = new TmuxDriver();

beforeAll(async () => {
  // dist/ is built once for all test files (test/global-setup.ts).
  if (!existsSync(join(root, 'dist', 'esm', 'main.js'))) throw new Error('dist/esm/main.js is missing: run npm run build');
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-e2e-'));
  env = { DOCKER_CONFIG: join(dir, 'docker'), TRUST_TUI_CONFIG_DIR: join(dir, 'cfg'), NO_COLOR: '1' };
}, 180_000);

afterAll(async () => {
  driver.stop();
  await rm(dir, { recursive: true, force: true });
});

const cliJson = (...args: string[]) =>
  JSON.parse(execFileSync('node', [cli, '--trust-dir', join(dir, 'docker', 'trust'), '--config-dir', join(dir, 'cfg'), '--json', ...args], { encoding: 'utf8' }));

describe('the interactive UI, built and run in tmux', () => {
  it('refuses to start without a terminal, with a one-line hint', () => {
    const run = spawnSync('node', [cli], { input: '', encoding: 'utf8', env: { ...process.env, ...env } });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('trust-tui --help');
  });

  it('generates a key, edits the config, survives resizes and quits cleanly', async () => {
    await driver.start({ command: `node ${cli}`, env, columns: 100, rows: 30 });
    await driver.waitFor('Repositories');

    // NO_COLOR: no colour escapes, and the selection is still visible (❯).
    await driver.key('5');
    await driver.waitFor('❯ Trust on first use');
    const coloured = driver.snap({ escapes: true });
    expect(coloured).not.toMatch(/\x1b\[3[0-7](;\d+)*m/);
    // …but bold and inverse are not colours: the titles stay bold, the selected row inverse.
    expect(coloured).toMatch(/\x1b\[(\d+;)*1(;\d+)*m/);
    expect(coloured).toMatch(/\x1b\[(\d+;)*7(;\d+)*m/);

    // Keys: generate "alice" through the wizard.
    await driver.key('4');
    await driver.waitFor('Keys (0)');
    await driver.key('n');
    await driver.waitFor('Step 1 of 4');
    await driver.type('alice');
    await driver.key('Enter');
    await driver.waitFor('Step 2 of 4');
    await driver.key('Enter'); // ecdsa
    await driver.waitFor('Step 3 of 4');
    await driver.key('C-u');
    await driver.type(dir);
    await driver.key('Enter');
    await driver.waitFor('Choose a passphrase');
    await driver.type('alice-passphrase');
    await driver.key('Enter');
    await driver.waitFor('Repeat passphrase');
    await driver.type('alice-passphrase');
    await driver.key('Enter');
    const done = await driver.waitFor(/Key ([0-9a-f]{7}) for alice/);
    const shortId = /Key ([0-9a-f]{7}) for alice/.exec(done)![1]!;
    await driver.key('Escape');
    await driver.waitFor('Keys (1)');
    expect(driver.snap()).toMatch(new RegExp(`❯ ${shortId}\\s+alice\\s+ecdsa`));

    // Config: add a server for a GUN prefix.
    await driver.key('5');
    await driver.key('a');
    await driver.waitFor('Add to the configuration');
    await driver.key('Enter');
    await driver.waitFor('Repository or prefix:');
    await driver.type('example.com/');
    await driver.waitFor('use example.com/* for all under it');
    await driver.type('*');
    await driver.key('Enter');
    await driver.waitFor('URL:');
    await driver.type('http://notary.example.com:4443');
    await driver.waitFor('plain http is not allowed');
    await driver.key('Enter'); // refused: the form stays
    await driver.key('C-u');
    await driver.type('https://notary.example.com:4443');
    await driver.key('Enter');
    await driver.waitFor('CA file:');
    await driver.key('Enter');
    await driver.waitFor('Server for example.com/*');

    // Resize down to the minimum and back: the layout reflows, no debris.
    await driver.resize(60, 15);
    await driver.waitFor('Config (');
    await driver.resize(100, 30);
    const after = await driver.waitFor('Config (');
    expect(after.match(/Config \(/g)).toHaveLength(1);
    expect(after.match(/q:quit/g)).toHaveLength(1);
    await driver.resize(50, 12);
    await driver.waitFor('Terminal too small');
    await driver.resize(100, 30);

    await driver.key('q');
    const exited = await driver.waitFor('EXIT=0');
    expect(exited).not.toContain('Config ('); // the alternate screen is gone

    // The command line sees exactly what the UI said it did.
    const keys = cliJson('key', 'list');
    const listed = (Array.isArray(keys) ? keys : keys.keys) as { id: string; role: string }[];
    expect(listed.map((k) => [k.id.slice(0, 7), k.role])).toEqual([[shortId, 'alice']]);
    expect(existsSync(join(dir, 'alice.pub'))).toBe(true);
    const settings = JSON.parse(await readFile(join(dir, 'cfg', 'config.json'), 'utf8'));
    expect(settings.servers).toEqual({ 'example.com/*': { url: 'https://notary.example.com:4443' } });
  }, 120_000);
});
