// After a publish (revoke, signer change, sweep) every screen shows the new trust data: the list on
// screen reloads at once, the others the next time they are shown.
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices } from './fake-services.js';

const until = async (check: () => boolean, ms = 2000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('lists after trust data changes', () => {
  it('a revoke reloads the tags now, and the repositories and signers when shown again', async () => {
    const services = fakeServices();
    const { world } = services;
    const store = createAppStore(services, { workDir: '/work' });
    const s = () => store.getState();
    await s().load('repos');
    s().openRepository('example.com/team/app', 'signers');
    await until(() => s().lists.signers.status === 'ready');
    s().showScreen('tags');
    await until(() => s().lists.tags.status === 'ready');
    const unsubscribe = store.subscribe((state) => {
      if (state.passphrase) queueMicrotask(() => store.getState().submitPassphrase('pass'));
    });

    // The server's answers change with the revoke (the fake updates only the tags itself).
    world.repos = world.repos.map((r) => (r.gun === 'example.com/team/app' ? { ...r, tagCount: 2 } : r));
    world.signers['example.com/team/app'] = world.signers['example.com/team/app']!.map((x) => ({ ...x, tagsSigned: 1 }));
    s().move('tags', 'down');
    await s().confirmRevokeSelectedTag();
    expect(await s().confirmModal('v2')).toBe(true);
    unsubscribe();

    expect(s().lists.tags.rows.map((t) => t.tag)).toEqual(['v1', 'latest']);
    // Not reloaded behind the user's back...
    expect(s().lists.repos.rows.find((r) => r.gun === 'example.com/team/app')?.tagCount).toBe(3);
    // ...but as soon as the screen shows again.
    s().showScreen('repos');
    await until(() => s().lists.repos.rows.find((r) => r.gun === 'example.com/team/app')?.tagCount === 2);
    s().showScreen('signers');
    await until(() => s().lists.signers.rows.every((x) => x.tagsSigned === 1));
    // Once fresh, showing a screen again does not reload it.
    const before = s().lists.signers;
    s().showScreen('tags');
    s().showScreen('signers');
    expect(s().lists.signers).toBe(before);
  });

  it('lists never loaded stay unloaded (nothing fetched for screens not yet visited)', async () => {
    const services = fakeServices();
    let keyLoads = 0;
    const listKeys = services.listKeys;
    services.listKeys = async () => (keyLoads++, listKeys());
    const store = createAppStore(services, { workDir: '/work' });
    store.getState().openRepository('example.com/team/app');
    await until(() => store.getState().lists.tags.status === 'ready');
    await store.getState().trustDataChanged();
    expect(keyLoads).toBe(0);
    expect(store.getState().lists.keys.status).toBe('idle');
  });
});
