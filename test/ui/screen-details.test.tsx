// Small things a user notices: loading is said as loading, status lines belong to their screen, the
// footer shows the keys that work now, a cleared filter keeps the selection, expiry warnings follow
// the trust layer's rule, an offline Tags screen says so.
import { cleanup } from 'ink-testing-library';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import type { Services } from '../../src/state/services.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices, fakeWorld } from '../state/fake-services.js';
import { KEYS, renderTui, tick } from './helpers.js';

afterEach(() => cleanup());

async function start(services: Services = fakeServices(), wait = 'example.com/team/app') {
  const store = createAppStore(services, { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor(wait);
  return { ...ui, store };
}

const footer = (frame: string) => frame.trimEnd().split('\n').at(-1) ?? '';

describe('screen details', () => {
  it('says loading, never "No repositories yet", before the first answer', async () => {
    const services = fakeServices();
    const rows = services.listRepositories;
    services.listRepositories = async () => (await tick(150), rows());
    const ui = await start(services);
    const frames = ui.frames.map((f) => stripVTControlCharacters(f));
    expect(frames.some((f) => f.includes('Loading repositories'))).toBe(true);
    expect(frames.filter((f) => f.includes('No repositories yet'))).toEqual([]);
  });

  it('a status message from one screen is gone on the next', async () => {
    const ui = await start();
    await ui.press('5');
    await ui.waitFor('Trust on first use');
    await ui.press('d');
    await ui.waitFor('cannot be removed');
    await ui.press('1');
    await ui.waitFor('Repositories (3)');
    expect(ui.frame()).not.toContain('cannot be removed');
  });

  it("the footer shows an open dialog's keys, not the screen's", async () => {
    const ui = await start();
    expect(footer(ui.frame())).toContain('s:signers');
    await ui.press('a');
    await ui.waitFor('Watch a repository');
    expect(footer(ui.frame())).not.toContain('s:signers');
    expect(footer(ui.frame())).toContain('Enter:OK');
    expect(footer(ui.frame())).toContain('Esc:cancel');
  });

  it('clearing a filter keeps the cursor on the selected row', async () => {
    const ui = await start();
    await ui.press('/');
    await ui.type('db');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toMatch(/❯ example\.com\/team\/db/);
    await ui.press(KEYS.esc);
    await ui.waitFor('Repositories (3)');
    expect(ui.frame()).toMatch(/❯ example\.com\/team\/db/);
  });

  it('warns about an expiry when the trust layer says it expires soon (19 days, as `info` says)', async () => {
    const world = fakeWorld();
    const in19 = new Date(Date.now() + 19.5 * 86_400_000).toISOString();
    world.repos[1] = { ...world.repos[1]!, earliestExpiry: in19, expiryState: 'expires-soon' };
    const ui = await start(fakeServices(world));
    expect(ui.frame()).toMatch(/team\/db.*⚠ \d{4}-\d\d-\d\d \(in 19d\)/);
    expect(ui.frame()).not.toMatch(/team\/app.*⚠/);
  });

  it('the Tags and Signers screens say when their trust data comes from the cache because the server is down', async () => {
    const world = fakeWorld();
    world.offline.add('example.com/team/app');
    const ui = await start(fakeServices(world));
    await ui.press(KEYS.enter);
    await ui.waitFor('v1');
    expect(ui.frame()).toMatch(/offline: https:\/\/notary\.example\.com cannot be reached/);
    await ui.press('3');
    await ui.waitFor('Signers of example.com/team/app (2)');
    expect(ui.frame()).toMatch(/offline: https:\/\/notary\.example\.com cannot be reached/);
    await ui.press('1', 'j', KEYS.enter);
    await ui.waitFor('v9');
    expect(ui.frame()).not.toContain('offline:');
  });
});
