// Store actions over fake services, without Ink.
import { describe, expect, it } from 'vitest';
import { selectedRow } from '../../src/state/list.js';
import { planLines } from '../../src/state/slices/operations.js';
import { createAppStore, type AppStore } from '../../src/state/store.js';
import { KEY_B, fakeServices, unreachableServer } from './fake-services.js';

const until = async (check: () => boolean, ms = 2000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Answers every passphrase dialog with `value` (as a user typing it would). */
function answerPassphrases(store: AppStore, value: string): () => void {
  return store.subscribe((s) => {
    if (s.passphrase) queueMicrotask(() => store.getState().submitPassphrase(value));
  });
}

async function openApp(gun = 'example.com/team/app') {
  const services = fakeServices();
  const store = createAppStore(services, { workDir: '/work' });
  await store.getState().load('repos');
  store.getState().openRepository(gun);
  await until(() => store.getState().lists.tags.status === 'ready');
  return { store, services, world: services.world };
}

describe('navigation and lists', () => {
  it('opens a repository on the Tags screen and loads its tags', async () => {
    const { store } = await openApp();
    expect(store.getState().screen).toBe('tags');
    expect(store.getState().lists.tags.rows.map((t) => t.tag)).toEqual(['v1', 'v2', 'latest']);
  });

  it('switching repository drops the previous tags and signers', async () => {
    const { store } = await openApp();
    store.getState().openRepository('example.com/team/db', 'signers');
    expect(store.getState().lists.tags.rows).toEqual([]);
    await until(() => store.getState().lists.signers.status === 'ready');
    expect(store.getState().lists.signers.rows.map((s) => s.name)).toEqual(['bob']);
  });

  it('refresh keeps the cursor on the same tag', async () => {
    const { store, world } = await openApp();
    store.getState().move('tags', 'bottom');
    const tags = world.tags['example.com/team/app']!;
    world.tags['example.com/team/app'] = [{ ...tags[0]!, tag: 'v0' }, ...tags];
    await store.getState().load('tags');
    expect(selectedRow(store.getState().lists.tags)?.tag).toBe('latest');
  });

  it('Esc from a repository screen goes back to the repositories', async () => {
    const { store } = await openApp();
    store.getState().back();
    expect(store.getState().screen).toBe('repos');
    store.getState().back();
    expect(store.getState().screen).toBe('repos');
  });

  it('a failed load shows the cause and a next step, and the app state stays usable', async () => {
    const store = createAppStore(unreachableServer(fakeServices()));
    await store.getState().load('repos');
    expect(store.getState().lists.repos.status).toBe('error');
    expect(store.getState().banner).toEqual({
      cause: 'cannot reach the trust server at https://notary.test: ECONNREFUSED',
      next: expect.stringContaining('Check that it runs'),
    });
    await store.getState().load('keys');
    expect(store.getState().lists.keys.rows).toHaveLength(3);
  });
});

describe('revoking a tag', () => {
  it('shows the impact and revokes only after the tag name is typed', async () => {
    const { store, world } = await openApp();
    store.getState().move('tags', 'down'); // v2
    await store.getState().confirmRevokeSelectedTag();
    const modal = store.getState().modal;
    expect(modal).toMatchObject({ kind: 'plan', plan: { kind: 'revoke-tag', tag: 'v2', confirmText: 'v2' } });
    expect(modal?.kind === 'plan' && planLines(modal.plan).join('\n')).toContain('lose their last valid release signature: v2');

    expect(await store.getState().confirmModal('v')).toBe(false);
    expect(world.calls.filter((c) => c.startsWith('revokeTag'))).toEqual([]);

    const stop = answerPassphrases(store, 'repo-pass');
    expect(await store.getState().confirmModal('v2')).toBe(true);
    stop();
    expect(world.calls).toContain('revokeTag example.com/team/app v2');
    expect(store.getState().lists.tags.rows.map((t) => t.tag)).toEqual(['v1', 'latest']);
    expect(store.getState().status).toBe('Revoked example.com/team/app:v2: tag v2 removed');
  });

  it('closing the dialog changes nothing', async () => {
    const { store, world } = await openApp();
    await store.getState().confirmRevokeSelectedTag();
    store.getState().closeModal();
    expect(store.getState().modal).toBeNull();
    expect(world.calls).toEqual([]);
  });

  it('read-only mode refuses before asking anything', async () => {
    const store = createAppStore(fakeServices(), { readOnly: true });
    store.getState().openRepository('example.com/team/app');
    await until(() => store.getState().lists.tags.status === 'ready');
    await store.getState().confirmRevokeSelectedTag();
    expect(store.getState().modal).toBeNull();
    expect(store.getState().status).toContain('Read-only');
  });
});

describe('removing a signer key', () => {
  it('reports every role the server now shows changed, not only the signer the key was picked from', async () => {
    const { store, services } = await openApp();
    // What the server shows changed after publishing (src/trust reads it back): alice lost the key,
    // and targets/releases lost it too.
    services.executePlan = async (plan) => ({
      plan,
      changes: ['targets/alice: key(s) bbbbbbb removed; still verifies', 'targets/releases: key(s) bbbbbbb removed; re-signed; it verifies'],
      tagsNoLongerReleased: [],
      message: `${plan.doneMessage}: targets/alice: key(s) bbbbbbb removed; still verifies; targets/releases: key(s) bbbbbbb removed; re-signed; it verifies`,
    });
    store.getState().openRepository('example.com/team/app', 'signers');
    await until(() => store.getState().lists.signers.status === 'ready');
    store.getState().chooseSignerKeyToRemove();
    const choose = store.getState().modal;
    if (choose?.kind !== 'choose') throw new Error(`expected the key choice, got ${choose?.kind}`);
    choose.choose(choose.options[0]!.value);
    await until(() => store.getState().modal?.kind === 'plan');
    const confirm = store.getState().modal;
    const stop = answerPassphrases(store, 'repo-pass');
    expect(await store.getState().confirmModal(confirm?.kind === 'plan' ? confirm.plan.confirmText : '')).toBe(true);
    stop();
    const status = store.getState().status ?? '';
    expect(status).toContain('targets/alice: key(s) bbbbbbb removed; still verifies');
    expect(status).toContain('targets/releases: key(s) bbbbbbb removed');
    expect(status).not.toMatch(/from alice$/);
  });
});

describe('passphrases', () => {
  it('asks through the dialog state, passes the answer to the operation, and never keeps it', async () => {
    const { store, world } = await openApp();
    const done = store.getState().runTask('Signing', async (signal) => {
      await fakeServices(world).signTag('example.com/team/app', 'v3', { digest: `sha256:${'a'.repeat(64)}`, size: 1 }, { passphrases: store.getState().passphrases, signal });
    });
    await until(() => store.getState().passphrase !== null);
    expect(store.getState().passphrase).toMatchObject({ role: 'targets', purpose: 'unlock' });
    store.getState().submitPassphrase('s3cret-pass');
    expect(await done).toBe(true);
    expect(world.passphrasesSeen).toEqual(['s3cret-pass']);
    expect(store.getState().passphrase).toBeNull();
    expect(JSON.stringify(store.getState())).not.toContain('s3cret-pass');
  });

  it('cancelling the dialog cancels the operation without an error banner', async () => {
    const { store } = await openApp();
    store.getState().promptSignTag();
    store.getState().sendWizard('sign', { type: 'choose-source', origin: 'registry' });
    store.getState().sendWizard('sign', { type: 'submit-tag', tag: 'v2' });
    await until(() => store.getState().wizard?.state.step === 'review');
    store.getState().sendWizard('sign', { type: 'confirm' });
    await until(() => store.getState().passphrase !== null);
    store.getState().cancelPassphrase();
    await until(() => store.getState().wizard?.state.step === 'failed');
    expect(store.getState().banner).toBeNull();
    expect(store.getState().wizard?.state).toMatchObject({ error: 'Cancelled: nothing was published' });
  });
});

describe('wizards through the store', () => {
  it('imports a key: inspect, preview, passphrases, stored, key list reloaded', async () => {
    const services = fakeServices();
    const store = createAppStore(services);
    const stop = answerPassphrases(store, 'passphrase-123');
    store.getState().startKeyImport();
    store.getState().sendWizard('key-import', { type: 'submit-path', path: 'carol.key' });
    await until(() => store.getState().wizard?.state.step === 'preview');
    store.getState().sendWizard('key-import', { type: 'confirm', name: '' });
    await until(() => store.getState().wizard?.state.step === 'done');
    stop();
    expect(services.world.calls).toEqual(['importKey carol.key ']);
    expect(services.world.passphrasesSeen).toEqual(['passphrase-123', 'passphrase-123']);
    await until(() => store.getState().lists.keys.rows.length === 4);
    expect(store.getState().status).toContain('Imported key dddddd');
  });

  it('reports a missing file on the file step', async () => {
    const store = createAppStore(fakeServices());
    store.getState().startKeyImport();
    store.getState().sendWizard('key-import', { type: 'submit-path', path: 'missing.key' });
    await until(() => store.getState().wizard?.state.step === 'path');
    expect(store.getState().wizard?.state).toMatchObject({ error: expect.stringContaining('ENOENT') });
  });

  it('adds a signer with a key from a .pub file and reloads the signers', async () => {
    const { store, world } = await openApp();
    const stop = answerPassphrases(store, 'targets-pass');
    await store.getState().startSignerSetup();
    store.getState().sendWizard('signer-setup', { type: 'submit-name', name: 'dave' });
    store.getState().sendWizard('signer-setup', { type: 'add-file', path: 'dave.pub' });
    await until(() => store.getState().wizard?.state.step === 'keys');
    store.getState().sendWizard('signer-setup', { type: 'next' });
    store.getState().sendWizard('signer-setup', { type: 'submit-threshold', value: '' });
    // The plan says whether it publishes before the confirmation shows.
    await until(() => store.getState().wizard?.state.step === 'confirm');
    store.getState().sendWizard('signer-setup', { type: 'next' });
    await until(() => store.getState().wizard?.state.step === 'done');
    stop();
    expect(world.calls).toContain('addSigner example.com/team/app dave [{"from":"file","path":"dave.pub"}]');
    await until(() => store.getState().lists.signers.rows.some((s) => s.name === 'dave'));
  });

  it('sweeps a key with progress, stops between repositories, and a rerun finishes the rest', async () => {
    const services = fakeServices();
    const store = createAppStore(services);
    const progress: string[] = [];
    store.subscribe((s) => {
      const st = s.wizard?.state;
      if (st?.step === 'running' && st.progress) progress.push(`${st.progress.index}/${st.progress.total} ${st.progress.gun}`);
    });
    store.getState().startSweep({ kind: 'key', keyId: KEY_B });
    await until(() => store.getState().wizard?.state.step === 'dry-run');
    store.getState().sendWizard('sweep', { type: 'next' });
    store.getState().sendWizard('sweep', { type: 'confirm', typed: KEY_B.slice(0, 7) });
    await until(() => progress.length > 0);
    store.getState().sendWizard('sweep', { type: 'stop' });
    await until(() => store.getState().wizard?.state.step === 'report');
    expect(store.getState().wizard?.state).toMatchObject({
      interrupted: true,
      outcomes: [
        { gun: 'example.com/team/app', status: 'done' },
        { gun: 'example.com/team/db', status: 'skipped' },
      ],
    });
    expect(services.world.calls.filter((c) => c.startsWith('sweep '))).toEqual(['sweep example.com/team/app']);

    store.getState().sendWizard('sweep', { type: 'rerun' });
    await until(() => store.getState().wizard?.state.step === 'dry-run');
    const plan = store.getState().wizard?.state;
    expect(plan?.step === 'dry-run' && plan.plan.items.map((i) => i.done)).toEqual([true, false]);
    store.getState().sendWizard('sweep', { type: 'next' });
    store.getState().sendWizard('sweep', { type: 'confirm', typed: KEY_B.slice(0, 7) });
    await until(() => store.getState().wizard?.state.step === 'report');
    expect(services.world.calls.filter((c) => c.startsWith('sweep '))).toEqual(['sweep example.com/team/app', 'sweep example.com/team/db']);
    expect(progress).toContain('1/1 example.com/team/db');
  });

  it('S on the Signers screen sweeps the signer from every known repository, as the CLI does', async () => {
    const { store, services } = await openApp();
    store.getState().showScreen('signers');
    await until(() => store.getState().lists.signers.status === 'ready');
    store.getState().move('signers', 'down'); // bob, also a signer of team/db
    store.getState().sweepSelectedSigner();
    await until(() => store.getState().wizard?.state.step === 'dry-run');
    expect(services.world.calls).toContain('planSweep {"kind":"signer","name":"bob"}');
  });
});

describe('config', () => {
  it('toggles TOFU only after a yes, and lists servers and watched repositories', async () => {
    const services = fakeServices();
    const store = createAppStore(services);
    await store.getState().load('config');
    expect(store.getState().lists.config.rows.map((r) => r.id)).toEqual(['tofu', 'trust-dir', 'config-file', 'server:example.com/*', 'watched:example.com/team/app']);
    store.getState().editSelectedConfig();
    expect(store.getState().modal).toMatchObject({ kind: 'confirm', title: expect.stringContaining('OFF') });
    await store.getState().confirmModal();
    expect(services.world.settings.tofu).toBe(false);
    expect(store.getState().lists.config.rows[0]).toMatchObject({ value: 'off' });
  });

  it('removing a watched repository asks first and reloads the repositories', async () => {
    const services = fakeServices();
    const store = createAppStore(services);
    await store.getState().load('config');
    store.getState().move('config', 'bottom');
    store.getState().confirmRemoveSelectedConfig();
    expect(services.world.settings.watched).toEqual(['example.com/team/app']);
    await store.getState().confirmModal();
    expect(services.world.settings.watched).toEqual([]);
  });
});
