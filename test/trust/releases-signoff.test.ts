// releasesSignoff over a verified repository view: "k of n" counts distinct keys of targets/releases,
// and a signer is ✓ only when one of its keys' signatures on the current releases file verified.
import { describe, expect, it } from 'vitest';
import { releasesSignoff, releasesThresholdProblem } from '../../src/trust/releases-signoff.js';
import { RepositoryView } from '../../src/tuf/repository-view.js';
import { TrustedSet } from '../../src/tuf/trusted-set.js';
import { MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';

describe('releases sign-off', () => {
  it('2 of 3 keys, signed by alice and carol: alice ✓, bob ·, carol ✓', async () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const repo = await MemoryRepo.create('registry.example.test/team/app', now);
    const [alice, bob, carol] = [newEcdsaKey(), newEcdsaKey(), newEcdsaKey()];
    repo.addDelegation('targets/releases', [alice, carol], { keys: [alice.publicKey, bob.publicKey, carol.publicKey], threshold: 2 });
    for (const [name, key] of [['alice', alice], ['bob', bob], ['carol', carol]] as const) repo.addDelegation(`targets/${name}`, [key]);
    repo.addTarget('targets/releases', 'v1');
    const roles = ['targets/releases', 'targets/alice', 'targets/bob', 'targets/carol'];
    repo.publish(['targets', ...roles]);
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => now });
    set.updateTimestamp(repo.file('timestamp'));
    set.updateSnapshot(repo.file('snapshot'));
    set.updateTargets(repo.file('targets'));
    for (const role of roles) set.updateDelegation(role, repo.file(role), 'targets');

    const signoff = releasesSignoff(new RepositoryView(set))!;
    expect(signoff).toMatchObject({ threshold: 2, keys: 3, signed: 2 });
    expect(signoff.bySigner).toEqual([
      { name: 'alice', signed: true },
      { name: 'bob', signed: false },
      { name: 'carol', signed: true },
    ]);
  });

  it('refuses a threshold above the distinct keys, or below 1', () => {
    expect(releasesThresholdProblem('g', 2, 2)).toBeUndefined();
    expect(releasesThresholdProblem('g', 3, 2)).toBe('threshold 3 for targets/releases of g can never be met: it would have 2 distinct key(s)');
    expect(releasesThresholdProblem('g', 0, 2)).toMatch(/at least 1/);
  });
});
