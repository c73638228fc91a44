// A confirmation says what confirming does as its plan will carry it out (published now, or a
// signing request that publishes nothing yet), once: a signer's removal, and the add-signer wizard's
// step 4. At 60x15 a removal shows as many of its changes as fit.
import { afterEach, describe, expect, it } from 'vitest';
import type { DestructivePlan } from '../../src/state/services.js';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderAppSized } from './helpers.js';

const GUN = 'example.com/team/app';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

async function removeAlice(columns: number, rows: number, options: { viaRequest?: boolean; changes?: string[] } = {}) {
  const services = fakeServices();
  services.world.removalOpensRequest = options.viaRequest ?? false;
  const plain = services.planRemoveSigner;
  services.planRemoveSigner = async (gun, name, keyId) => {
    const plan = await plain(gun, name, keyId);
    return (options.changes ? { ...plan, changes: options.changes } : plan) as DestructivePlan;
  };
  const ui = renderAppSized(services, columns, rows, { gun: GUN, screen: 'signers' });
  unmount = ui.unmount;
  await ui.waitFor('❯ alice');
  await ui.press('d');
  await ui.waitFor('Type alice to confirm');
  return ui;
}

/** The dialog's text as one line (borders and wrapping removed). */
const flat = (frame: string) => frame.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
const count = (text: string, part: string) => text.split(part).length - 1;

describe('what a removal confirmation says confirming does', () => {
  it('published at once: says so once', async () => {
    const ui = await removeAlice(100, 40);
    const text = flat(ui.frame());
    expect(count(text, 'cannot be undone')).toBe(1);
    expect(text).toContain('WARNING: this is published and cannot be undone');
    expect(text).not.toContain('Nothing is published');
  });

  it('through a signing request (k-of-n releases): says nothing is published yet, and never that it is', async () => {
    const ui = await removeAlice(100, 40, { viaRequest: true });
    const text = flat(ui.frame());
    expect(text).toContain('Nothing is published yet: a signing request collects the signatures');
    expect(text).not.toContain('is published and');
    expect(text).not.toContain('cannot be undone');
  });
});

describe('a removal preview at 60x15', () => {
  it('uses the rows it has for the plan before scrolling', async () => {
    const changes = ['targets/alice is deleted', 'targets/releases: alice leaves', 'targets/bob: unchanged', 'targets/carol: unchanged'];
    const ui = await removeAlice(60, 15, { changes });
    const frame = ui.frame();
    expect(frame.split('\n').length).toBeLessThanOrEqual(15);
    // Five lines (four changes and the lost tags): three show with the "more" line.
    expect(frame).toMatch(/more: 1–3 of 5/);
    for (const change of changes.slice(0, 3)) expect(frame).toContain(change);
    expect(frame).toContain('Type alice to confirm');
    expect(frame).toContain('Enter: confirm   Esc: cancel');
  });
});

describe("the add-signer wizard's confirmation", () => {
  async function toConfirm(viaRequest: boolean, columns = 100, rows = 30) {
    const services = fakeServices();
    services.world.addOpensRequest = viaRequest;
    const ui = renderAppSized(services, columns, rows, { gun: GUN, screen: 'signers' });
    unmount = ui.unmount;
    await ui.waitFor('❯ alice');
    await ui.press('a');
    await ui.waitFor('Signer name:');
    await ui.type('carol');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 2 of 5');
    await ui.press(' ', KEYS.enter);
    await ui.waitFor('Releases threshold');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 5');
    await ui.waitFor('Add signer carol');
    return { ui, services };
  }

  it('a change that needs others says no publish, and the add is told what was confirmed', async () => {
    const { ui, services } = await toConfirm(true);
    const text = flat(ui.frame());
    expect(text).toContain('Nothing is published yet');
    expect(text).toContain('Enter: open the signing request');
    expect(text).not.toContain('This publishes');
    expect(text).not.toContain('add and publish');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Signing request req-1 opened');
    expect(services.world.calls.filter((c) => c.startsWith('planAddSigner') || c.startsWith('addSigner'))).toHaveLength(2);
  });

  it('a change this host can publish says it publishes', async () => {
    const { ui } = await toConfirm(false);
    const text = flat(ui.frame());
    expect(text).toContain('This publishes new trust data for example.com/team/app');
    expect(text).toContain('Enter: add and publish');
    expect(text).not.toContain('Nothing is published');
  });

  it('at 60x15 what confirming does is on screen without scrolling', async () => {
    const { ui } = await toConfirm(true, 60, 15);
    const text = flat(ui.frame());
    expect(text).toContain('Nothing is published yet: this opens a signing request');
    expect(text).toContain('Enter: open the signing request');
  });
});
