// Keys that arrive together (typed fast, sent by a script, pasted) each count once.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices, fakeWorld, tag } from '../state/fake-services.js';
import { renderTui, tick } from './helpers.js';

afterEach(() => cleanup());

async function tagsOf(count: number) {
  const world = fakeWorld();
  world.tags['example.com/team/app'] = Array.from({ length: count }, (_, i) => tag(`t${String(i).padStart(3, '0')}`));
  const store = createAppStore(fakeServices(world), { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor('example.com/team/app');
  await ui.press('\r');
  await ui.waitFor('t000');
  return { ...ui, store };
}

describe('keys in one chunk', () => {
  it('five j written at once move the cursor five rows', async () => {
    const ui = await tagsOf(20);
    ui.stdin.write('jjjjj');
    await ui.waitFor('❯ t005');
    expect(ui.store.getState().lists.tags.cursor).toBe(5);
  });

  it('arrow escape sequences and letters mixed in one chunk all count', async () => {
    const ui = await tagsOf(20);
    ui.stdin.write('jj\u001B[B\u001B[Bjk');
    await ui.waitFor('❯ t004');
    await tick(50);
    expect(ui.store.getState().lists.tags.cursor).toBe(4);
  });

  it('a pasted chunk into a text field keeps every character (each keypress edits what the last one left)', async () => {
    const ui = await tagsOf(20);
    await ui.press('/');
    ui.stdin.write('t01');
    await ui.waitFor('/t01');
    expect(ui.frame()).toContain('Tags of example.com/team/app (10/20)');
  });

  it('moves and Enter in one chunk choose the option moved to', async () => {
    const ui = await tagsOf(3);
    await ui.press('5');
    await ui.waitFor('Trust on first use');
    await ui.press('a');
    await ui.waitFor('Add to the configuration');
    ui.stdin.write('jj\r');
    await ui.waitFor('Watch a repository');
  });
});
