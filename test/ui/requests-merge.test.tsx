// The Requests screen's m: merge a file someone sent back. The path prompt expands `~` and resolves a
// relative path against the working directory; the result line is the merged request as re-evaluated
// (whose signature now counts, then the status in words); a file that is not a request says so in
// one line; a request not known here is imported and listed. At 60x15 the prompt and result fit.
import { homedir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeRequest, fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

function app(readOnly = false) {
  const services = fakeServices();
  // alice signed alone; bob sends his signature back.
  services.world.requests[0] = fakeRequest('a1b2c3d4e5f6', 'example.com/team/app', ['alice'], ['bob', 'carol'], 3);
  const store = createAppStore(services, { workDir: '/srv/team', readOnly });
  const element = (
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  );
  return { services, store, element };
}

const flat = (frame: string) => frame.replace(/[│\n]/g, ' ').replace(/\s+/g, ' ');

describe('Requests screen: m merges a file', () => {
  it('expands ~, merges, and says whose signature now counts and the status in words', async () => {
    const { services, element } = app();
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('7');
    await ui.waitFor('1 of 3 signed');
    expect(ui.frame()).toContain('m:merge');
    await ui.press('m');
    await ui.waitFor('Merge a signing request file');
    await ui.type('~/mail/bob.sig.json');
    await ui.press(KEYS.enter);
    await ui.waitFor("added bob's signature — 2 of 3 signed — waiting on carol");
    expect(services.world.calls).toContain(`mergeRequestFiles ${path.join(homedir(), 'mail/bob.sig.json')}`);
    // The list shows the new progress.
    expect(ui.frame()).toMatch(/2\/3/);
  });

  it('a relative path is read from the working directory; a file that is not a request says so in one line', async () => {
    const { services, element, store } = app();
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('7');
    await ui.waitFor('1 of 3 signed');
    await ui.press('m');
    await ui.waitFor('Merge a signing request file');
    await ui.type('notes.txt');
    await ui.press(KEYS.enter);
    await ui.waitFor('is not a signing request');
    expect(services.world.calls).toContain('mergeRequestFiles /srv/team/notes.txt');
    // Named as typed: the banner's one line keeps the cause in view.
    expect(ui.frame()).toContain('notes.txt is not a signing request');
    expect(store.getState().banner?.cause).toMatch(/^notes\.txt is not a signing request/);
    expect(store.getState().banner?.cause ?? '').not.toContain('\n');
    expect(ui.frame()).toMatch(/1\/3/);
  });

  it('a request not known here is imported and listed', async () => {
    const { element } = app();
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('7');
    await ui.waitFor('Signing requests (2)');
    await ui.press('m');
    await ui.waitFor('Merge a signing request file');
    await ui.type('/tmp/0123456789ab.request.json');
    await ui.press(KEYS.enter);
    await ui.waitFor('Signing requests (3)');
    expect(flat(ui.frame())).toContain('imported request 0123456789ab');
    expect(ui.frame()).toContain('example.com/team/web');
  });

  it('Enter on an empty path asks for one; read-only mode refuses', async () => {
    const { element, services } = app(true);
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('7');
    await ui.waitFor('1 of 3 signed');
    await ui.press('m');
    await ui.waitFor('Read-only mode');
    expect(services.world.calls.some((c) => c.startsWith('mergeRequestFiles'))).toBe(false);

    const writable = app();
    const ui2 = renderTui(writable.element);
    await ui2.ready();
    await ui2.press('7', 'm');
    await ui2.waitFor('Merge a signing request file');
    await ui2.press(KEYS.enter);
    await ui2.waitFor('enter the path of the request or signature file');
  });

  it('at 60x15 the prompt and the result line fit', async () => {
    const { element } = app();
    const ui = renderSized(element, 60, 15);
    await ui.press('7');
    await ui.waitFor('1 of 3 signed');
    await ui.press('m');
    await ui.waitFor('Merge a signing request file');
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(15);
    expect(ui.frame()).toContain('File:');
    await ui.press('~/bob.sig.json', KEYS.enter);
    await ui.waitFor("added bob's signature");
    const frame = ui.frame();
    expect(frame.split('\n').length).toBeLessThanOrEqual(15);
    expect(flat(frame)).toContain('2 of 3 signed');
  });
});
