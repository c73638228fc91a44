// The sign dialog: a tag, then digest and size from the registry, or typed (and checked as they are
// typed) when the registry cannot say.
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
  await ui.waitFor('Tags of example.com/team/app');
  return { ...ui, services };
}

const clear = async (ui: { press(...k: string[]): Promise<void> }, n: number) => {
  for (let i = 0; i < n; i++) await ui.press(KEYS.backspace);
};

describe('sign dialog', () => {
  it('asks digest and size when the registry cannot say, checking them as they are typed', async () => {
    const ui = await tagsScreen();
    await ui.press('s');
    await ui.waitFor('Tag: v1');
    await clear(ui, 2);
    await ui.type('v3');
    await ui.press(KEYS.enter);
    await ui.waitFor('The registry could not say what v3 is');
    expect(ui.frame()).toContain('ENOTFOUND');
    await ui.type('sha256:abc');
    expect(ui.frame()).toContain('64 hex digits after sha256: (3 so far)');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('Digest:'); // not accepted
    await ui.type('Z');
    expect(ui.frame()).toContain('only lowercase hex digits');
    await ui.press(KEYS.backspace);
    await ui.type('d'.repeat(61));
    expect(ui.frame()).toContain('✔ valid');
    await ui.press(KEYS.enter);
    await ui.waitFor('Size (bytes):');
    await ui.type('0');
    expect(ui.frame()).toContain('a positive number of bytes');
    await ui.press(KEYS.backspace);
    await ui.type('1234');
    await ui.press(KEYS.enter);
    await ui.waitFor('typed by you');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for targets key');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Signed example.com/team/app:v3');
    expect(ui.services.world.calls).toEqual([`signTag example.com/team/app v3 sha256:abc${'d'.repeat(61)} 1234`]);
  });

  it('takes digest and size from the registry when it knows the tag', async () => {
    const ui = await tagsScreen();
    await ui.press('j', 's');
    await ui.waitFor('Tag: v2');
    await ui.press(KEYS.enter);
    await ui.waitFor('From');
    expect(ui.frame()).toMatch(/Digest\s+sha256:v2/);
    expect(ui.frame()).toContain('the registry');
  });
});
