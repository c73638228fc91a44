// The compromised-key sweep's dry run and report as the user reads them: counts of distinct tags,
// the repositories that could not be read, and "stopped" only when something was left undone.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import type { SweepItem, SweepPlan } from '../../src/state/services.js';
import { createAppStore } from '../../src/state/store.js';
import { KEY_B, fakeServices } from '../state/fake-services.js';
import { KEYS, renderTui } from './helpers.js';

afterEach(() => cleanup());

const TOOLS = 'example.com/tools/cli';
const nightly = Array.from({ length: 301 }, (_, i) => ({ tag: `n${i}`, losesLastSignature: true }));
// One key in both roles of a 301-tag repository: each tag appears in two items.
const items: SweepItem[] = ['targets/releases', 'targets/owner'].map((role) => ({ gun: TOOLS, role, keyIds: [KEY_B], outcome: 'removed', tags: nightly, done: false }));

async function sweepFromKeys(runSweep?: (stop: () => void) => void, planned: SweepItem[] = items) {
  const services = fakeServices();
  services.planSweep = async (target): Promise<SweepPlan> => ({
    target,
    confirmText: KEY_B.slice(0, 7),
    items: planned,
    unreadable: [{ gun: 'example.com/team/db', problem: 'cannot reach the trust server at https://notary.test' }],
  });
  const store = createAppStore(services, { workDir: '/work' });
  if (runSweep) {
    services.runSweep = async (plan, _ports, onProgress) => {
      onProgress({ index: 1, total: 1, gun: TOOLS });
      runSweep(() => store.getState().sendWizard('sweep', { type: 'stop' })); // Esc while the last repository runs
      await new Promise((r) => setTimeout(r, 30));
      return plan.items.map((i) => ({ gun: i.gun, role: i.role, status: 'done' as const }));
    };
  }
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
  return ui;
}

describe('sweep summary', () => {
  it('counts distinct tags and lists the repositories it could not read', async () => {
    const ui = await sweepFromKeys();
    // The dialog wraps long lines: read it as one text.
    const frame = ui.frame().replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
    expect(frame).toContain('301 tag(s) lose their last valid signature');
    expect(frame).not.toContain('602 tag(s)');
    expect(frame).toMatch(/Not read.*example\.com\/team\/db.*cannot reach the trust server/s);
  });

  it('a sweep that finished every repository does not say it stopped early', async () => {
    const ui = await sweepFromKeys((stop) => stop());
    await ui.press(KEYS.enter);
    await ui.waitFor('to confirm');
    await ui.type(KEY_B.slice(0, 7));
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 4');
    expect(ui.frame()).not.toContain('Stopped before the end');
    const frame = ui.frame().replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
    // Every repository it read is done; the one it could not read is not claimed.
    expect(frame).toContain('Swept every repository that could be read');
    expect(frame).toMatch(/1 repository could not be read/);
    expect(frame).not.toContain('Sweep complete');
  });

  it('does not say "nothing left to do" when a repository could not be read', async () => {
    const ui = await sweepFromKeys(undefined, []);
    const frame = ui.frame().replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
    expect(frame).not.toContain('Nothing left to do');
    expect(frame).toMatch(/1 repository could not be read, so it is not known whether the key is used there/);
  });
});
