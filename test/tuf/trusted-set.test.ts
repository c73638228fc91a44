/** The trusted set: every check of the client workflow, on repositories built in memory. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { UsableRootKey } from '../../src/tuf/root-keys.js';
import { Envelope, signerFromPrivateKey, Timestamp } from '../../src/tuf/metadata/index.js';
import { TrustedSet, type TrustedSetOptions } from '../../src/tuf/trusted-set.js';
import {
  DelegationRefusedError,
  ExpiredMetadataError,
  HashMismatchError,
  RollbackError,
  RootCertificateError,
  SizeLimitError,
  WorkflowOrderError,
} from '../../src/tuf/update-errors.js';
import { DAY_MS, MemoryRepo, newEcdsaKey } from './memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');

function options(repo: MemoryRepo, at: Date = NOW, extra: Partial<TrustedSetOptions> = {}): TrustedSetOptions {
  return { gun: repo.gun, clock: () => at, ...extra };
}

/** Loads timestamp, snapshot and targets of the repo into a set trusting its current root. */
function loadTop(repo: MemoryRepo, at: Date = NOW): TrustedSet {
  const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, at));
  set.updateTimestamp(repo.file('timestamp'));
  set.updateSnapshot(repo.file('snapshot'));
  set.updateTargets(repo.file('targets'));
  return set;
}

