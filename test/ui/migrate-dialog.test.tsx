// The migrate dialog on the Repositories screen: destination URL, the plan (dry run) as preview with
// every tag's signers, confirm, progress, result; an expired role blocks until renewal is chosen.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

const TO = 'https://new-notary.example.com';

async function reposScreen() {
  const services = fakeServices();
  const store = createAppStore(services, { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor('example.com/team/app');
  return { ...ui, services };
}

const flat = (frame: string) => frame.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');

describe('migrate dialog', () => {
  it('m: destination, plan with each tag and its signers, confirm, then the verified result; nothing is published before the confirmation', async () => {
    const ui = await reposScreen();
    await ui.press('m');
    await ui.waitFor('Destination server URL:');
    expect(ui.frame()).toContain('Move example.com/team/app to another trust server');
    await ui.type(TO);
    await ui.press(KEYS.enter);
    await ui.waitFor('Will publish root v2');
    if (process.env.SHOW_FRAMES) console.log(ui.frame());
    const preview = flat(ui.frame());
    expect(preview).toMatch(/v2 b{12} alice, bob -/);
    expect(preview).toMatch(/v1 a{12} Repo Admin -/);
    expect(ui.services.world.calls).toEqual([`planMigration {"gun":"example.com/team/app","to":"${TO}","fromCache":false,"renewExpired":false}`]);
    await ui.press(KEYS.enter);
    await ui.waitFor(`Publish example.com/team/app to ${TO}?`);
    expect(ui.services.world.calls).toHaveLength(1);
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Migrated: the destination serves root v2');
    if (process.env.SHOW_FRAMES) console.log(ui.frame());
    const report = flat(ui.frame());
    expect(report).toMatch(/v2 b{12} alice, bob alice, bob/);
    expect(report).toContain(`DOCKER_CONTENT_TRUST_SERVER=${TO}`);
    expect(ui.services.world.calls).toContain(`migrate example.com/team/app ${TO}`);
    await ui.press(KEYS.esc);
    // Again: already there, nothing to confirm.
    await ui.press('m');
    await ui.type(TO);
    await ui.press(KEYS.enter);
    await ui.waitFor('Already migrated');
    await ui.press(KEYS.enter);
    expect(ui.frame()).not.toContain('Publish example.com');
  });

  it('Tab switches the source to this host\'s cache; an expired role blocks until R renews it on the way', async () => {
    const ui = await reposScreen();
    await ui.press('j', 'm');
    await ui.waitFor('Source');
    await ui.press(KEYS.tab);
    await ui.waitFor("this host's cached, verified trust data");
    await ui.type(TO);
    await ui.press(KEYS.enter);
    await ui.waitFor('Cannot migrate');
    expect(flat(ui.frame())).toMatch(/targets\/bob expired on 2026-01-01: blocks it/);
    await ui.press(KEYS.enter);
    expect(ui.frame()).not.toContain('Publish example.com');
    await ui.press('R');
    await ui.waitFor('re-signed on the way');
    expect(ui.services.world.calls.at(-1)).toBe(`planMigration {"gun":"example.com/team/db","to":"${TO}","fromCache":true,"renewExpired":true}`);
    await ui.press(KEYS.enter);
    await ui.waitFor('Publish example.com/team/db');
  });

  it('an empty URL is refused in place', async () => {
    const ui = await reposScreen();
    await ui.press('m');
    await ui.waitFor('Destination server URL:');
    await ui.press(KEYS.enter);
    await ui.waitFor('Type the URL of the destination trust server');
    expect(ui.services.world.calls).toEqual([]);
  });

  it('fits 60x15: each step keeps its frame and its keys on screen, and the tags scroll with the arrows', async () => {
    const services = fakeServices();
    const store = createAppStore(services, { workDir: '/work' });
    const ui = renderSized(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
      60,
      15,
    );
    await ui.waitFor('example.com/team/app');
    const fits = (frame: string, keys: string) => {
      const lines = frame.replace(/\n$/, '').split('\n');
      expect(lines.length, frame).toBeLessThanOrEqual(15);
      expect(lines.every((l) => l.length <= 60), frame).toBe(true);
      expect(frame, frame).toContain('╰');
      expect(frame, frame).toContain(keys);
    };
    await ui.press('m');
    await ui.waitFor('Destination server URL:');
    fits(ui.frame(), 'Esc: cancel');
    await ui.press(...TO);
    await ui.press(KEYS.enter);
    await ui.waitFor('Will publish root v2');
    fits(ui.frame(), 'Enter: continue');
    // The tags below the window are reached with the arrows.
    for (let i = 0; i < 6 && !/v2 +b{12}/.test(ui.frame()); i++) await ui.press(KEYS.down);
    expect(ui.frame()).toMatch(/v2 +b{12}/);
    fits(ui.frame(), 'Enter: continue');
    await ui.press(KEYS.enter);
    await ui.waitFor('Publish example.com/team/app');
    fits(ui.frame(), 'Enter: publish');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for');
    await ui.press(...'pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Migrated');
    fits(ui.frame(), 'Esc / Enter: close');
    ui.unmount();
  });
});
