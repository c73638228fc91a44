// The Signers screen and the tag detail say targets/releases' "k of n" (distinct keys) and, per
// signer, whether their signature on the current releases file verifies (✓) or not (·).
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

const GUN = 'example.com/team/app';

function app() {
  const services = fakeServices();
  services.world.releases = {
    [GUN]: { threshold: 2, keys: 3, keyIds: ['k1', 'k2', 'k3'], signed: 1, bySigner: [{ name: 'alice', signed: true }, { name: 'bob', signed: false }] },
  };
  const store = createAppStore(services, { workDir: '/work' });
  const element = (
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  );
  return { services, element };
}

const rowOf = (frame: string, name: string) => frame.split('\n').find((l) => new RegExp(`^\\S?\\s*${name}\\b`).test(l.trimStart().replace(/^❯\s*/, ''))) ?? '';

describe('releases sign-off', () => {
  it('the Signers screen shows k of n and ✓ / · per signer', async () => {
    const ui = renderTui(app().element);
    await ui.ready();
    await ui.waitFor(GUN);
    await ui.press(KEYS.enter);
    await ui.waitFor(`Tags of ${GUN}`);
    await ui.press('3');
    await ui.waitFor('Signers of');
    await ui.waitFor('releases 2 of 3, 1 signed');
    expect(rowOf(ui.frame(), 'alice')).toMatch(/✓/);
    expect(rowOf(ui.frame(), 'bob')).toMatch(/·/);
    expect(rowOf(ui.frame(), 'bob')).not.toMatch(/✓/);
  });

  it('a repository without targets/releases shows neither', async () => {
    const ui = renderTui(app().element);
    await ui.ready();
    await ui.waitFor(GUN);
    await ui.press('j', KEYS.enter);
    await ui.waitFor('Tags of example.com/team/db');
    await ui.press('3');
    await ui.waitFor('bob');
    expect(ui.frame()).not.toContain('releases 2 of');
    expect(rowOf(ui.frame(), 'bob')).not.toMatch(/[✓·]/);
  });

  it('the tag detail lists the releases k of n and each signer with ✓ / ·', async () => {
    const ui = renderTui(app().element);
    await ui.ready();
    await ui.waitFor(GUN);
    await ui.press(KEYS.enter);
    await ui.waitFor('v2');
    await ui.press('j', KEYS.enter);
    await ui.waitFor('targets/releases: releases 2 of 3, 1 signed');
    expect(ui.frame()).toMatch(/✓ alice\s+· bob/);
  });

  it('fits 60x15: k of n and the ✓ / · column stay visible', async () => {
    const ui = renderSized(app().element, 60, 15);
    await ui.waitFor(GUN);
    await ui.press(KEYS.enter);
    await ui.waitFor(`Tags of`);
    await ui.press('3');
    await ui.waitFor('alice');
    const lines = ui.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(15);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60);
    expect(ui.frame()).toContain('releases 2 of 3, 1 signed');
    expect(ui.frame()).toContain('Releases');
    expect(rowOf(ui.frame(), 'alice')).toMatch(/✓/);
    expect(rowOf(ui.frame(), 'bob')).toMatch(/·/);
    ui.unmount();
  });
});
