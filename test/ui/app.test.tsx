// The app through ink-testing-library: keys as a user presses them, frames as a user sees them.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import type { Services } from '../../src/state/services.js';
import { fakeServices, tag } from '../state/fake-services.js';
import { KEYS, renderTui } from './helpers.js';
import { SettingsError } from '../../src/config/settings.js';

afterEach(() => cleanup());

async function start(services: Services = fakeServices()) {
  const store = createAppStore(services, { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor('example.com/team/app');
  return { ...ui, store };
}

describe('screens and navigation', () => {
  it('shows the repositories with counts, and Enter opens the tags of the selected one', async () => {
    const ui = await start();
    expect(ui.frame()).toContain('Repositories (3)');
    expect(ui.frame()).toMatch(/❯ example\.com\/team\/app/);
    await ui.press('j', KEYS.enter);
    await ui.waitFor('Tags of example.com/team/db');
    expect(ui.frame()).toContain('v9');
    expect(ui.frame()).toContain('[2 Tags]');
  });

  it('switches screens with digits and Tab, and Esc never quits', async () => {
    const ui = await start();
    await ui.press('4');
    await ui.waitFor('Keys (3)');
    await ui.press(KEYS.tab);
    await ui.waitFor('Config (5)');
    await ui.press(KEYS.esc, KEYS.esc);
    expect(ui.frame()).toContain('Config (5)');
    expect(ui.store.getState().screen).toBe('config');
  });

  it('marks unverifiable tags with the reason', async () => {
    const ui = await start();
    await ui.press(KEYS.enter);
    await ui.waitFor('latest');
    expect(ui.frame()).toMatch(/latest.*✗ signature expired/);
    expect(ui.frame()).toMatch(/v1.*✔ yes/);
  });
});

describe('filter', () => {
  it('narrows live with an n/N count, keeps shortcuts out of the text, and Esc clears it', async () => {
    const ui = await start();
    await ui.press('/');
    await ui.type('team');
    expect(ui.frame()).toContain('Repositories (2/3)');
    await ui.type('q1?d'); // would quit, jump, open help, delete outside the field
    expect(ui.frame()).toContain('/teamq1?d');
    expect(ui.frame()).toContain("No repositories match 'teamq1?d'");
    expect(ui.store.getState().screen).toBe('repos');
    expect(ui.store.getState().modal).toBeNull();
    await ui.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.enter);
    expect(ui.frame()).toContain('filter: /team');
    await ui.press(KEYS.esc);
    expect(ui.frame()).toContain('Repositories (3)');
  });
});

describe('help and footer come from the same keymap', () => {
  it('shows the screen keys in the footer and in the ? overlay, which Esc closes', async () => {
    const ui = await start();
    await ui.press('2');
    await ui.waitFor('s:sign');
    expect(ui.frame()).toContain('d:revoke');
    await ui.press('?');
    await ui.waitFor('revoke the selected tag');
    expect(ui.frame()).toContain('jump to screen 1-8');
    await ui.press(KEYS.esc);
    expect(ui.frame()).not.toContain('jump to screen 1-8');
  });
});

describe('revoking a tag', () => {
  it('needs the tag name typed; q typed into the confirm box stays text', async () => {
    const services = fakeServices();
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('v2');
    await ui.press('j', 'd');
    await ui.waitFor('Type v2 to confirm');
    expect(ui.frame()).toContain('lose their last valid release signature: v2');
    await ui.type('vq');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('Value must be exactly v2');
    expect(services.world.calls).toEqual([]);
    await ui.press(KEYS.backspace);
    await ui.type('2');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for targets key');
    await ui.type('pass');
    expect(ui.frame()).toContain('Passphrase: ••••');
    expect(ui.frame()).not.toContain('pass▌');
    await ui.press(KEYS.enter);
    await ui.waitFor('Revoked example.com/team/app:v2');
    expect(services.world.calls).toEqual(['revokeTag example.com/team/app v2']);
    expect(services.world.passphrasesSeen).toEqual(['pass']);
  });

  it('Esc cancels with no side effect', async () => {
    const services = fakeServices();
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('v1');
    await ui.press('d');
    await ui.waitFor('Type v1 to confirm');
    await ui.press(KEYS.esc);
    expect(ui.frame()).not.toContain('Type v1 to confirm');
    expect(services.world.calls).toEqual([]);
  });
});

describe('errors and long operations', () => {
  it('shows a banner with cause and next step and keeps running', async () => {
    const services = fakeServices();
    services.listKeys = () => Promise.reject(new SettingsError('cannot read settings /x/config.json', { hint: 'fix or remove the file' }));
    const ui = await start(services);
    await ui.press('4');
    await ui.waitFor('Error: cannot read settings /x/config.json');
    expect(ui.frame()).toContain('→ Fix or remove the file.');
    await ui.press(KEYS.esc);
    expect(ui.frame()).not.toContain('Error:');
    await ui.press('1');
    expect(ui.frame()).toContain('Repositories (3)');
  });

  it('shows a spinner with what is being done while the UI still moves', async () => {
    const services = fakeServices();
    let release!: () => void;
    const plan = services.planRevokeTag;
    services.planRevokeTag = (gun, t) => new Promise((resolve) => (release = () => resolve(plan(gun, t))));
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('v1');
    await ui.press('d');
    await ui.waitFor('Checking what revoking v1 changes');
    await ui.press('j');
    expect(ui.frame()).toMatch(/❯ v2/);
    release();
    await ui.waitFor('Type v1 to confirm');
  });
});

describe('wizards', () => {
  it('imports a key step by step', async () => {
    const services = fakeServices();
    const ui = await start(services);
    await ui.press('4');
    await ui.waitFor('Keys (3)');
    await ui.press('i');
    await ui.waitFor('Step 1 of 3');
    await ui.type('norole.key');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 2 of 3');
    expect(ui.frame()).toContain('(no role header)');
    await ui.type('erin');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for erin key');
    await ui.type('old-pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Choose a passphrase for the new erin key');
    await ui.type('new-pass-1');
    await ui.press(KEYS.enter);
    await ui.waitFor('Repeat passphrase');
    await ui.type('new-pass-1');
    await ui.press(KEYS.enter);
    await ui.waitFor('Stored key dddddd');
    expect(services.world.passphrasesSeen).toEqual(['old-pass', 'new-pass-1']);
    await ui.press(KEYS.enter);
    await ui.waitFor('Keys (4)');
  });

  it('adds a signer from the Signers screen', async () => {
    const services = fakeServices();
    const ui = await start(services);
    await ui.press('s');
    await ui.waitFor('Signers of example.com/team/app');
    await ui.press('a');
    await ui.waitFor('Step 1 of 5');
    await ui.type('alice2');
    await ui.press(KEYS.enter);
    await ui.waitFor('Keys in the keystore');
    await ui.press(' ');
    expect(ui.frame()).toContain('Chosen (1)');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 3 of 5');
    await ui.press(KEYS.enter); // threshold: unchanged
    await ui.waitFor('Step 4 of 5');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for targets key');
    await ui.type('targets-pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('alice2 can now sign');
    expect(ui.frame()).toContain('targets/alice2: added with key(s)');
    await ui.press(KEYS.esc);
    await ui.waitFor('alice2');
    expect(services.world.calls.find((c) => c.startsWith('addSigner'))).toMatch(/^addSigner example.com\/team\/app alice2/);
  });
});

describe('large lists', () => {
  it('renders only the visible rows of 100,000 tags and moves to the end', async () => {
    const services = fakeServices();
    const many = Array.from({ length: 100_000 }, (_, i) => tag(`t${String(i).padStart(6, '0')}`));
    services.listTags = async () => ({ rows: many, offline: false, server: 'https://notary.example.com' });
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('(100000)');
    const rows = ui.frame().split('\n').filter((l) => /t\d{6}/.test(l));
    expect(rows.length).toBeLessThan(30);
    await ui.press('G');
    expect(ui.frame()).toMatch(/❯ t099999/);
    expect(ui.frame()).not.toContain('t000000');
  });
});