describe('TrustedSet: root', () => {
  let repo: MemoryRepo;
  beforeEach(async () => {
    repo = await MemoryRepo.create('example.com/app', NOW);
  });

  it('trusts a new root signed by its own valid certificate (TOFU) and a cached one the same way', () => {
    expect(TrustedSet.fromNewRoot(repo.file('root'), options(repo)).root.signed.version).toBe(1);
    expect(TrustedSet.fromTrustedRoot(repo.file('root'), options(repo)).root.signed.version).toBe(1);
  });

  it('refuses a root whose certificate names another repository', async () => {
    const other = await MemoryRepo.create('example.com/other', NOW);
    expect(() => TrustedSet.fromNewRoot(other.file('root'), options(repo))).toThrow(/CN "example.com\/other" does not match/);
  });

  it('refuses a root whose certificate expired or is not valid yet, first contact or cached (notary ValidateRoot)', async () => {
    const expired = await MemoryRepo.create('example.com/app', NOW, { from: new Date(NOW.getTime() - 400 * DAY_MS), years: 1 });
    const future = await MemoryRepo.create('example.com/app', NOW, { from: new Date(NOW.getTime() + 2 * DAY_MS) });
    // What a message names: the time checked against, and the end (expired) or start (not yet valid).
    const boundaries = { expired: new Date('2026-10-21T12:00:00Z'), 'not-yet-valid': new Date('2026-11-27T12:00:00Z') };
    for (const [r, reason] of [[expired, 'expired'], [future, 'not-yet-valid']] as const) {
      const tofu = (() => {
        try {
          TrustedSet.fromNewRoot(r.file('root'), options(r));
        } catch (e) {
          return e;
        }
      })();
      expect(tofu).toBeInstanceOf(RootCertificateError);
      expect(tofu).toMatchObject({ reason, message: expect.stringMatching(/^root: could not validate the path to a trusted root: no valid root certificate/) });
      expect(tofu).toMatchObject({ now: NOW, boundary: boundaries[reason] });
      // cached: it anchors (so a rotation could be followed), but nothing is trusted under it
      const cached = TrustedSet.fromTrustedRoot(r.file('root'), options(r));
      expect(() => cached.updateTimestamp(r.file('timestamp'))).toThrow(RootCertificateError);
      expect(cached.timestamp).toBeUndefined();
      // except to replace the root key, which is the repair
      const rotating = TrustedSet.fromTrustedRoot(r.file('root'), options(r, NOW, { replacingRootKey: true }));
      expect(rotating.updateTimestamp(r.file('timestamp')).signed.version).toBe(1);
    }
    expect(() => TrustedSet.fromNewRoot(expired.file('root'), options(expired))).toThrow(/expired on 2026-1/);
    expect(() => TrustedSet.fromNewRoot(future.file('root'), options(future))).toThrow(/is not valid until 2026-11-27/);
  });

  it('follows a root rotation away from an expired certificate, then trusts the new root', async () => {
    const r = await MemoryRepo.create('example.com/app', NOW, { from: new Date(NOW.getTime() - 400 * DAY_MS), years: 1 });
    const cachedRoot = r.file('root');
    await r.rotateRootKey();
    r.publish(['targets']);
    const set = TrustedSet.fromTrustedRoot(cachedRoot, options(r));
    set.updateRoot(r.file('root'));
    expect(set.updateTimestamp(r.file('timestamp')).signed.version).toBeGreaterThan(0);
  });

  it('applies the pinning filter, which may refuse every certificate', () => {
    const seen: { usable: UsableRootKey[]; alreadyTrusted: boolean }[] = [];
    const refuseAll = (usable: UsableRootKey[], ctx: { alreadyTrusted: boolean }) => {
      seen.push({ usable, alreadyTrusted: ctx.alreadyTrusted });
      return [];
    };
    expect(() => TrustedSet.fromNewRoot(repo.file('root'), options(repo, NOW, { rootKeyFilter: refuseAll }))).toThrow(
      /valid signatures did not meet threshold for root/,
    );
    expect(seen[0]?.usable.map((u) => u.keyId)).toEqual([repo.rootSigners[0]!.certKey.id]);
    expect(seen[0]?.alreadyTrusted).toBe(false);
  });

  it('rotates v1 -> v3 through v2, each signed by the previous and the new root key', async () => {
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    await repo.rotateRootKey();
    await repo.rotateRootKey();
    expect(() => set.updateRoot(repo.rootVersions.get(3)!)).toThrow('root: version 3 skips version 2');
    set.updateRoot(repo.rootVersions.get(2)!);
    set.updateRoot(repo.rootVersions.get(3)!);
    expect(set.root.signed.version).toBe(3);
  });

  it('refuses a rotation signed only by the new key, and a replayed older root', async () => {
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    const v1 = repo.file('root');
    const next = await repo.rotateRootKey();
    // v2 signed by the new key only: the old root cannot vouch for it
    const newOnly = Envelope.sign(repo.root.clone(), [signerFromPrivateKey(next.privateKey, next.certKey.id)]).raw;
    expect(() => set.updateRoot(newOnly)).toThrow(/could not rotate trust to a new trusted root/);
    set.updateRoot(repo.rootVersions.get(2)!);
    expect(() => set.updateRoot(v1)).toThrow(RollbackError);
  });

  it('refuses a root above the size limit before parsing it', async () => {
    expect(() => TrustedSet.fromNewRoot(repo.file('root'), options(repo, NOW, { limits: { maxRootBytes: 100 } }))).toThrow(SizeLimitError);
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, NOW, { limits: { maxRootBytes: 3000 } }));
    await repo.rotateRootKey(); // two certificates now: larger than 3000 bytes
    expect(() => set.updateRoot(repo.file('root'))).toThrow(/bytes exceed the limit of 3000/);
  });
});

