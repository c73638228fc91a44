// Two writers of one settings file: the UI (its store action, over the real services) and the
// `trust-tui config` command line, run interleaved and concurrently. No change may be lost, and the
// UI shows what is in the file after r and after each change.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { createAppStore } from '../../src/state/store.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { makePki } from '../helpers/pki.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

let dir: string;
let cli: TrustTuiRunner;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-settings-'));
  cli = trustTui({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ok = async (p: ReturnType<TrustTuiRunner>) => {
  const r = await p;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
};

function uiStore() {
  return createAppStore(createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') }));
}

const onDisk = async () => JSON.parse(await readFile(join(dir, 'cfg', 'config.json'), 'utf8'));

describe('settings changed by the UI and the command line', () => {
  it('a UI change after a CLI change keeps the CLI change (a server CA is not dropped), and r shows it', async () => {
    const pki = await makePki(join(dir, 'pki'));
    const store = uiStore();
    await store.getState().load('config');
    expect(store.getState().lists.config.rows.map((r) => r.id)).not.toContain('server:registry.example.com/*');

    await ok(cli(['config', 'server', 'registry.example.com/*', 'https://notary.example.com:4443', '--ca', pki.caCert]));
    // The UI, still showing the old settings, changes something else.
    expect(await store.getState().changeConfig({ kind: 'watch', gun: 'registry.example.com/team/app' }, 'Watching')).toBe(true);

    const settings = await onDisk();
    expect(settings.servers).toEqual({ 'registry.example.com/*': { url: 'https://notary.example.com:4443', ca: pki.caCert } });
    expect(settings.watched).toEqual(['registry.example.com/team/app']);
    // After its change the UI shows the file, CLI's change included.
    expect(store.getState().lists.config.rows.find((r) => r.id === 'server:registry.example.com/*')?.value).toContain(`CA ${pki.caCert}`);

    await ok(cli(['config', 'tofu', 'disable']));
    await store.getState().load('config'); // what r does
    expect(store.getState().lists.config.rows.find((r) => r.id === 'tofu')?.value).toBe('off');
  });

  it('concurrent writers (UI actions and CLI processes) lose no update', async () => {
    const store = uiStore();
    await store.getState().load('config');
    const n = 6;
    const cliRuns = Array.from({ length: n }, (_, i) => ok(cli(['config', 'server', `cli${i}.example.com/*`, `https://notary${i}.example.com`])));
    // The UI's changes run one at a time (runTask), straight through the services while the CLI runs.
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') });
    const uiRuns = Array.from({ length: n }, (_, i) => services.updateConfig({ kind: 'watch', gun: `ui.example.com/team/app${i}` }));
    await Promise.all([...cliRuns, ...uiRuns]);
    const settings = await onDisk();
    expect(Object.keys(settings.servers).sort()).toEqual(Array.from({ length: n }, (_, i) => `cli${i}.example.com/*`));
    expect([...settings.watched].sort()).toEqual(Array.from({ length: n }, (_, i) => `ui.example.com/team/app${i}`));
  }, 60_000);

  it('a lock left by a crashed process is taken over; a live one is waited for', async () => {
    const settings = new Settings(join(dir, 'cfg'));
    await settings.update((s) => void (s.tofu = true));
    // A crashed writer: its pid no longer exists.
    await writeFile(settings.lockFile, JSON.stringify({ pid: 2 ** 22 + 7, host: (await import('node:os')).hostname(), at: Date.now() }));
    await settings.update((s) => void (s.tofu = false));
    expect((await onDisk()).tofu).toBe(false);
    await expect(readFile(settings.lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('files are private: settings 0600 in a 0700 directory', async () => {
    await new Settings(join(dir, 'cfg')).update((s) => void (s.tofu = false));
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(dir, 'cfg', 'config.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cfg'))).mode & 0o777).toBe(0o700);
  });
});
