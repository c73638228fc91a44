// The built demo in tmux at 60x15 with NO_COLOR: the sign wizard's Tag field starts with the row's tag
// drawn inverse (selected, never mistakable for a placeholder) and typing replaces it; the add-signer
// keys step keeps its key hints ("f: add a .pub/PEM file") on screen.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TmuxDriver } from './tmux-driver.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist', 'cli.js');

let dir: string;
const driver = new TmuxDriver();

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'esm', 'main.js'))) throw new Error('dist/esm/main.js is missing: run npm run build');
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-e2e-sign-tag-'));
}, 60_000);

afterAll(async () => {
  driver.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the demo at 60x15 with NO_COLOR, in tmux', () => {
  it('the Tag field starts selected and typing replaces it; the add-signer keys keep their hints', async () => {
    await driver.start({ command: `node ${cli} demo --data ${join(dir, 'demo')}`, env: { NO_COLOR: '1', XDG_DATA_HOME: join(dir, 'xdg') }, columns: 60, rows: 15 });
    await driver.waitFor('Repositories (3)', 90_000);
    await driver.key('Enter');
    await driver.waitFor('❯ 3.2.0', 30_000);
    await driver.key('s');
    await driver.waitFor('Step 1 of');
    await driver.key('Enter');
    await driver.waitFor('Tag: 3.2.0');
    const escapes = driver.snap({ escapes: true });
    expect(escapes).not.toMatch(/\x1b\[3[0-7](;\d+)*m/);
    expect(escapes).toMatch(/Tag: (\x1b\[[\d;]*m)*\x1b\[(\d+;)*7(;\d+)*m(\x1b\[[\d;]*m)*3\.2\.0/);
    await driver.type('v9');
    await driver.waitFor('Tag: v9');
    expect(driver.snap()).not.toContain('3.2.0v9');
    await driver.key('Escape');
    await driver.key('Escape');
    await driver.waitFor('s:sign');

    await driver.key('3');
    await driver.waitFor('❯ alice');
    await driver.key('a');
    await driver.waitFor('Signer name:');
    await driver.type('zoe');
    await driver.key('Enter');
    await driver.waitFor('Step 2 of 5');
    const keys = driver.snap();
    expect(keys).toContain('f: add a .pub/PEM file');
    expect(keys).toContain('PgUp/PgDn more');
    expect(keys.replace(/\n$/, '').split('\n')).toHaveLength(15);
    await driver.key('q');
  }, 180_000);
});