describe('TrustedSet: timestamp, snapshot, targets', () => {
  let repo: MemoryRepo;
  beforeEach(async () => {
    repo = await MemoryRepo.create('example.com/app', NOW);
  });

  it('loads the whole chain and hands back the exact bytes', () => {
    const set = loadTop(repo);
    expect(set.targets?.signed.version).toBe(1);
    expect(set.trustedFiles().get('snapshot')).toEqual(repo.file('snapshot'));
    expect(set.snapshotMatchesRoot()).toBe(true);
  });

  it('refuses metadata out of workflow order', () => {
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    expect(() => set.updateSnapshot(repo.file('snapshot'))).toThrow(WorkflowOrderError);
    expect(() => set.updateTargets(repo.file('targets'))).toThrow(WorkflowOrderError);
    set.updateTimestamp(repo.file('timestamp'));
    expect(() => set.updateRoot(repo.file('root'))).toThrow(WorkflowOrderError);
  });

  it('rollback: the cached files are the floor; timestamp, snapshot and targets below them are refused', () => {
    const old = new Map(repo.files);
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    const cached = new Map(repo.files); // version 2 of each: what this client trusted last
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    expect(() => set.updateTimestamp(old.get('timestamp')!, { cached: cached.get('timestamp') })).toThrow(
      'timestamp: version 1 is older than the trusted version 2',
    );
    set.updateTimestamp(old.get('timestamp')!, { cached: old.get('timestamp') });
    expect(() => set.updateSnapshot(old.get('snapshot')!, { cached: cached.get('snapshot') })).toThrow(RollbackError);
    set.updateSnapshot(old.get('snapshot')!);
    expect(() => set.updateTargets(old.get('targets')!, { cached: cached.get('targets') })).toThrow(RollbackError);
  });

  it('freeze: refuses an expired timestamp, snapshot or targets, and an expired root', () => {
    const in15Days = new Date(NOW.getTime() + 15 * DAY_MS);
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, in15Days));
    expect(() => set.updateTimestamp(repo.file('timestamp'))).toThrow(ExpiredMetadataError);

    repo.publish([], { expiresDays: { snapshot: 1, timestamp: 30 } });
    const later = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, new Date(NOW.getTime() + 2 * DAY_MS)));
    later.updateTimestamp(repo.file('timestamp'));
    expect(() => later.updateSnapshot(repo.file('snapshot'))).toThrow(/snapshot: expired at/);

    repo.publish(['targets'], { expiresDays: { targets: 1 } });
    const t = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, new Date(NOW.getTime() + 2 * DAY_MS)));
    t.updateTimestamp(repo.file('timestamp'));
    t.updateSnapshot(repo.file('snapshot'));
    expect(() => t.updateTargets(repo.file('targets'))).toThrow(/targets: expired at/);

    const in11Years = new Date(NOW.getTime() + 11 * 365 * DAY_MS);
    const stale = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, in11Years));
    expect(() => stale.updateTimestamp(repo.file('timestamp'))).toThrow(/^root: expired at/);
  });

  it('mix-and-match: refuses a snapshot or targets file the parent does not vouch for', () => {
    const oldSnapshot = repo.file('snapshot');
    const oldTargets = repo.file('targets');
    repo.addTarget('targets', 'v1');
    repo.publish(['targets']);
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    set.updateTimestamp(repo.file('timestamp'));
    // a validly signed but older snapshot, with the same length
    expect(() => set.updateSnapshot(oldSnapshot)).toThrow(HashMismatchError);
    set.updateSnapshot(repo.file('snapshot'));
    expect(() => set.updateTargets(oldTargets)).toThrow(/this is not the file the snapshot vouches for/);
  });

  it('size limit: refuses a timestamp above 1 MiB and a snapshot longer than the timestamp says', () => {
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    expect(() => set.updateTimestamp(Buffer.alloc((1 << 20) + 1, 0x20))).toThrow(SizeLimitError);
    set.updateTimestamp(repo.file('timestamp'));
    const padded = Buffer.concat([repo.file('snapshot'), Buffer.from('   ')]);
    expect(() => set.updateSnapshot(padded)).toThrow(/exceed the limit of/);
  });

  it('wrong-role signatures: a timestamp signed by the snapshot key is refused', () => {
    const forged = Envelope.sign(
      Timestamp.fromSnapshot(repo.file('snapshot'), repo.expiresIn(14), 5),
      [signerFromPrivateKey(repo.snapshotKey)],
    ).raw;
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    expect(() => set.updateTimestamp(forged)).toThrow(/valid signatures did not meet threshold for timestamp/);
  });

  it('a tampered file fails its signature even when re-hashed into the parent', () => {
    const tampered = Buffer.from(repo.file('timestamp').toString().replace('"version":1', '"version":7'));
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo));
    expect(() => set.updateTimestamp(tampered)).toThrow(/threshold for timestamp/);
  });
});

