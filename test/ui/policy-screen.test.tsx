// The Policy screen (8) with the fake services: badges in sync / drifted / violating, Enter shows the
// plan as text, a shows the apply plan (the same object the service then carries out) behind a
// type-the-name confirmation, the result is read back; no policy file → how to write one; f reads
// another file; at 60x15 the badges, the tabs and the confirmation fit.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { RUNNING_SENTENCES } from '../../src/trust/impact.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakePolicy, fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

function app(services = withPolicy()) {
  const store = createAppStore(services, { workDir: '/work' });
  const element = (
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  );
  return { services, store, element };
}

function withPolicy() {
  const services = fakeServices();
  services.world.policy = fakePolicy();
  return services;
}

const flat = (frame: string) => frame.replace(/[│\n]/g, ' ').replace(/\s+/g, ' ');
/** The frame as words, without the dialog's line bullets. */
const plain = (frame: string) => flat(frame).replaceAll(' • ', ' ');

async function onPolicy(services = withPolicy()) {
  const { element, store } = app(services);
  const ui = renderTui(element);
  await ui.ready();
  await ui.press('8');
  await ui.waitFor('Signing policy (3)');
  return { ui, services, store };
}

describe('Policy screen', () => {
  it('lists each repository the policy covers with its badge and why', async () => {
    const { ui } = await onPolicy();
    const rows = ui.frame().split('\n').filter((l) => l.includes('example.com/team/'));
    expect(rows[0]).toMatch(/example\.com\/team\/app\s+~ drifted\s+1 to add, 1 to change, 1 to remove/);
    expect(rows[1]).toMatch(/example\.com\/team\/db\s+✓ in sync/);
    expect(rows[2]).toMatch(/example\.com\/team\/web\s+✗ violating\s+1 of 2 tags not deployable/);
    expect(ui.frame()).toContain('trust-policy.yaml');
    expect(ui.frame()).toMatch(/a:apply\s+f:file/);
  });

  it('Enter shows the plan as text', async () => {
    const { ui } = await onPolicy();
    await ui.press(KEYS.enter);
    await ui.waitFor('example.com/team/app: drifted');
    const text = flat(ui.frame());
    expect(text).toContain('~ threshold 1 → 2');
    expect(text).toContain('+ targets/carol (carol), threshold 1');
  });

  it('a shows what apply does, applies only once the repository name is typed, then shows the read-back result', async () => {
    const { ui, services } = await onPolicy();
    await ui.press('a');
    await ui.waitFor('Apply trust-policy.yaml to example.com/team/app?');
    const text = flat(ui.frame());
    // The confirmation shows the plan's changes and what apply does with each.
    expect(text).toContain('~ threshold 1 → 2');
    expect(text).toContain('⚠ publish ~ targets/releases: ~ threshold 1 → 2, + key carol (63f1e1c) targets key; re-signs targets/releases in the same upload');
    expect(text).toContain('• publish + targets/carol (carol), threshold 1 targets key');
    expect(text).toContain('⚠ publish - targets/old (dave, not in policy)');
    expect(services.world.calls).toContain('planPolicyApply trust-policy.yaml example.com/team/app');
    // Enter without the name does nothing.
    await ui.press(KEYS.enter);
    expect(services.world.calls).not.toContain('runPolicyApply example.com/team/app');
    await ui.type('example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Policy applied to example.com/team/app');
    expect(services.world.passphrasesSeen).toEqual(['pass']);
    // The plan carried out is the very object the confirmation showed.
    expect(services.world.policy!.applied).toBe(services.world.policy!.plans['example.com/team/app']);
    expect(services.world.calls).toContain('runPolicyApply example.com/team/app');
    expect(flat(ui.frame())).toContain('now in sync with the policy ✓ (read back from the server)');
    await ui.press(KEYS.esc);
    await ui.waitFor(/example\.com\/team\/app\s+✓ in sync/);
    expect(ui.frame()).toContain('example.com/team/app is now in sync with the policy');
  });

  it('the confirmation says what apply does to docker pull: tags it keeps, or those lost, running containers, FROM lines, who must sign', async () => {
    const { ui } = await onPolicy();
    await ui.press('a');
    await ui.waitFor('Apply trust-policy.yaml to example.com/team/app?');
    expect(plain(ui.frame())).toContain('Impact on docker pull of example.com/team/app: Every pullable tag stays pullable as it is (2).');
    await ui.press(KEYS.esc);

    // A plan whose upload would leave releases short: the dialog lists what a user would lose.
    const services = withPolicy();
    const r = services.world.policy!.plans['example.com/team/app']!.repositories[0]!;
    r.impact = {
      gun: r.gun,
      lost: [{ tag: 'v2', before: `sha256:${'2f'.repeat(32)}` }],
      changed: [],
      gained: [],
      unchanged: ['v1'],
      repair: [{ tags: ['v2'], who: ['alice', 'bob'], needed: 2, text: `2 of alice, bob must sign targets/releases again (trust-tui sign ${r.gun}:v2, or approve its signing request) to release v2` }],
      running: [...RUNNING_SENTENCES],
      dockerfiles: [{ file: 'Dockerfile', line: 1, text: `FROM ${r.gun}:v2`, image: `${r.gun}:v2`, tag: 'v2', reason: 'not-pullable', message: 'v2 would no longer be pullable with content trust' }],
    };
    const again = await onPolicy(services);
    await again.ui.press('a');
    await again.ui.waitFor('Apply trust-policy.yaml to example.com/team/app?');
    // The dialog scrolls: read it down to the end.
    let text = plain(again.ui.frame());
    for (let i = 0; i < 12; i++) {
      await again.ui.press(KEYS.down);
      text += plain(again.ui.frame());
    }
    expect(text).toContain('Tags that stop being pullable with content trust: v2');
    expect(text).toContain('containers already running keep running');
    expect(text).toContain('Dockerfile:1 FROM example.com/team/app:v2 — v2 would no longer be pullable with content trust');
    expect(text).toContain('2 of alice, bob must sign targets/releases again (trust-tui sign example.com/team/app:v2');
  });

  it('Esc at the confirmation changes nothing', async () => {
    const { ui, services } = await onPolicy();
    await ui.press('a');
    await ui.waitFor('Apply trust-policy.yaml to example.com/team/app?');
    await ui.press(KEYS.esc);
    await ui.waitFor('Signing policy (3)');
    expect(services.world.calls).not.toContain('runPolicyApply example.com/team/app');
  });

  it('without a policy file says how to write one; f reads another file', async () => {
    const services = fakeServices();
    services.world.policy = fakePolicy('team.yaml');
    const { element } = app(services);
    const ui = renderTui(element);
    await ui.ready();
    await ui.press('8');
    await ui.waitFor('no trust-policy.yaml');
    expect(flat(ui.frame())).toContain('No policy file trust-policy.yaml here. Write one from a repository with trust-tui policy init --from REPO');
    await ui.press('f');
    await ui.waitFor('Policy file');
    for (let i = 0; i < 'trust-policy.yaml'.length; i++) await ui.press(KEYS.backspace);
    await ui.type('team.yaml');
    await ui.press(KEYS.enter);
    await ui.waitFor('Signing policy (3)');
    expect(services.world.calls).toContain('policyOverview team.yaml');
  });

  it('at 60x15 the tabs, the badges, the key hints and the confirmation fit', async () => {
    const ui = renderSized(app().element, 60, 15);
    await ui.press('8');
    await ui.waitFor('violating');
    const frame = ui.frame();
    expect(frame.split('\n').length).toBeLessThanOrEqual(15);
    expect(frame.split('\n')[0]).toContain('[8 Policy]');
    expect(frame).toContain('~ drifted');
    expect(frame).toContain('✗ violating');
    expect(frame).toContain('a:apply');
    await ui.press('a');
    await ui.waitFor('Apply trust-policy.yaml');
    expect(ui.frame()).toContain('targets/releases');
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(15);
  });
});
