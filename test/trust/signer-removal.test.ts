/**
 * Planning signer and key removals: which delegations lose keys, which tags stop being released,
 * when targets/releases is re-signed with a remaining key held here, and when the removal must be
 * forced. Repositories are built in memory with docker's layout (releases + one role per signer).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RepositoryEditor, type RepositoryState } from '../../src/tuf/editor.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { RepositoryView } from '../../src/tuf/repository-view.js';
import { GoTime } from '../../src/tuf/time.js';
import { TrustedSet } from '../../src/tuf/trusted-set.js';
import { DelegationRefusedError } from '../../src/tuf/update-errors.js';
import { applyRemoval, planRemoval, type RemovalTarget } from '../../src/trust/signer-removal.js';
import { MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');

function load(repo: MemoryRepo): TrustedSet {
  const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => NOW });
  set.updateTimestamp(repo.file('timestamp'));
  set.updateSnapshot(repo.file('snapshot'));
  set.updateTargets(repo.file('targets'));
  for (const d of set.targets!.signed.delegations) {
    if (!repo.files.has(d.name)) continue;
    try {
      set.updateDelegation(d.name, repo.file(d.name), 'targets');
    } catch (e) {
      if (!(e instanceof DelegationRefusedError)) throw e;
    }
  }
  return set;
}

function editorOf(set: TrustedSet): RepositoryEditor {
  const delegations = new Map([...set.refusedDelegations].map(([n, d]) => [n, d.envelope]));
  for (const [n, d] of set.delegations) delegations.set(n, d.envelope);
  const state: RepositoryState = { root: set.root, targets: set.targets, snapshot: set.snapshot, delegations };
  return new RepositoryEditor(state, GoTime.fromDate(NOW));
}

describe('planRemoval', () => {
  let repo: MemoryRepo;
  let alice: PrivateKey;
  let bob: PrivateKey;
  let held: Set<string>;

  beforeEach(async () => {
    repo = await MemoryRepo.create('registry.example.com/team/app', NOW);
    alice = newEcdsaKey();
    bob = newEcdsaKey();
    held = new Set([repo.targetsKey.id]);
  });

  /** releases = {alice, bob}, signed by `releasesSigners`; v1 admin-signed, v2 released by alice. */
  function twoSigners(releasesSigners: PrivateKey[]): void {
    repo.addDelegation('targets/releases', releasesSigners, { keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [bob]);
    repo.addTarget('targets', 'v1');
    repo.addTarget('targets/releases', 'v2');
    repo.addTarget('targets/alice', 'v2');
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);
  }

  function plan(target: RemovalTarget) {
    const set = load(repo);
    const editor = editorOf(set);
    return { editor, plan: planRemoval(new RepositoryView(set), editor, held, target) };
  }

  /** Signs what the plan changed with the held keys; build() throws if a role would not verify. */
  function buildWith(editor: RepositoryEditor, keys: PrivateKey[]) {
    const byId = new Map([repo.targetsKey, ...keys].map((k) => [k.id, k]));
    return editor.build((id) => byId.get(id), { signSnapshot: false });
  }

  it('re-signs releases with a remaining key held here when the removed signer carried its only signature', () => {
    twoSigners([alice]);
    held.add(bob.id);
    const { editor, plan: p } = plan({ signer: 'alice' });
    expect(p.changes.map((c) => [c.role, c.outcome])).toEqual([
      ['targets/alice', 'removed'],
      ['targets/releases', 're-signed'],
    ]);
    expect(p.changes[1]).toMatchObject({ removedKeyIds: [alice.id], remainingKeyIds: [bob.id], threshold: 1 });
    expect(p.breaksReleases).toBe(false);
    expect(p.tagsLosingRelease).toEqual([]);
    applyRemoval(editor, p);
    const built = buildWith(editor, [bob]);
    expect([...built.files.keys()]).toEqual(['targets', 'targets/releases']);
    expect(built.deleted).toEqual(['targets/alice']);
    expect(editor.current('targets')!.getDelegation('targets/alice')).toBeUndefined();
    expect(editor.current('targets/releases')!.targets.has('v2')).toBe(true);
  });

  it('must be forced, and names the tags, when no remaining releases key is held here', () => {
    twoSigners([alice]);
    const { plan: p } = plan({ signer: 'alice' });
    expect(p.changes.find((c) => c.role === 'targets/releases')!.outcome).toBe('unverifiable');
    expect(p.breaksReleases).toBe(true);
    // v1 is admin-signed in targets: it stays released.
    expect(p.tagsLosingRelease.map((t) => t.tag)).toEqual(['v2']);
  });

  it('changes only the declaration when the remaining keys already signed releases', () => {
    twoSigners([alice, bob]);
    const { editor, plan: p } = plan({ signer: 'alice' });
    expect(p.changes.find((c) => c.role === 'targets/releases')!.outcome).toBe('still-valid');
    expect(p.breaksReleases).toBe(false);
    applyRemoval(editor, p);
    expect([...buildWith(editor, []).files.keys()]).toEqual(['targets']);
  });

  it('keeps a key in releases while another signer still uses it', () => {
    twoSigners([alice]);
    repo.addDelegation('targets/ci', [alice]);
    repo.publish(['targets']);
    const { plan: p } = plan({ signer: 'alice' });
    expect(p.changes.map((c) => c.role)).toEqual(['targets/alice']);
    expect(p.tagsLosingRelease).toEqual([]);
  });

  it('deletes releases when the removed signer held its only key, and then must be forced', () => {
    repo.addDelegation('targets/releases', [alice]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v2');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    const { plan: p } = plan({ signer: 'alice' });
    expect(p.changes.find((c) => c.role === 'targets/releases')!.outcome).toBe('removed');
    expect(p.breaksReleases).toBe(true);
    expect(p.tagsLosingRelease.map((t) => t.tag)).toEqual(['v2']);
  });

  it('removes a key from every delegation; a delegation left without keys goes', () => {
    const carol = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice, bob], { keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [alice, bob], { keys: [alice.publicKey, bob.publicKey, carol.publicKey] });
    repo.addDelegation('targets/ci', [alice, bob]); // declared, its file never published
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);
    const { editor, plan: p } = plan({ keyIds: [alice.id] });
    expect(Object.fromEntries(p.changes.map((c) => [c.role, c.outcome]))).toEqual({
      'targets/releases': 'still-valid',
      'targets/alice': 'removed',
      'targets/bob': 'still-valid',
      'targets/ci': 'unsigned',
    });
    applyRemoval(editor, p);
    const t = editor.current('targets')!;
    expect(t.getDelegation('targets/alice')).toBeUndefined();
    expect(t.getDelegation('targets/bob')!.keyIds).toEqual([bob.id, carol.id]);
    expect(t.delegationKeys.has(alice.id)).toBe(false);
  });

  it('lowers a threshold that the remaining keys could never meet, and re-signs with them', () => {
    repo.addDelegation('targets/releases', [alice, bob], { threshold: 2 });
    repo.addTarget('targets/releases', 'v2');
    repo.publish(['targets', 'targets/releases']);
    held.add(bob.id);
    const { editor, plan: p } = plan({ keyIds: [alice.id] });
    expect(p.changes[0]).toMatchObject({ role: 'targets/releases', previousThreshold: 2, threshold: 1, outcome: 're-signed' });
    applyRemoval(editor, p);
    expect([...buildWith(editor, [bob]).files.keys()]).toEqual(['targets', 'targets/releases']);
  });

  it('leaves delegations alone whose parent this host cannot sign', () => {
    twoSigners([alice, bob]);
    held.clear();
    const { plan: p } = plan({ keyIds: [bob.id] });
    expect(p.changes).toEqual([]);
    expect(p.skipped.map((s) => s.role).sort()).toEqual(['targets/bob', 'targets/releases']);
    expect(() => plan({ signer: 'bob' })).toThrow(/holds no key of targets/);
  });

  it('names an unknown signer', () => {
    twoSigners([alice]);
    expect(() => plan({ signer: 'carol' })).toThrow('no signer carol for repository registry.example.com/team/app');
  });
});
