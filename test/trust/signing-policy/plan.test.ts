// The plan's health findings and the deployability rule over in-memory repositories (the plan of a
// repository docker made is golden-tested in test/interop/signing-policy.test.ts).
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateDeployable } from '../../../src/trust/signing-policy/deployable.js';
import { planRepository } from '../../../src/trust/signing-policy/plan.js';
import { renderRepositoryPlan } from '../../../src/trust/signing-policy/render.js';
import { parsePolicy } from '../../../src/trust/signing-policy/schema.js';
import type { PrivateKey } from '../../../src/tuf/private-key.js';
import { RepositoryView } from '../../../src/tuf/repository-view.js';
import { TrustedSet } from '../../../src/tuf/trusted-set.js';
import { DelegationRefusedError } from '../../../src/tuf/update-errors.js';
import { imageMeta, MemoryRepo, newEcdsaKey, newRootKey } from '../../tuf/memory-repo.js';

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

describe('policy plan health findings and the deployability rule', () => {
  let repo: MemoryRepo;
  let alice: PrivateKey;
  let bob: PrivateKey;
  const policyText = (extra = '') => `version: 1
signers:
  alice: { key: ${alice.publicKey.id} }
  bob: { key: ${bob.publicKey.id} }
repositories:
  - match: ${GUN}
    roles:
      releases: { signers: [alice, bob], threshold: 2 }
      alice: { signers: [alice] }
${extra}`;

  beforeEach(async () => {
    repo = await MemoryRepo.create(GUN, NOW);
    alice = newEcdsaKey();
    bob = newEcdsaKey();
  });

  it('a deployability rule naming a role the repository does not have is a warning, not "in sync"', () => {
    repo.addDelegation('targets/releases', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases']);
    const policy = parsePolicy(`version: 1\nrepositories:\n  - match: ${GUN}\n    deployable: { all_of: [releases, qa] }\n`);
    const plan = planRepository(policy, policy.repositories[0]!, load(repo));
    expect(plan.inSync).toBe(false);
    expect(plan.changes.map((c) => [c.op, c.role, c.path])).toEqual([['warn', 'targets/qa', 'deployable']]);
    expect(renderRepositoryPlan(plan)).toContain('! deployable names targets/qa, which this repository does not have: no tag can meet all_of[releases, qa]');
  });

  it('a role below its threshold now: hidden tags and who must re-sign, although the configuration matches', () => {
    repo.addDelegation('targets/releases', [alice], { threshold: 2, keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets/alice', 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    const policy = parsePolicy(policyText());
    const plan = planRepository(policy, policy.repositories[0]!, load(repo));
    expect(plan.changes.map((c) => [c.op, c.role, c.path])).toEqual([['warn', 'targets/releases', 'threshold-health']]);
    // Re-signing makes a new version: alice's signature over version 1 does not carry over.
    expect(plan.changes[0]!.needs).toEqual({ k: 2, from: ['alice', 'bob'] });
    expect(plan.changes[0]!.impact.hiddenTags).toEqual(['v1']);
    expect(renderRepositoryPlan(plan)).toContain(
      '! targets/releases (version 1) is below its threshold now (1 of 2 valid signatures): 1 tag is hidden (v1) → re-sign, needs alice, bob',
    );
    expect(plan.inSync).toBe(false);
  });

  it('one key listed under two IDs counts once: flagged, and the threshold it cannot meet too', async () => {
    const carol = await newRootKey(GUN, NOW); // a plain key and its certificate: two IDs, one key
    repo.addDelegation('targets/releases', [carol.privateKey], { threshold: 2, keys: [carol.privateKey.publicKey, carol.certKey] });
    repo.publish(['targets', 'targets/releases']);
    const policy = parsePolicy(`version: 1\nrepositories:\n  - match: ${GUN}\n`);
    const plan = planRepository(policy, policy.repositories[0]!, load(repo));
    const text = renderRepositoryPlan(plan);
    expect(text).toContain('! targets/releases threshold 2 can never be met: it lists 1 distinct key');
    expect(text).toMatch(/! targets\/releases lists \w{7} more than once \(under 2 IDs for 1 key\); counted once/);
  });

  it('removing a key whose signature the current file needs: the impact names the tags and who must sign', () => {
    repo.addDelegation('targets/releases', [bob], { keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    const policy = parsePolicy(policyText().replace('[alice, bob], threshold: 2', '[alice]'));
    const plan = planRepository(policy, policy.repositories[0]!, load(repo));
    const change = plan.changes.find((c) => c.role === 'targets/releases')!;
    expect(change).toMatchObject({ op: 'change', needs: { k: 1, from: ['alice'] }, impact: { hiddenTags: ['v1'], unpullableTags: ['v1'], repair: 'signing-request' } });
    expect(change.details[0]).toMatch(/^- key bob \(\w{7}\) \(not a signer of this role in the policy\)$/);
  });

  it('evaluateDeployable: all_of with same digests, and roles that disagree on the digest', () => {
    repo.addDelegation('targets/releases', [alice, bob]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets/alice', 'v1');
    repo.addTarget('targets/releases', 'v2');
    repo.addTarget('targets/alice', 'v2', imageMeta('another image'));
    repo.addTarget('targets/releases', 'v3');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    const policy = parsePolicy(policyText('    deployable: { all_of: [releases, alice] }\n').replace(', threshold: 2', ''));
    const { view } = load(repo);
    expect(evaluateDeployable(policy, view, 'v1')).toMatchObject({ deployable: true, missing: [], digestsAgree: true });
    const v2 = evaluateDeployable(policy, view, 'v2');
    expect(v2).toMatchObject({ deployable: false, digestsAgree: false });
    expect(v2.reason).toMatch(/^1 of 2 required roles sign the same digest; waits on alice \(roles disagree on the digest: \w{12} vs \w{12}\)$/);
    expect(evaluateDeployable(policy, view, 'v3')).toMatchObject({ deployable: false, missing: [{ role: 'targets/alice', signers: ['alice'] }] });
    const anyOf = parsePolicy(policyText('    deployable: { any_of: [releases, alice] }\n').replace(', threshold: 2', ''));
    expect(evaluateDeployable(anyOf, view, 'v3').deployable).toBe(true);
    expect(evaluateDeployable(anyOf, view, 'v9')).toMatchObject({ deployable: false, reason: 'no role of any_of[releases, alice] signs v9' });
    // The root pin is the anchor: under another root nothing counts.
    const pinned = parsePolicy(policyText(`    root: { keys: [${bob.publicKey.id}] }\n    deployable: { any_of: [releases, alice] }\n`).replace(', threshold: 2', ''));
    expect(evaluateDeployable(pinned, view, 'v3')).toMatchObject({ deployable: false, reason: "the repository's root key is not the one the policy pins" });
  });
});
