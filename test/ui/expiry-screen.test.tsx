// The Expiry screen (6) as a user reads it: soonest first with the time left, w narrows the window,
// Enter says who renews a row, R shows the renewal plan and renews only on y; and at 60x15 the role,
// the time left and who renews it stay on screen.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { SERVER_RENEWAL } from '../../src/trust/expiry.js';
import { expiry, fakeServices } from '../state/fake-services.js';
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

/** A dialog's text with its wrapping undone. */
const flat = (frame: string) => frame.replace(/[│\n]/g, ' ').replace(/\s+/g, ' ');
/** The app on the Expiry screen (6). */
async function onExpiryScreen(services: ReturnType<typeof fakeServices>) {
  const ui = renderTui(app(services).element);
  await ui.ready();
  await ui.press('6');
  return ui;
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

  it('A shows the whole plan of every repository, asks once, and shows which repository it is at', async () => {
    const services = fakeServices();
    services.world.expiries.push(expiry('example.com/team/web', 'targets', 20));
    let release!: () => void;
    services.world.renewalGate = new Promise((resolve) => (release = resolve));
    const ui = await onExpiryScreen(services);
    await ui.waitFor('Expiry (6)');
    await ui.press('A');
    await ui.waitFor('Continue? [y/N]');
    expect(services.world.calls).toContain('planRenewal all');
    const plan = ui.frame();
    expect(plan).toContain('Renew every repository');
    expect(plan).toContain('example.com/team/app: targets/releases');
    expect(plan).toContain('example.com/team/web: targets');
    expect(plan).toContain('carol must run');
    expect(plan).toContain('published to the servers of 2 repositories');
    await ui.press('y');
    await ui.waitFor('Renewing [1/2] example.com/team/app');
    release();
    await ui.waitFor('Renewed example.com/team/app');
    await ui.waitFor(/example\.com\/team\/web\s+targets\s+3y/); // reloaded: renewed too
    expect(services.world.calls).toContain('runRenewal example.com/team/app:targets/releases,targets example.com/team/db: example.com/team/web:targets');
  });

  it("pins on the replaced root certificate: the plan says the pin moves; a CA pin is refused with the reason, nothing to confirm", async () => {
    const services = fakeServices();
    const gun = 'example.com/team/app';
    services.world.renewPins[gun] = [{ source: 'trust-tui', scope: gun, kind: 'certificate', keyId: 'c'.repeat(64) }];
    const ui = await onExpiryScreen(services);
    await ui.waitFor('Expiry (5)');
    await ui.press('R');
    await ui.waitFor('Continue? [y/N]');
    expect(flat(ui.frame())).toContain(`the trust-tui pin of ${gun} names the old root certificate ccccccc: it is moved to the new certificate`);
    await ui.press('n');
    await ui.waitFor('Expiry (5)');

    services.world.renewPins[gun] = [{ source: 'trust-tui', scope: 'example.com/*', kind: 'ca' }];
    await ui.press('R');
    await ui.waitFor('is not renewed');
    expect(flat(ui.frame())).toContain('the self-signed replacement would not chain to it');
    expect(flat(ui.frame())).toContain('have that CA issue a new certificate for the root key');
    expect(ui.frame()).not.toContain('Continue? [y/N]');
    expect(services.world.calls.filter((c) => c.startsWith('runRenewal'))).toEqual([]);
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

  describe('at 60x15', () => {
    /** The app at 60x15 on the Expiry screen, with db's root and targets held by this host too. */
    async function small() {
      const services = fakeServices();
      services.world.expiries.push(expiry('example.com/team/db', 'targets', 200), expiry('example.com/team/db', 'root', 300));
      const ui = renderSized(app(services).element, 60, 15);
      await ui.press('6');
      await ui.waitFor('Expiry (7)');
      return { services, ui };
    }
    /** Scrolls a confirmation's list to its end with `key`, and returns every frame's text, unwrapped. */
    async function readAll(ui: Awaited<ReturnType<typeof small>>['ui'], key: string) {
      const frames = [ui.frame()];
      for (let i = 0; i < 30 && !/more: \d+–(\d+) of \1\b/.test(ui.frame()); i++) {
        await ui.press(key);
        frames.push(ui.frame());
      }
      return frames;
    }
    const fitsScreen = (frame: string) => {
      const lines = frame.split('\n');
      expect(lines.length).toBeLessThanOrEqual(15);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60);
    };
    /** The words of a dialog's body in reading order, whatever rows they were wrapped onto. */
    const bodyText = (frames: string[]) =>
      flat(
        [...new Set(frames.flatMap((f) => f.split('\n').filter((l) => l.startsWith('│ ')).map((l) => l.replace(/^│ /, '').replace(/│$/, '').trimEnd())))]
          .filter((l) => l.startsWith('• ') || l.startsWith('  '))
          .join(' '),
      );

    it('R: every line of the plan is readable (wrapped, nothing cut off), and j/k scroll it like the arrows', async () => {
      const { ui } = await small();
      await ui.press('R');
      await ui.waitFor('Continue? [y/N]');
      fitsScreen(ui.frame());
      expect(ui.frame()).toMatch(/more: 1–\d+ of \d+/);
      const frames = await readAll(ui, 'j');
      expect(ui.frame()).not.toMatch(/more: 1–/); // j scrolled
      for (const f of frames) expect(f.split('\n').filter((l) => l.startsWith('│ •') || l.startsWith('│   ')).join('')).not.toContain('…');
      const text = bodyText(frames);
      expect(text).toContain('example.com/team/app: targets/releases (expires 2026-11-29 00:00:00Z) is re-signed, valid for 3 years');
      expect(text).toMatch(/example\.com\/team\/app: targets\/carol \(expires [^)]+\) is left to its key holders: carol must run `trust-tui renew example\.com\/team\/app --role targets\/carol`/);
      await ui.press('k');
      expect(ui.frame()).toMatch(/more: \d+–\d+ of/);
      await ui.press('n');
      await ui.waitFor('Expiry (7)');
      ui.unmount();
    });

    it("R on the server's timestamp row says the server re-signs it, then what this host could renew instead", async () => {
      const { services, ui } = await small();
      await ui.press('j', 'j'); // example.com/team/db timestamp
      expect(ui.frame()).toMatch(/❯ example\.com\/team\/db\s+timestamp/);
      await ui.press('R');
      await ui.waitFor('Continue? [y/N]');
      fitsScreen(ui.frame());
      expect(ui.frame()).toContain("timestamp of example.com/team/db is the trust server's");
      const text = bodyText(await readAll(ui, 'j'));
      expect(text).toContain(`timestamp is not renewed here: ${SERVER_RENEWAL.timestamp}.`);
      expect(text).toContain('This host could renew these other roles of example.com/team/db instead:');
      expect(text.indexOf('is not renewed here')).toBeLessThan(text.indexOf('example.com/team/db: targets'));
      expect(text).toContain('example.com/team/db: targets (expires');
      await ui.press('y');
      await ui.waitFor('Renewed example.com/team/db');
      expect(services.world.calls).toContain('runRenewal example.com/team/db:targets,root');
      ui.unmount();
    });

    it('Enter on the timestamp row: the whole explanation is on screen, naming the trust server', async () => {
      const { ui } = await small();
      await ui.press('j', 'j', KEYS.enter);
      await ui.waitFor('Renewed by the trust server itself');
      fitsScreen(ui.frame());
      expect(flat(ui.frame())).toContain(SERVER_RENEWAL.timestamp);
      expect(SERVER_RENEWAL.timestamp).toMatch(/^the trust server re-signs it \(14 days\) with every publish, and when it is fetched after it expired/);
      expect(ui.frame()).not.toContain('notary-server');
      ui.unmount();
    });
  });
});
