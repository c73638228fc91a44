/** The repository view: docker's released-tag rule, notary's walk (paths, shadowing), signers, impact. */
import { beforeEach, describe, expect, it } from 'vitest';
import { RepositoryView, naturalCompare, REPO_ADMIN } from '../../src/tuf/repository-view.js';
import { TrustedSet } from '../../src/tuf/trusted-set.js';
import { DelegationRefusedError } from '../../src/tuf/update-errors.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { DAY_MS, imageMeta, MemoryRepo, newEcdsaKey } from './memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');

/** Loads everything the snapshot lists, breadth-first, skipping refused delegations like the updater. */
function load(repo: MemoryRepo, at: Date = NOW): TrustedSet {
  const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => at });
  set.updateTimestamp(repo.file('timestamp'));
  set.updateSnapshot(repo.file('snapshot'));
  set.updateTargets(repo.file('targets'));
  const queue: (readonly [string, string])[] = set.targets!.signed.delegations.map((d) => [d.name, 'targets'] as const);
  while (queue.length > 0) {
    const [name, parent] = queue.shift()!;
    if (!repo.files.has(name)) continue;
    try {
      const d = set.updateDelegation(name, repo.file(name), parent);
      queue.push(...d.envelope.signed.delegations.map((c) => [c.name, name] as const));
    } catch (e) {
      if (!(e instanceof DelegationRefusedError)) throw e;
    }
  }
  return set;
}

