// The signer wizard's releases threshold step: a value above the distinct keys is refused with
// `signer add`'s rule; a valid one is shown on the confirmation and in the result (1 → 2); when the
// change needs others' signatures the result and the status line say a signing request was opened.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices, KEY_B } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

const GUN = 'example.com/team/app';

function app() {
  const services = fakeServices();
  // releases today: bob's key only, 1 of 1; adding alice makes 2 distinct keys.
  services.world.releases = { [GUN]: { threshold: 1, keys: 1, keyIds: [KEY_B], signed: 1, bySigner: [{ name: 'bob', signed: true }] } };
  services.world.signers[GUN] = [{ name: 'bob', keyIds: [KEY_B], threshold: 1, tagsSigned: 2 }];
  const store = createAppStore(services, { workDir: '/work' });
  const element = (
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  );
  return { services, store, element };
}

type Ui = { press(...k: string[]): Promise<void>; waitFor(t: string | RegExp): Promise<void>; frame(): string };

async function toThresholdStep(ui: Ui) {
  await ui.waitFor(GUN);
  await ui.press(KEYS.enter);
  await ui.waitFor('Tags of');
  await ui.press('3');
  await ui.waitFor('bob');
  await ui.press('a');
  await ui.waitFor('Signer name:');
  for (const ch of 'alice') await ui.press(ch);
  await ui.press(KEYS.enter);
  await ui.waitFor('[x] aaaaaaa'); // alice's keystore key, pre-selected
  await ui.press(KEYS.enter);
  await ui.waitFor('Releases threshold');
}

/** The frame's text with box borders and wrapping undone. */
const flat = (frame: string) => frame.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');

describe('signer wizard threshold step', () => {
  it('at 60x15: refuses 3 of 2 keys, then adds alice with threshold 1 → 2', async () => {
    const { services, element } = app();
    const ui = renderSized(element, 60, 15);
    await toThresholdStep(ui);
    expect(flat(ui.frame())).toContain('with alice it has 2 distinct key(s)');
    await ui.press('3', KEYS.enter);
    await ui.waitFor(/can never be met/);
    expect(flat(ui.frame())).toContain('threshold 3 for targets/releases of example.com/team/app can never be met: it would have 2 distinct key(s)');
    for (const line of ui.frame().split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(15);
    await ui.press(KEYS.backspace, '2', KEYS.enter);
    await ui.waitFor('threshold: 1 → 2');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase');
    for (const ch of 'pass') await ui.press(ch);
    await ui.press(KEYS.enter);
    await ui.waitFor('can now sign');
    expect(flat(ui.frame())).toContain('targets/releases: threshold 1 → 2');
    expect(services.world.calls.filter((c) => c.startsWith('addSigner'))).toEqual([`addSigner ${GUN} alice [{"from":"keystore","id":"${services.world.keys.find((k) => k.role === 'alice')!.id}"}] threshold 2`]);
    ui.unmount();
  });

  it('empty keeps the threshold; a signing request is said as such, in the result and the status line', async () => {
    const { services, store, element } = app();
    services.world.addOpensRequest = true;
    const ui = renderTui(element);
    await ui.ready();
    await toThresholdStep(ui);
    await ui.press(KEYS.enter);
    await ui.waitFor('threshold: 1 (unchanged)');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Nothing published yet');
    expect(flat(ui.frame())).toContain('Signing request req-1 opened (needs 1 more signature)');
    expect(flat(ui.frame())).not.toContain('can now sign');
    expect(store.getState().status).toBe(`Nothing published: signing request req-1 opened for ${GUN} (needs 1 more signature)`);
    expect(services.world.calls.filter((c) => c.startsWith('addSigner'))).toHaveLength(1);
    expect(services.world.calls.find((c) => c.startsWith('addSigner'))).not.toContain('threshold');
  });
});