describe('TrustedSet: delegations', () => {
  let repo: MemoryRepo;
  beforeEach(async () => {
    repo = await MemoryRepo.create('example.com/app', NOW);
  });

  it('counts distinct keys towards a threshold: one key signing twice is not two', () => {
    const alice = newEcdsaKey();
    const bob = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice, bob], { threshold: 2 });
    repo.addTarget('targets/releases', 'v1');
    repo.publish(['targets', 'targets/releases']);
    expect(loadTop(repo).updateDelegation('targets/releases', repo.file('targets/releases'), 'targets').validKeyIds).toHaveLength(2);

    // the same content signed twice by alice only
    const d = repo.delegations.get('targets/releases')!;
    d.signers = [alice];
    repo.publish(['targets/releases']);
    const envelope = Envelope.parse(repo.file('targets/releases'), 'targets/releases', { fromJSON: () => d.targets });
    const doubled = Buffer.from(
      repo.file('targets/releases').toString().replace(/"signatures":\[(.*)\]\}$/, (_m, sig: string) => `"signatures":[${sig},${sig}]}`),
    );
    expect(envelope.signatures).toHaveLength(1);
    repo.files.set('targets/releases', doubled);
    repo.signSnapshotAndTimestamp();
    const set = loadTop(repo);
    expect(() => set.updateDelegation('targets/releases', doubled, 'targets')).toThrow(DelegationRefusedError);
    expect(set.refusedDelegations.get('targets/releases')?.error.reason).toBe('threshold');
    expect(set.delegations.has('targets/releases')).toBe(false);
  });

  it('skips an expired delegation with a typed, non-fatal error and keeps it out of the trusted set', () => {
    repo.addDelegation('targets/alice', [newEcdsaKey()]);
    repo.publish(['targets', 'targets/alice'], { expiresDays: { 'targets/alice': 1 } });
    const set = loadTop(repo, new Date(NOW.getTime() + 2 * DAY_MS));
    const error = (() => {
      try {
        set.updateDelegation('targets/alice', repo.file('targets/alice'), 'targets');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DelegationRefusedError);
    expect((error as DelegationRefusedError).reason).toBe('expired');
    expect(set.targetsOf('targets/alice')).toBeUndefined();
  });

  it('refuses a delegation signed by a key its parent does not list', () => {
    repo.addDelegation('targets/alice', [newEcdsaKey()]);
    repo.publish(['targets', 'targets/alice']);
    const intruder = repo.delegations.get('targets/alice')!;
    intruder.signers = [newEcdsaKey()];
    repo.publish(['targets/alice']);
    expect(() => loadTop(repo).updateDelegation('targets/alice', repo.file('targets/alice'), 'targets')).toThrow(
      /did not meet threshold for targets\/alice/,
    );
  });

  it('requires the parent to be trusted and to declare the child, and the snapshot to list it', () => {
    const alice = newEcdsaKey();
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/alice/ci', [alice]);
    repo.publish(['targets', 'targets/alice', 'targets/alice/ci']);
    const set = loadTop(repo);
    expect(() => set.updateDelegation('targets/alice/ci', repo.file('targets/alice/ci'), 'targets/alice')).toThrow(WorkflowOrderError);
    expect(() => set.updateDelegation('targets/alice/ci', repo.file('targets/alice/ci'), 'targets')).toThrow(/not a direct child/);
    set.updateDelegation('targets/alice', repo.file('targets/alice'), 'targets');
    expect(set.updateDelegation('targets/alice/ci', repo.file('targets/alice/ci'), 'targets/alice').name).toBe('targets/alice/ci');
  });

  it("cuts a child's paths down to its parent's", () => {
    const alice = newEcdsaKey();
    repo.addDelegation('targets/alice', [alice], { paths: ['team/'] });
    repo.addDelegation('targets/alice/ci', [alice], { paths: ['team/ci-', 'other/'] });
    repo.publish(['targets', 'targets/alice', 'targets/alice/ci']);
    const set = loadTop(repo);
    set.updateDelegation('targets/alice', repo.file('targets/alice'), 'targets');
    expect(set.updateDelegation('targets/alice/ci', repo.file('targets/alice/ci'), 'targets/alice').paths).toEqual(['team/ci-']);
  });

  it('rollback of a delegation below its cached version is fatal', () => {
    repo.addDelegation('targets/releases', [newEcdsaKey()]);
    repo.publish(['targets', 'targets/releases']);
    expect(() =>
      loadTop(repo).updateDelegation('targets/releases', repo.file('targets/releases'), 'targets', {
        cached: Buffer.from(JSON.stringify({ signed: { version: 4 } })),
      }),
    ).toThrow(RollbackError);
  });
});

