// The Requests screen (7) with the fake services: progress and status in words, the stale badge,
// Enter shows the change and the signatures, a approves after a confirmation that shows the change
// (passphrase through the dialog), s submits only a ready request, x cancels on y, b rebases a stale
// one; `?` and the footer list the keys; at 60x15 the status in words stays on screen.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeRequest, fakeServices } from '../state/fake-services.js';
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

const flat = (frame: string) => frame.replace(/[│\n]/g, ' ').replace(/\s+/g, ' ');

async function onRequests(services = fakeServices()) {
  const ui = renderTui(app(services).element);
  await ui.ready();
  await ui.press('7');
  await ui.waitFor('Signing requests (2)');
  return { ui, services };
}

describe('Requests screen', () => {
  it('lists progress, the status in words, the deadline and a stale badge', async () => {
    const { ui } = await onRequests();
    const rows = ui.frame().split('\n').filter((l) => l.includes('example.com/team/'));
    expect(rows[0]).toMatch(/example\.com\/team\/app\s+2\/3\s+2 of 3 signed — waiting on carol\s+in 3 days/);
    expect(rows[1]).toMatch(/1\/2\s+⚠ STALE releases moved to v5 — rebase/);
    expect(ui.frame()).toMatch(/a:approve\s+s:submit\s+x:cancel\s+b:rebase/);
  });

  it('Enter shows the change and who signed', async () => {
    const { ui, services } = await onRequests();
    await ui.press(KEYS.enter);
    await ui.waitFor('Request a1b2c3d4e5f6');
    const text = flat(ui.frame());
    expect(text).toContain('releases: + tag v2 sha256:2222');
    expect(text).toContain('signed: alice, bob');
    expect(services.world.calls).toContain('showRequest a1b2c3d4e5f6');
  });

  it('a shows the change, asks, signs with the passphrase from the dialog, and the status changes', async () => {
    const { ui, services } = await onRequests();
    await ui.press('a');
    await ui.waitFor('Sign request a1b2c3d4e5f6');
    expect(flat(ui.frame())).toContain('releases: + tag v2 sha256:2222');
    expect(services.world.calls).not.toContain('approveRequest a1b2c3d4e5f6');
    await ui.press('y');
    await ui.waitFor('Passphrase for');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('3 of 3 signed — ready to submit');
    expect(services.world.passphrasesSeen).toEqual(['pass']);
    expect(ui.frame()).toMatch(/3\/3/);
  });

  it('s refuses a request that is not ready; x cancels only on y; b rebases the stale one', async () => {
    const { ui, services } = await onRequests();
    await ui.press('s');
    await ui.waitFor('Not ready to submit: 2 of 3 signed — waiting on carol');
    expect(services.world.calls.some((c) => c.startsWith('submitRequest'))).toBe(false);

    await ui.press('j', 'b');
    await ui.waitFor('Rebased request 0badc0ffee00 as feedfacefeed');
    expect(ui.frame()).not.toContain('STALE');

    await ui.press('g', 'x');
    await ui.waitFor('Cancel request a1b2c3d4e5f6');
    await ui.press(KEYS.esc);
    expect(services.world.calls).not.toContain('cancelRequest a1b2c3d4e5f6');
    await ui.press('x');
    await ui.waitFor('Cancel request a1b2c3d4e5f6');
    await ui.press('y');
    await ui.waitFor('Signing requests (1)');
    expect(services.world.calls).toContain('cancelRequest a1b2c3d4e5f6');
  });

  it('s on a ready request shows it, asks, submits, and the request leaves the list', async () => {
    const services = fakeServices();
    services.world.requests[0] = fakeRequest('a1b2c3d4e5f6', 'example.com/team/app', ['alice', 'bob', 'carol'], [], 3);
    const { ui } = await onRequests(services);
    expect(ui.frame()).toContain('3 of 3 signed — ready to submit');
    await ui.press('s');
    await ui.waitFor('Submit request a1b2c3d4e5f6?');
    expect(flat(ui.frame())).toContain('published to the server');
    expect(services.world.calls).not.toContain('submitRequest a1b2c3d4e5f6');
    await ui.press('y');
    await ui.waitFor('Signing requests (1)');
    expect(services.world.calls).toContain('submitRequest a1b2c3d4e5f6');
    expect(ui.frame()).toContain('Submitted request a1b2c3d4e5f6');
  });

  it('? lists the keys of the screen', async () => {
    const { ui } = await onRequests();
    await ui.press('?');
    const text = flat(ui.frame());
    expect(text).toContain('approve: shows the change');
    expect(text).toContain('rebase a stale request');
  });

  it('at 60x15 the status in words, the key hints and the change in the approval stay on screen', async () => {
    const ui = renderSized(app().element, 60, 15);
    await ui.press('7');
    await ui.waitFor('waiting on carol');
    const frame = ui.frame();
    expect(frame.split('\n').length).toBeLessThanOrEqual(15);
    expect(frame).toContain('2 of 3 signed — waiting on carol');
    expect(frame).toContain('a:approve');
    // The approval's confirmation shows the change on its first page.
    await ui.press('a');
    await ui.waitFor('Sign request a1b2c3d4e5f6');
    expect(ui.frame()).toContain('releases: + tag v2 sha256:2222');
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(15);
  });
});
