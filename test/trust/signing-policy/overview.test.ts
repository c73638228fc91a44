// The Policy screen's badges and what policy apply confirms, over plans of in-memory repositories
// (apply itself runs against a real notary-server in test/interop/policy-apply.test.ts), and the
// schema's `public` field.
import { beforeEach, describe, expect, it } from 'vitest';
import { isDestructive } from '../../../src/trust/signing-policy/apply.js';
import { badgeOf } from '../../../src/trust/signing-policy/overview.js';
import { planRepository } from '../../../src/trust/signing-policy/plan.js';
import { parsePolicy, PolicyFileError } from '../../../src/trust/signing-policy/schema.js';
import type { PrivateKey } from '../../../src/tuf/private-key.js';
import { RepositoryView } from '../../../src/tuf/repository-view.js';
import { TrustedSet } from '../../../src/tuf/trusted-set.js';
import { DelegationRefusedError } from '../../../src/tuf/update-errors.js';
import { MemoryRepo, newEcdsaKey } from '../../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const GUN = 'registry.example.com/team/app';

function load(repo: MemoryRepo): { view: RepositoryView; trusted: TrustedSet } {
  const trusted = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => NOW });
  trusted.updateTimestamp(repo.file('timestamp'));
  trusted.updateSnapshot(repo.file('snapshot'));
  trusted.updateTargets(repo.file('targets'));
  for (const d of trusted.targets!.signed.delegations) {
    if (!repo.files.has(d.name)) continue;
    try {
      trusted.updateDelegation(d.name, repo.file(d.name), 'targets');
    } catch (e) {
      if (!(e instanceof DelegationRefusedError)) throw e;
    }
  }
  return { view: new RepositoryView(trusted), trusted };
}

describe('Policy badges and destructive changes', () => {
  let repo: MemoryRepo;
  let alice: PrivateKey;
  let bob: PrivateKey;
  const plan = (roles: string) => {
    const policy = parsePolicy(`version: 1
signers:
  alice: { key: ${alice.publicKey.id} }
  bob: { key: ${bob.publicKey.id} }
repositories:
  - match: ${GUN}
    roles:
${roles}`);
    return planRepository(policy, policy.repositories[0]!, load(repo));
  };

  beforeEach(async () => {
    repo = await MemoryRepo.create(GUN, NOW);
    alice = newEcdsaKey();
    bob = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
  });

  it('in sync: no difference', () => {
    expect(badgeOf(plan('      releases: { signers: [alice, bob] }\n      alice: { signers: [alice] }\n'))).toEqual({ badge: 'in sync', why: '' });
  });

  it('drifted: a role to add and one to remove, nothing broken now; the removal is destructive, the addition is not', () => {
    const p = plan('      releases: { signers: [alice, bob] }\n      bob: { signers: [bob] }\n');
    expect(badgeOf(p)).toEqual({ badge: 'drifted', why: '1 to add, 1 to remove' });
    expect(p.changes.filter(isDestructive).map((c) => `${c.op} ${c.role}`)).toEqual(['remove targets/alice']);
  });

  it('a threshold raise that would hide the tag if the parent went alone is destructive', () => {
    const p = plan('      releases: { signers: [alice, bob], threshold: 2 }\n      alice: { signers: [alice] }\n');
    const raise = p.changes.find((c) => c.role === 'targets/releases')!;
    expect(raise.impact.hiddenTags).toEqual(['v1']);
    expect(isDestructive(raise)).toBe(true);
    expect(badgeOf(p).badge).toBe('drifted');
  });

  it('violating: a role below its threshold now (its tags are hidden today)', async () => {
    repo = await MemoryRepo.create(GUN, NOW);
    repo.addDelegation('targets/releases', [alice], { threshold: 2, keys: [alice.publicKey, bob.publicKey] });
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases']);
    expect(badgeOf(plan('      releases: { signers: [alice, bob], threshold: 2 }\n'))).toMatchObject({ badge: 'violating', why: 'targets/releases below its threshold' });
  });
});

describe('schema: signers.NAME.public', () => {
  const A = 'a'.repeat(64);
  it('is kept as written (apply resolves it next to the policy file)', () => {
    const p = parsePolicy(`version: 1\nsigners:\n  carol: { key: ${A}, public: keys/carol.pub }\nrepositories:\n  - match: x/y\n`);
    expect(p.signers.get('carol')).toEqual({ name: 'carol', keys: [A], public: 'keys/carol.pub' });
  });
  it('must be a file name: the error names the line', () => {
    expect(() => parsePolicy(`version: 1\nsigners:\n  carol: { key: ${A}, public: 3 }\nrepositories:\n  - match: x/y\n`, 'p.yaml')).toThrow(PolicyFileError);
    expect(() => parsePolicy(`version: 1\nsigners:\n  carol: { key: ${A}, public: 3 }\nrepositories:\n  - match: x/y\n`, 'p.yaml')).toThrow(/^p\.yaml:3:\d+: signer carol: public must be the path of a public key or certificate file/);
  });
});
