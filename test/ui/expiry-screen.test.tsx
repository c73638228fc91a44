// The Expiry screen (6) as a user reads it: soonest first with the time left, w narrows the window,
// Enter says who renews a row, R shows the renewal plan and renews only on y; and at 60x15 the role,
// the time left and who renews it stay on screen.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

function app(services = fakeServices()) {
  const store = createAppStore(services, { workDir: '/work' });
  const element = (
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  );
  return { services, store, element };
}

const rowsOf = (frame: string) => frame.split('\n').filter((l) => /example\.com\/team\//.test(l));

describe('Expiry screen', () => {
  it('lists soonest first with the time left and who renews it; w narrows to 7 days; Enter explains a row', async () => {
    const { services, element } = app();
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('6');
    await ui.waitFor('Expiry (5)');
    const rows = rowsOf(ui.frame());
    expect(rows.map((r) => /(targets\/releases|targets\/carol|timestamp|targets|root certificate)/.exec(r)![1])).toEqual([
      'targets/releases',
      'targets/carol',
      'timestamp',
      'targets',
      'root certificate',
    ]);
    expect(rows[0]).toMatch(/⚠ expired 2d ago\s+\S+\s+this host/);
    expect(rows[1]).toMatch(/⚠ 5d\s+\S+\s+carol/);
    expect(rows[2]).toMatch(/12d\s+\S+\s+server \(auto\)/);
    expect(rows[2]).not.toContain('⚠'); // the server renews it by itself

    await ui.press('w');
    await ui.waitFor('Expiry within 7d (2)');
    expect(services.world.calls).toContain('listExpiries 7');
    await ui.press('j', KEYS.enter);
    await ui.waitFor('who runs');
    expect(ui.frame()).toContain('Renewed by: carol (keys bbbbbbbb2222)');
    expect(ui.frame()).toContain('trust-tui renew example.com/team/app --role targets/carol');
  });

  it('R shows the plan, n changes nothing, y renews exactly the plan and says what the server now serves', async () => {
    const { services, element } = app();
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('6');
    await ui.waitFor('Expiry (5)');
    await ui.press('R');
    await ui.waitFor('Continue? [y/N]');
    expect(ui.frame()).toContain('targets/releases');
    expect(ui.frame()).toContain('is re-signed, valid for 3 years');
    expect(ui.frame()).toContain('carol must run');
    await ui.press('n');
    await ui.waitFor('Expiry (5)');
    expect(services.world.calls.filter((c) => c.startsWith('runRenewal'))).toEqual([]);

    await ui.press('R');
    await ui.waitFor('Continue? [y/N]');
    await ui.press('y');
    await ui.waitFor('Renewed example.com/team/app');
    expect(services.world.calls).toContain('runRenewal example.com/team/app:targets/releases,targets');
    expect(ui.frame()).toMatch(/targets\/releases v2 until 2029-12-01/);
    await ui.waitFor(/targets\/releases\s+3y/); // reloaded: no longer expired
  });

  it('fits 60x15: repository, role and time left stay visible (who renews is on Enter)', async () => {
    const { element } = app();
    const ui = renderSized(element, 60, 15);
    await ui.press('6');
    await ui.waitFor('Expiry (5)');
    const lines = ui.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(15);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60);
    const rows = rowsOf(ui.frame());
    expect(rows[0]).toMatch(/^❯ example\.com\/team\/app\s+targets\/releases\s+⚠ expired 2d ago/);
    expect(rows[1]).toMatch(/targets\/carol\s+⚠ 5d/);
    expect(ui.frame()).toMatch(/R:renew/);
    ui.unmount();
  });
});