describe('RepositoryView', () => {
  let repo: MemoryRepo;
  let alice: PrivateKey;
  let bob: PrivateKey;
  beforeEach(async () => {
    repo = await MemoryRepo.create('registry.example.com/team/app', NOW);
    alice = newEcdsaKey();
    bob = newEcdsaKey();
  });

  /** docker's layout after `signer add alice`, `signer add bob`: both keys in releases and in their own role. */
  function dockerLayout(): void {
    repo.addDelegation('targets/releases', [alice, bob]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [bob]);
  }

  it("lists released tags with docker's signers rule: other roles with the same digest, else Repo Admin", () => {
    dockerLayout();
    repo.addTarget('targets', 'v1'); // admin-signed
    for (const role of ['targets/releases', 'targets/alice', 'targets/bob']) repo.addTarget(role, 'v2');
    repo.addTarget('targets/alice', 'v3'); // only in alice's role: not released
    repo.addTarget('targets/releases', 'v4', imageMeta('v4'));
    repo.addTarget('targets/bob', 'v4', imageMeta('a different image')); // same tag, other digest: not bob's signature
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);

    const tags = new RepositoryView(load(repo)).releasedTags();
    expect(tags.map((t) => [t.tag, t.signers, t.releasedBy])).toEqual([
      ['v1', [], ['targets']],
      ['v2', ['alice', 'bob'], ['targets/releases']],
      ['v4', [], ['targets/releases']],
    ]);
    expect(tags[1]!.digest).toBe(imageMeta('v2').hex('sha256'));
    expect(REPO_ADMIN).toBe('Repo Admin');
  });

  it('lists signers without releases, with canonical key IDs, and the administrative keys', () => {
    dockerLayout();
    repo.publish(['targets']);
    const view = new RepositoryView(load(repo));
    expect(view.signers().map((s) => [s.name, s.keys.map((k) => k.canonicalId), s.state])).toEqual([
      ['alice', [alice.id], 'absent'],
      ['bob', [bob.id], 'absent'],
    ]);
    const admin = view.administrativeKeys();
    expect(admin.root.map((k) => k.id)).toEqual([repo.rootSigners[0]!.certKey.id]);
    expect(admin.root[0]!.canonicalId).toBe(repo.rootSigners[0]!.privateKey.id);
    expect(admin.repository.map((k) => k.id)).toEqual([repo.targetsKey.id]);
  });

  it('lists signers in natural order of name: s2 before s10', () => {
    for (const name of ['s10', 's2', 's1', 's11', 'alice']) repo.addDelegation(`targets/${name}`, [alice]);
    repo.publish(['targets']);
    expect(new RepositoryView(load(repo)).signers().map((s) => s.name)).toEqual(['alice', 's1', 's2', 's10', 's11']);
  });

  it('enforces delegated paths, also when a child claims more than its parent', () => {
    repo.addDelegation('targets/qa', [alice], { paths: ['qa/'] });
    repo.addDelegation('targets/qa/nightly', [alice], { paths: ['qa/nightly-', 'prod/'] });
    repo.addTarget('targets/qa', 'qa/1');
    repo.addTarget('targets/qa', 'rel'); // outside qa's paths: the server accepts it, clients must hide it
    repo.addTarget('targets/qa/nightly', 'qa/nightly-7');
    repo.addTarget('targets/qa/nightly', 'prod/1'); // outside the parent's paths
    repo.publish(['targets', 'targets/qa', 'targets/qa/nightly']);
    const view = new RepositoryView(load(repo));
    expect(view.resolvedTargets().map((t) => [t.name, t.role])).toEqual([
      ['qa/1', 'targets/qa'],
      ['qa/nightly-7', 'targets/qa/nightly'],
    ]);
    expect(view.rolesHolding('rel')).toEqual([]);
    expect(view.delegations().map((d) => [d.role, d.effectivePaths])).toEqual([
      ['targets/qa', ['qa/']],
      ['targets/qa/nightly', ['qa/nightly-']],
    ]);
  });

  it('shadowing: the first role breadth-first holds a name (targets, then a, b, then a/x)', () => {
    repo.addDelegation('targets/a', [alice]);
    repo.addDelegation('targets/b', [bob]);
    repo.addDelegation('targets/a/x', [alice]);
    repo.addTarget('targets/a/x', 'deep', imageMeta('from a/x'));
    repo.addTarget('targets/b', 'deep', imageMeta('from b'));
    repo.addTarget('targets/a/x', 'only-deep');
    repo.addTarget('targets', 'top', imageMeta('from targets'));
    repo.addTarget('targets/a', 'top', imageMeta('from a'));
    repo.publish(['targets', 'targets/a', 'targets/b', 'targets/a/x']);
    const view = new RepositoryView(load(repo));
    expect(view.walk().map((w) => w.role)).toEqual(['targets', 'targets/a', 'targets/b', 'targets/a/x']);
    const listed = Object.fromEntries(view.resolvedTargets().map((t) => [t.name, t.role]));
    expect(listed).toEqual({ deep: 'targets/b', 'only-deep': 'targets/a/x', top: 'targets' });
  });

  it('leaves out a below-threshold release role, and shows its tags as unverified on request', () => {
    repo.addDelegation('targets/releases', [alice, bob], { threshold: 2 });
    repo.addTarget('targets/releases', 'v1');
    repo.delegations.get('targets/releases')!.signers = [alice];
    repo.publish(['targets', 'targets/releases']);
    const view = new RepositoryView(load(repo));
    expect(view.releasedTags()).toEqual([]);
    const unverified = view.releasedTags({ includeUnverified: true });
    expect(unverified.map((t) => [t.tag, t.verified])).toEqual([['v1', false]]);
    expect(unverified[0]!.problem).toMatch(/did not meet threshold for targets\/releases \(1 of 2/);
    expect(view.delegations().find((d) => d.role === 'targets/releases')?.state).toBe('refused');
  });

  it('impact of removing a signer: tags released only through their key are named', () => {
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [bob]);
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets/alice', 'v1');
    repo.addTarget('targets', 'v0');
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);
    const view = new RepositoryView(load(repo));

    const aliceGone = view.impactOfRemoving({ signer: 'alice' });
    expect(aliceGone.tagsLosingRelease.map((t) => t.tag)).toEqual(['v1']); // v0 stays: repository key
    const releases = aliceGone.roles.find((r) => r.role === 'targets/releases')!;
    expect(releases).toMatchObject({ validBefore: true, validAfter: false, deleted: false });
    // bob's key remains listed: releases can be re-signed with it
    expect(releases.remainingKeys.map((k) => k.canonicalId)).toEqual([bob.id]);
    expect(aliceGone.roles.find((r) => r.role === 'targets/alice')).toMatchObject({ deleted: true, validAfter: false });

    const bobGone = view.impactOfRemoving({ keyIds: [bob.id] });
    expect(bobGone.tagsLosingRelease).toEqual([]);
    expect(bobGone.roles.map((r) => [r.role, r.validAfter])).toEqual([
      ['targets/releases', true],
      ['targets/bob', false],
    ]);
  });

  it('reports the expiry of every role; the timestamp, renewed by the server, only when it has expired', () => {
    repo.addDelegation('targets/releases', [alice]);
    repo.publish(['targets', 'targets/releases'], { expiresDays: { 'targets/releases': 30 } });
    const expiries = new RepositoryView(load(repo, new Date(NOW.getTime() + DAY_MS))).expiries();
    expect(Object.fromEntries(expiries.map((e) => [e.role, e.state]))).toEqual({
      root: 'valid',
      targets: 'valid',
      snapshot: 'valid',
      // 13 days left of 14: notary's warnRolesNearExpiry skips the timestamp, the server re-signs it.
      timestamp: 'valid',
      'targets/releases': 'expires-soon',
    });
  });

  it("sorts tags naturally as docker's sortorder does", () => {
    const tags = ['v10', 'v2', 'latest', 'v1.10', 'v1.9', 'v01', '1', 'v1'];
    expect([...tags].sort(naturalCompare)).toEqual(['1', 'latest', 'v1', 'v1.9', 'v1.10', 'v01', 'v2', 'v10']);
  });

  it('orders characters outside ASCII by their UTF-8 bytes, as docker compares them', () => {
    // é is C3 A9, U+FFFF is EF BF BF, U+1F600 (a surrogate pair in JavaScript) is F0 9F 98 80.
    const tags = ['v\u{1F600}', 'v\uFFFF', 'v\u00E9', 'vz', 'v9'];
    expect([...tags].sort(naturalCompare)).toEqual(['v9', 'vz', 'v\u00E9', 'v\uFFFF', 'v\u{1F600}']);
  });
});