describe('TrustedSet: expiry reported, not enforced (expiry listing, renew)', () => {
  let repo: MemoryRepo;
  beforeEach(async () => {
    repo = await MemoryRepo.create('example.com/app', NOW, { from: new Date(NOW.getTime() - 400 * DAY_MS), years: 1 });
  });

  it('reads expired roles, delegations and an expired root certificate, so their dates can be shown', () => {
    repo.addDelegation('targets/alice', [newEcdsaKey()]);
    repo.publish(['targets', 'targets/alice'], { expiresDays: { targets: 1, 'targets/alice': 1, snapshot: 1, timestamp: 1 } });
    const later = new Date(NOW.getTime() + 2 * DAY_MS);
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, later, { tolerateExpiry: true }));
    set.updateTimestamp(repo.file('timestamp'));
    set.updateSnapshot(repo.file('snapshot'));
    set.updateTargets(repo.file('targets'));
    set.updateDelegation('targets/alice', repo.file('targets/alice'), 'targets');
    expect(set.toleratesExpiry).toBe(true);
    expect(set.targets!.signed.isExpired()).toBe(true);
    expect(set.delegations.has('targets/alice')).toBe(true);
    // The same files without the option: refused as before.
    expect(() => TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, later)).updateTimestamp(repo.file('timestamp'))).toThrow(
      RootCertificateError,
    );
  });

  it('still refuses what does not verify: a tampered file, a rollback, a delegation below its threshold', () => {
    const tolerant = () => TrustedSet.fromTrustedRoot(repo.file('root'), options(repo, NOW, { tolerateExpiry: true }));
    const tampered = Buffer.from(repo.file('timestamp').toString().replace('"version":1', '"version":7'));
    expect(() => tolerant().updateTimestamp(tampered)).toThrow(/threshold for timestamp/);
    const old = repo.file('timestamp');
    repo.publish([]);
    expect(() => tolerant().updateTimestamp(old, { cached: repo.file('timestamp') })).toThrow(RollbackError);
    repo.addDelegation('targets/bob', [newEcdsaKey()]);
    repo.publish(['targets', 'targets/bob']);
    repo.delegations.get('targets/bob')!.signers = [newEcdsaKey()];
    repo.publish(['targets/bob']);
    const set = tolerant();
    set.updateTimestamp(repo.file('timestamp'));
    set.updateSnapshot(repo.file('snapshot'));
    set.updateTargets(repo.file('targets'));
    expect(() => set.updateDelegation('targets/bob', repo.file('targets/bob'), 'targets')).toThrow(DelegationRefusedError);
    expect(set.refusedDelegations.get('targets/bob')?.error.reason).toBe('threshold');
  });
});
