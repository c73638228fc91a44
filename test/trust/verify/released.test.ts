/** The default verify requirement: docker pull's lookup order, and who is missing when it fails. */
import { beforeEach, describe, expect, it } from 'vitest';
import { releasedRequirement } from '../../../src/trust/verify/released.js';
import type { PrivateKey } from '../../../src/tuf/private-key.js';
import { Envelope, signerFromPrivateKey } from '../../../src/tuf/metadata/index.js';
import { RepositoryView } from '../../../src/tuf/repository-view.js';
import { TrustedSet } from '../../../src/tuf/trusted-set.js';
import { DelegationRefusedError } from '../../../src/tuf/update-errors.js';
import { DAY_MS, imageMeta, MemoryRepo, newEcdsaKey, newRootKey } from '../../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');

function view(repo: MemoryRepo, at: Date = NOW): RepositoryView {
  const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => at });
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
  return new RepositoryView(set);
}

const hex = (seed: string) => imageMeta(seed).hex('sha256')!;

describe('releasedRequirement', () => {
  let repo: MemoryRepo;
  let alice: PrivateKey;
  let bob: PrivateKey;
  let carol: PrivateKey;
  beforeEach(async () => {
    repo = await MemoryRepo.create('registry.example.com/team/app', NOW);
    [alice, bob, carol] = [newEcdsaKey(), newEcdsaKey(), newEcdsaKey()];
  });

  it('takes the digest from targets/releases before targets, as docker pull does', () => {
    repo.addDelegation('targets/releases', [alice]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets', 'v1', imageMeta('admin build'));
    repo.addTarget('targets/releases', 'v1', imageMeta('release build'));
    repo.addTarget('targets/alice', 'v1', imageMeta('release build'));
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    const r = releasedRequirement.evaluate(view(repo), { tag: 'v1' });
    expect(r).toMatchObject({ satisfied: true, digest: `sha256:${hex('release build')}`, releasedBy: ['targets/releases'], signers: ['alice'] });
    // the admin's digest is also released under v1, but it is not the one pulled
    expect(releasedRequirement.evaluate(view(repo), { tag: 'v1', digest: `sha256:${hex('admin build')}` })).toMatchObject({
      satisfied: false,
      reason: 'digest-mismatch',
    });
    expect(releasedRequirement.evaluate(view(repo), { digest: `sha256:${hex('admin build')}` })).toMatchObject({ satisfied: true, tags: ['v1'] });
  });

  it('without a releases role, the repository key holder is who must sign', () => {
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    expect(releasedRequirement.evaluate(view(repo), { tag: 'v1' })).toMatchObject({ satisfied: true, releasedBy: ['targets'], signers: [] });
    expect(releasedRequirement.evaluate(view(repo), { tag: 'v2' })).toMatchObject({
      satisfied: false,
      reason: 'not-signed',
      missing: ['the holder of the repository (targets) key'],
    });
  });

  it('below threshold: counts distinct signers and names who may still sign', () => {
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey, carol.publicKey], threshold: 2 });
    for (const [name, key] of [['alice', alice], ['bob', bob], ['carol', carol]] as const) repo.addDelegation(`targets/${name}`, [key]);
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases']);
    const r = releasedRequirement.evaluate(view(repo), { tag: 'v1' });
    expect(r).toEqual({
      satisfied: false,
      reason: 'below-threshold',
      message: 'v1 is in targets/releases, which has 1 of 2 required signatures (alice); waiting on 1 more: bob or carol',
      missing: ['bob', 'carol'],
      needed: 1,
    });
  });

  it('a 2-of-3 release names both signers of targets/releases, also one who signed no role of their own', () => {
    repo.addDelegation('targets/releases', [alice, bob], { keys: [alice.publicKey, bob.publicKey, carol.publicKey], threshold: 2 });
    for (const [name, key] of [['alice', alice], ['bob', bob], ['carol', carol]] as const) repo.addDelegation(`targets/${name}`, [key]);
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets/alice', 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    expect(releasedRequirement.evaluate(view(repo), { tag: 'v1' })).toMatchObject({ satisfied: true, releasedBy: ['targets/releases'], signers: ['alice', 'bob'] });
  });

  it('names signers in natural order: s2 before s10', () => {
    const keys = { s1: alice, s2: bob, s10: carol };
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey, carol.publicKey], threshold: 3 });
    for (const [name, key] of Object.entries(keys)) repo.addDelegation(`targets/${name}`, [key]);
    repo.addTarget('targets/releases', 'v1');
    for (const name of Object.keys(keys)) repo.addTarget(`targets/${name}`, 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/s1', 'targets/s2', 'targets/s10']);
    const r = releasedRequirement.evaluate(view(repo), { tag: 'v1' });
    expect(r).toMatchObject({ satisfied: false, reason: 'below-threshold', missing: ['s2', 's10'] });
    expect((r as { message: string }).message).toContain('(s1); waiting on s2, s10');
  });

  it('a tag nobody signed, under a 2-of-3 releases role, needs two of them, not one', () => {
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey, carol.publicKey], threshold: 2 });
    for (const [name, key] of [['alice', alice], ['bob', bob], ['carol', carol]] as const) repo.addDelegation(`targets/${name}`, [key]);
    repo.addTarget('targets/alice', 'v2');
    repo.publish(['targets', 'targets/alice']);
    expect(releasedRequirement.evaluate(view(repo), { tag: 'v3' })).toMatchObject({
      reason: 'not-signed',
      message: 'v3 is not signed; 2 of alice, bob, carol must sign it',
      missing: ['alice', 'bob', 'carol'],
      needed: 2,
    });
    expect(releasedRequirement.evaluate(view(repo), { tag: 'v2' })).toMatchObject({
      reason: 'signer-only',
      message: 'v2 is signed only by targets/alice, which docker pull does not read; not released: 2 of alice, bob, carol must sign it into targets/releases',
      needed: 2,
    });
  });

  it('an expired releases role: every release signer may re-sign', () => {
    repo.addDelegation('targets/releases', [alice, bob]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases'], { expiresDays: { 'targets/releases': 1 } });
    const r = releasedRequirement.evaluate(view(repo, new Date(NOW.getTime() + 2 * DAY_MS)), { tag: 'v1' });
    // bob has no signer role of his own: named by his short key ID
    expect(r).toMatchObject({ satisfied: false, reason: 'expired', missing: ['alice', `key ${bob.publicKey.canonicalId.slice(0, 7)}`].sort() });
  });

  it('one key listed under two IDs (plain and certificate) counts once: notary accepts it for threshold 2, trust-tui does not', async () => {
    const dual = await newRootKey(repo.gun, NOW); // one private key, a plain ID and an x509 ID
    repo.addDelegation('targets/releases', [dual.privateKey], { keys: [dual.privateKey.publicKey, dual.certKey], threshold: 2 });
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases']);
    const d = repo.delegations.get('targets/releases')!;
    const both = [signerFromPrivateKey(dual.privateKey), signerFromPrivateKey(dual.privateKey, dual.certKey.id)];
    repo.files.set('targets/releases', Envelope.sign(d.targets, both).raw);
    repo.signSnapshotAndTimestamp();
    const v = view(repo);
    // notary counts 2 key IDs (tuf/signed/verify.go); the trusted set counts 1 key and refuses the role.
    expect(v.tag('v1')).toEqual([]);
    const r = releasedRequirement.evaluate(v, { tag: 'v1' });
    expect(r).toMatchObject({ satisfied: false, reason: 'below-threshold', missing: [] });
    expect(r.satisfied ? '' : r.message).toMatch(/has 1 of 2 required signatures .*a key listed under two IDs counts once/);
    expect(releasedRequirement.evaluate(v, { digest: `sha256:${hex('v1')}` })).toMatchObject({ satisfied: false });
  });
});
