// The Config screen's forms check what they are given with the rules `trust-tui config` uses, as the
// user types, and make the change through the same operation (real settings files here).
import { cleanup } from 'ink-testing-library';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { makePki } from '../helpers/pki.js';
import { KEYS, renderTui } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-config-ui-'));
});
afterEach(async () => {
  cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function start() {
  const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env: {} });
  const store = createAppStore(services, { workDir: dir });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.press('5');
  await ui.waitFor('Trust on first use');
  return { ...ui, store };
}

const settingsOnDisk = async () => JSON.parse(await readFile(join(dir, 'cfg', 'config.json'), 'utf8').catch(() => '{}'));

/** a, then the n-th entry of the "Add" menu. */
async function add(ui: Awaited<ReturnType<typeof start>>, entry: 0 | 1 | 2) {
  await ui.press('a');
  await ui.waitFor('Add to the configuration');
  for (let i = 0; i < entry; i++) await ui.press('j');
  await ui.press(KEYS.enter);
}

describe('config forms validate as the CLI does', () => {
  it('a server: its example scope works, a prefix without * is explained, http is refused, a CA is asked for', async () => {
    const pki = await makePki(join(dir, 'pki'));
    const ui = await start();
    await add(ui, 0);
    await ui.waitFor('Repository or prefix:');
    expect(ui.frame()).toContain('registry.example.com/*');
    await ui.type('registry.example.com/');
    await ui.waitFor('use registry.example.com/* for all under it');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('Repository or prefix:'); // refused: the form stays
    await ui.type('*');
    expect(ui.frame()).not.toContain('✗');
    await ui.press(KEYS.enter);
    await ui.waitFor('URL:');
    await ui.type('http://notary.example.com');
    await ui.waitFor('plain http is not allowed');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('URL:');
    await ui.press('\u0015'); // Ctrl-U clears the field
    await ui.type('https://notary.example.com:4443');
    await ui.press(KEYS.enter);
    await ui.waitFor('CA file:');
    await ui.type(pki.caCert);
    await ui.press(KEYS.enter);
    await ui.waitFor('Server for registry.example.com/*');
    expect((await settingsOnDisk()).servers).toEqual({ 'registry.example.com/*': { url: 'https://notary.example.com:4443', ca: pki.caCert } });
  });

  it('a 3,000-character paste is refused with its length, and the field stays one line', async () => {
    const ui = await start();
    await add(ui, 2);
    await ui.waitFor('Repository:');
    ui.stdin.write('a'.repeat(3000));
    await ui.waitFor('3000 characters long; at most 255');
    for (const line of ui.frame().split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('Repository:');
    expect(await settingsOnDisk()).toEqual({});
  });

  it('a repository that is not a valid reference cannot be watched; a valid one is stored fully qualified', async () => {
    const ui = await start();
    await add(ui, 2);
    await ui.waitFor('Repository:');
    await ui.type('Registry.example.com/Team/App:v1');
    await ui.waitFor('is not a repository name');
    await ui.press('\u0015');
    await ui.type('alpine');
    await ui.press(KEYS.enter);
    await ui.waitFor('Watching docker.io/library/alpine');
    expect((await settingsOnDisk()).watched).toEqual(['docker.io/library/alpine']);
  });

  it('a pin that is not a certificate is refused with the cause, and nothing is written', async () => {
    const notCert = join(dir, 'notes.txt');
    await writeFile(notCert, 'just some text\n');
    const ui = await start();
    await add(ui, 1);
    await ui.waitFor('Repository or prefix:');
    await ui.type('registry.example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Certificate file(s):');
    await ui.type(notCert);
    await ui.press(KEYS.enter);
    await ui.waitFor('holds no PEM certificate');
    expect((await settingsOnDisk()).pins ?? {}).toEqual({});
  });

  it('a CA file that cannot be used keeps the form and what was typed, so it can be corrected', async () => {
    const pki = await makePki(join(dir, 'pki'));
    const ui = await start();
    await add(ui, 0);
    await ui.waitFor('Repository or prefix:');
    await ui.type('registry.example.com/*');
    await ui.press(KEYS.enter);
    await ui.waitFor('URL:');
    await ui.type('https://notary.example.com:4443');
    await ui.press(KEYS.enter);
    await ui.waitFor('CA file:');
    await ui.type(dir);
    await ui.press(KEYS.enter);
    await ui.waitFor('is a directory, not a file');
    expect(ui.frame()).toContain(`CA file: ${dir}`);
    expect((await settingsOnDisk()).servers ?? {}).toEqual({});
    await ui.press('\u0015');
    await ui.type(pki.caCert);
    await ui.press(KEYS.enter);
    await ui.waitFor('Server for registry.example.com/* is');
    expect((await settingsOnDisk()).servers).toEqual({ 'registry.example.com/*': { url: 'https://notary.example.com:4443', ca: pki.caCert } });
  });

  it('a pin file that cannot be used keeps the form and what was typed', async () => {
    const notCert = join(dir, 'notes.txt');
    await writeFile(notCert, 'just some text\n');
    const ui = await start();
    await add(ui, 1);
    await ui.waitFor('Repository or prefix:');
    await ui.type('registry.example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Certificate file(s):');
    await ui.type(notCert);
    await ui.press(KEYS.enter);
    await ui.waitFor('holds no PEM certificate');
    expect(ui.frame()).toContain(`Certificate file(s): ${notCert}`);
  });

  it('a CA pin is shown on one row by its certificate, not as PEM text', async () => {
    const pki = await makePki(join(dir, 'pki'));
    const ui = await start();
    await add(ui, 1);
    await ui.waitFor('Repository or prefix:');
    await ui.type('registry.example.com/*');
    await ui.press(KEYS.enter);
    await ui.waitFor('Certificate file(s):');
    await ui.type(pki.caCert);
    await ui.press(KEYS.enter);
    await ui.waitFor('Pinned registry.example.com/*');
    const row = ui.frame().split('\n').find((l) => l.includes('Pin for'));
    expect(row).toMatch(/Pin for \S+\s+CA trust-tui test CA/);
    expect(ui.frame()).not.toContain('BEGIN CERTIFICATE');
  });
});

describe('removing a config row', () => {
  it('the status names the row once ("Removed server for X"), and the setting is gone', async () => {
    await mkdir(join(dir, 'cfg'), { recursive: true });
    await writeFile(join(dir, 'cfg', 'config.json'), JSON.stringify({ servers: { 'other.example/*': { url: 'https://notary.other.example' } } }));
    const ui = await start();
    await ui.waitFor('Server for other.example/*');
    while (!/❯ Server for/.test(ui.frame())) await ui.press('j');
    await ui.press('d');
    await ui.waitFor('Remove "Server for other.example/*');
    await ui.press('y');
    await ui.waitFor('Removed server for other.example/*');
    expect(ui.frame()).not.toContain('other.example/* other.example/*');
    expect((await settingsOnDisk()).servers).toEqual({});
  });
});
