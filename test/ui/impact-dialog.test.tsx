// The confirmation of a signer removal shows its impact on docker pull (lost tags, the running-
// containers rule, who must sign what), and at 60x15 the dialog scrolls it while the prompt stays.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import type { DestructivePlan, SweepPlan } from '../../src/state/services.js';
import { createAppStore } from '../../src/state/store.js';
import { RUNNING_SENTENCES, type Impact } from '../../src/trust/impact.js';
import { KEY_B, fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

const GUN = 'example.com/team/app';
const impact: Impact = {
  gun: GUN,
  lost: [{ tag: 'v1', before: `sha256:${'a'.repeat(64)}` }],
  changed: [],
  gained: [],
  unchanged: ['v2'],
  repair: [{ tags: ['v1'], who: ['bob'], needed: 1, text: `bob must sign targets/releases again (trust-tui sign ${GUN}:v1, or approve its signing request) to release v1` }],
  running: [...RUNNING_SENTENCES],
  dockerfiles: [],
};

async function removeAlice(columns: number, rows: number) {
  const services = fakeServices();
  const plain = services.planRemoveSigner;
  services.planRemoveSigner = async (gun, name, keyId) => ({ ...(await plain(gun, name, keyId)), impact }) as DestructivePlan;
  const store = createAppStore(services, { workDir: '/work' });
  store.getState().openRepository(GUN, 'signers');
  const ui = renderSized(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
    columns,
    rows,
  );
  await ui.waitFor('❯ alice');
  await ui.press('d');
  await ui.waitFor('Type alice to confirm');
  return ui;
}

/** The dialog's text as one line (borders and wrapping removed). */
const flat = (frame: string) => frame.replace(/[│╭╮╰╯─•]/g, ' ').replace(/\s+/g, ' ');

describe('signer removal confirmation', () => {
  it('shows which tags stop being pullable, what running containers keep, and who must sign', async () => {
    const ui = await removeAlice(100, 40);
    const text = flat(ui.frame());
    expect(text).toContain('Tags that stop being pullable with content trust: v1');
    expect(text).toContain('containers already running keep running');
    expect(text).toContain('cannot pull it with DOCKER_CONTENT_TRUST=1');
    expect(text).toContain('bob must sign targets/releases again');
  });

  it('at 60x15 the impact scrolls and the prompt stays on screen', async () => {
    const ui = await removeAlice(60, 15);
    expect(ui.frame()).toContain('Type alice to confirm');
    expect(ui.frame()).toMatch(/more: 1–\d+ of \d+/);
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(15);
    let seen = flat(ui.frame());
    for (let i = 0; i < 20 && !seen.includes('bob must sign'); i++) {
      await ui.press(KEYS.down);
      seen += flat(ui.frame());
    }
    expect(seen).toContain('Tags that stop being pullable');
    expect(seen).toContain('bob must sign');
    expect(ui.frame()).toContain('Type alice to confirm');
  });
});

describe('sweep dry run', () => {
  it('shows per repository which tags stop being pullable, and the running-containers rule once', async () => {
    const services = fakeServices();
    services.planSweep = async (target): Promise<SweepPlan> => ({
      target,
      confirmText: KEY_B.slice(0, 7),
      items: [{ gun: GUN, role: 'targets/releases', keyIds: [KEY_B], outcome: 'unverifiable', tags: [{ tag: 'v1', losesLastSignature: true }], done: false }],
      unreadable: [],
      impacts: [{ gun: GUN, impact }, { gun: 'example.com/team/db', impact: { ...impact, gun: 'example.com/team/db', lost: [], repair: [], running: [] } }],
    });
    const store = createAppStore(services, { workDir: '/work' });
    const ui = renderTui(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
    );
    await ui.ready();
    await ui.press('4');
    await ui.waitFor('Keys (3)');
    await ui.press('j');
    await ui.press('S');
    await ui.waitFor('pending in');
    const text = flat(ui.frame());
    expect(text).toContain(`${GUN}: Tags that stop being pullable with content trust: v1`);
    expect(text).not.toContain('example.com/team/db: ');
    let seen = text;
    for (let i = 0; i < 6; i++) {
      await ui.press(KEYS.down);
      seen += flat(ui.frame());
    }
    expect(seen).toContain('containers already running keep running');
  });
});
