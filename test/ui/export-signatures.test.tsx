// The Tags screen's export face: `x` shows the migration report, `e` exports this host's signer's
// signatures after a confirmation (Enter or n refuses; y goes), asking the key's passphrase.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderTui } from './helpers.js';

afterEach(() => cleanup());

async function tagsScreen() {
  const services = fakeServices();
  const store = createAppStore(services, { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor('example.com/team/app');
  await ui.press(KEYS.enter);
  await ui.waitFor('e:export');
  return { ...ui, services };
}

describe('export from the Tags screen', () => {
  it('x shows the migration report; e exports after y, and the report then shows the signer done', async () => {
    const ui = await tagsScreen();
    await ui.press('x');
    await ui.waitFor('Migration report of example.com/team/app');
    expect(ui.frame()).toContain('v2: 0 of 2 exported — waiting on alice, bob');
    await ui.press(KEYS.esc);

    await ui.press('e');
    await ui.waitFor('Export signatures of example.com/team/app');
    expect(ui.frame()).toContain('alice: cosign (.sig + bundle) — 2 tag(s) to export');
    await ui.press(KEYS.enter);
    await ui.waitFor("Export alice's signatures of example.com/team/app");
    expect(ui.frame()).toContain('Tags to export: v1, v2');
    // Enter refuses (the default is no): nothing is exported.
    await ui.press(KEYS.enter);
    expect(ui.services.world.calls.filter((c) => c.startsWith('exportSignatures'))).toEqual([]);

    await ui.press('e');
    await ui.waitFor('Export signatures of example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor("Export alice's signatures");
    await ui.press('y');
    await ui.waitFor('Passphrase for targets key');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('v1: written and verified: .sig, bundle');
    expect(ui.services.world.calls).toContain('exportSignatures example.com/team/app alice cosign');
    await ui.press(KEYS.esc);
    await ui.press('x');
    await ui.waitFor('v2: 1 of 2 exported — waiting on bob');
  });
});
