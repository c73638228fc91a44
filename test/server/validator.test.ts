import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { ApiError } from '../../src/notary/api-errors.js';
import type { HeldKeys } from '../../src/server/signer.js';
import { validateUpdate, type StoredFiles } from '../../src/server/validator.js';
import { Envelope, signerFromPrivateKey } from '../../src/tuf/metadata/envelope.js';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';
import { past, TestRepo } from './repo-fixture.js';

const GUN = 'example.com/app';

type Upload = { role: string; data: Buffer };

/** A repository's stored state, updated with what each accepted validation returns. */
class Store {
  readonly files = new Map<string, { version: number; data: Buffer }>();
  constructor(readonly held: HeldKeys) {}

  validate(uploads: Upload[], now?: GoTime) {
    const withVersions = uploads.map((u) => ({ ...u, version: versionOf(u.data) }));
    return validateUpdate({ gun: GUN, stored: this.files as StoredFiles, uploads: withVersions, heldKeys: this.held, now });
  }

  publish(uploads: Upload[]) {
    const result = this.validate(uploads);
    for (const f of result.files) this.files.set(f.role, { version: f.version, data: f.data });
    return result;
  }

  data(role: string): Buffer {
    return this.files.get(role)!.data;
  }
}

function versionOf(data: Buffer): number {
  return (JSON.parse(data.toString()) as { signed?: { version?: number } }).signed?.version ?? 0;
}

/** The ApiError a call throws: code and the INVALID_UPDATE detail. */
function rejection(fn: () => unknown): { code: string; name?: string; msg?: string; missing?: string } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const detail = e.detail as { Name?: string; Error?: { Msg?: string; Missing?: string } };
    return { code: e.code, name: detail?.Name, msg: detail?.Error?.Msg, missing: detail?.Error?.Missing };
  }
  throw new Error('expected the update to be rejected');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('validateUpdate', () => {
  let timestampKey: PrivateKey;
  let snapshotServerKey: PrivateKey;

  beforeAll(async () => {
    timestampKey = await generatePrivateKey('ecdsa');
    snapshotServerKey = await generatePrivateKey('ecdsa');
  });

  const clientManaged = async () => {
    const store = new Store({ timestamp: [timestampKey], snapshot: [] });
    const repo = await TestRepo.create(GUN, timestampKey.publicKey);
    return { store, repo };
  };
  const serverManaged = async () => {
    const store = new Store({ timestamp: [timestampKey], snapshot: [snapshotServerKey] });
    const repo = await TestRepo.create(GUN, timestampKey.publicKey, snapshotServerKey.publicKey);
    return { store, repo };
  };

  it('accepts a first publish and adds a timestamp over the exact snapshot bytes', async () => {
    const { store, repo } = await clientManaged();
    const uploads = repo.firstPublish();
    const result = store.publish(uploads);

    expect(result.files.map((f) => [f.role, f.version])).toEqual([
      ['root', 1],
      ['targets', 2],
      ['snapshot', 2],
      ['timestamp', 1],
    ]);
    // Uploaded bytes are stored unchanged.
    for (const u of uploads) expect(store.data(u.role).equals(u.data)).toBe(true);
    const timestamp = parseMetadata(store.data('timestamp'), 'timestamp');
    expect(timestamp.signed.snapshotMeta.hex('sha256')).toBe(sha256(store.data('snapshot')));
    expect(timestamp.signatures[0]?.keyid).toBe(timestampKey.id);
  });

  it('refuses an update without any root (ErrValidation)', async () => {
    const { store, repo } = await clientManaged();
    expect(rejection(() => store.validate([{ role: 'targets', data: repo.signTargets() }]))).toEqual({
      code: 'INVALID_UPDATE',
      name: 'ErrValidation',
      msg: 'no pre-existing root and no root provided in update.',
      missing: undefined,
    });
  });

  it('refuses a root that skips versions (ErrBadRoot)', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    repo.root.setVersion(3);
    const r = rejection(() => store.validate([{ role: 'root', data: repo.signRoot() }]));
    expect(r).toMatchObject({ code: 'INVALID_UPDATE', name: 'ErrBadRoot', msg: 'Root modifications must increment the version. Current 1, new 3' });
  });

  it('refuses a root not signed by its own root certificate', async () => {
    const { store, repo } = await clientManaged();
    const [, targets] = repo.firstPublish();
    const forged = Envelope.sign(repo.root, [signerFromPrivateKey(repo.targetsKey)]).raw;
    const snapshot = repo.signSnapshot({ root: forged, targets: targets!.data });
    const r = rejection(() => store.validate([{ role: 'root', data: forged }, targets!, { role: 'snapshot', data: snapshot }]));
    expect(r).toMatchObject({ name: 'ErrBadRoot', msg: expect.stringContaining('failed to validate integrity of roots') });
  });

  it('refuses a root whose root key is not a certificate', async () => {
    const { store, repo } = await clientManaged();
    repo.root.replaceRoleKeys('root', [repo.rootKey.privateKey.publicKey]);
    const root = Envelope.sign(repo.root, [signerFromPrivateKey(repo.rootKey.privateKey)]).raw;
    const r = rejection(() => store.validate([{ role: 'root', data: root }]));
    expect(r).toMatchObject({ name: 'ErrBadRoot', msg: expect.stringContaining('unable to retrieve valid leaf certificates') });
  });

  it('accepts a root rotation only when the old root key signs it too', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    const oldRootKey = repo.rootKey;
    const { newRootKey } = await import('./repo-fixture.js');
    repo.rootKey = await newRootKey(GUN);
    repo.root.replaceRoleKeys('root', [repo.rootKey.certKey]);
    repo.bump(repo.root);

    const onlyNew = repo.signRoot();
    const snapshot = () => repo.signSnapshot({ root: onlyNew, targets: store.data('targets') });
    expect(rejection(() => store.validate([{ role: 'root', data: onlyNew }, { role: 'snapshot', data: snapshot() }]))).toMatchObject({
      name: 'ErrBadRoot',
      msg: 'could not rotate trust to a new trusted root: failed to validate data with current trusted certificates',
    });

    const both = repo.signRoot([oldRootKey]);
    const snap = repo.signSnapshot({ root: both, targets: store.data('targets') });
    expect(store.publish([{ role: 'root', data: both }, { role: 'snapshot', data: snap }]).files.map((f) => f.role)).toEqual([
      'root',
      'snapshot',
      'timestamp',
    ]);
  });

  it('refuses a root that changes the targets key without a re-signed targets file', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    const newTargetsKey = await generatePrivateKey('ecdsa');
    repo.root.replaceRoleKeys('targets', [newTargetsKey.publicKey]);
    repo.bump(repo.root);
    const root = repo.signRoot();
    const snapshot = repo.signSnapshot({ root, targets: store.data('targets') });
    const r = rejection(() => store.validate([{ role: 'root', data: root }, { role: 'snapshot', data: snapshot }]));
    expect(r).toMatchObject({ name: 'ErrBadTargets', msg: expect.stringContaining('did not meet threshold for targets') });
  });

  it('refuses targets signed by a key the root does not list (ErrBadTargets)', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    repo.addTarget('v1');
    repo.bump(repo.targets, 'targets');
    const wrong = Envelope.sign(repo.targets, [signerFromPrivateKey(repo.snapshotKey)]).raw;
    const r = rejection(() =>
      store.validate([{ role: 'targets', data: wrong }, { role: 'snapshot', data: repo.signSnapshot({ root: store.data('root'), targets: wrong }) }]),
    );
    expect(r).toMatchObject({ name: 'ErrBadTargets', msg: expect.stringContaining('valid signatures did not meet threshold for targets') });
  });

  it('refuses expired targets', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    repo.targets.bumpVersion(past(1));
    const targets = repo.signTargets();
    const r = rejection(() =>
      store.validate([{ role: 'targets', data: targets }, { role: 'snapshot', data: repo.signSnapshot({ root: store.data('root'), targets }) }]),
    );
    expect(r).toMatchObject({ name: 'ErrBadTargets', msg: expect.stringMatching(/^targets expired at /) });
  });

  it('refuses versions that are not newer than the stored ones (VERSION)', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    repo.addTarget('v1'); // same version 2 as stored, new content
    const targets = repo.signTargets();
    const r = rejection(() =>
      store.validate([{ role: 'targets', data: targets }, { role: 'snapshot', data: repo.signSnapshot({ root: store.data('root'), targets }) }]),
    );
    expect(r.code).toBe('VERSION');
  });

  it('accepts version jumps (targets 2 -> 7)', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    repo.targets.setVersion(7);
    const targets = repo.signTargets();
    const snapshot = repo.signSnapshot({ root: store.data('root'), targets });
    expect(store.publish([{ role: 'targets', data: targets }, { role: 'snapshot', data: snapshot }]).files[0]?.version).toBe(7);
  });

  it('refuses a snapshot whose checksum does not match the uploaded targets (ErrBadSnapshot)', async () => {
    const { store, repo } = await clientManaged();
    store.publish(repo.firstPublish());
    repo.bump(repo.targets, 'targets');
    const signedFor = repo.signTargets();
    repo.addTarget('sneaked-in');
    const uploaded = repo.signTargets();
    const r = rejection(() =>
      store.validate([
        { role: 'targets', data: uploaded },
        { role: 'snapshot', data: repo.signSnapshot({ root: store.data('root'), targets: signedFor }) },
      ]),
    );
    expect(r).toMatchObject({ name: 'ErrBadSnapshot', msg: expect.stringContaining('checksum for targets did not match') });
  });

  it('refuses a snapshot signed by a key that is not the snapshot key', async () => {
    const { store, repo } = await clientManaged();
    const [root, targets] = repo.firstPublish();
    const snapshot = repo.signSnapshot({ root: root!.data, targets: targets!.data }, repo.targetsKey);
    const r = rejection(() => store.validate([root!, targets!, { role: 'snapshot', data: snapshot }]));
    expect(r).toMatchObject({ name: 'ErrBadSnapshot', msg: expect.stringContaining('did not meet threshold for snapshot') });
  });

  it('without a snapshot and without the snapshot key: ErrBadHierarchy, Missing snapshot', async () => {
    const { store, repo } = await clientManaged();
    const [root, targets] = repo.firstPublish();
    expect(rejection(() => store.validate([root!, targets!]))).toEqual({
      code: 'INVALID_UPDATE',
      name: 'ErrBadHierarchy',
      missing: 'snapshot',
      msg: 'no snapshot was included in update and server does not hold current snapshot key for repository',
    });
  });

  it('without a timestamp key the root lists: ErrBadRoot', async () => {
    const store = new Store({ timestamp: [], snapshot: [] });
    const repo = await TestRepo.create(GUN, timestampKey.publicKey);
    expect(rejection(() => store.validate(repo.firstPublish()))).toMatchObject({
      name: 'ErrBadRoot',
      msg: 'no timestamp keys exist on the server',
    });
  });

  it('generates the snapshot over the stored bytes, even when they are not Go-identical (notary re-serialises them)', async () => {
    const { store, repo } = await serverManaged();
    repo.targets.setVersion(2);
    const root = repo.signRoot();
    // Pretty-printed: the signature still verifies (it covers canonical JSON), but Go's
    // re-serialisation would differ from these bytes.
    const targets = Buffer.from(JSON.stringify(JSON.parse(repo.signTargets().toString()), null, 2));
    store.publish([
      { role: 'root', data: root },
      { role: 'targets', data: targets },
    ]);
    const snapshot = parseMetadata(store.data('snapshot'), 'snapshot').signed;
    expect(snapshot.version).toBe(1);
    expect(snapshot.metaFor('targets')?.mismatch(targets)).toBeUndefined();
    expect(snapshot.metaFor('root')?.mismatch(root)).toBeUndefined();
  });

  it('refuses delegated targets outside the delegation paths (notary accepts them), accepts those inside', async () => {
    const { store, repo } = await serverManaged();
    store.publish(repo.firstPublish().filter((u) => u.role !== 'snapshot'));
    await repo.addDelegation('targets/qa', ['qa/']);
    repo.bump(repo.targets, 'targets');
    store.publish([{ role: 'targets', data: repo.signTargets() }]);

    repo.addTarget('rel', 'x', 'targets/qa');
    const outside = repo.signDelegation('targets/qa');
    expect(rejection(() => store.validate([{ role: 'targets/qa', data: outside }]))).toMatchObject({
      name: 'ErrBadTargets',
      msg: expect.stringContaining('"rel", which is outside its delegated paths ["qa/"]'),
    });

    repo.delegations.get('targets/qa')!.removeTarget('rel');
    repo.addTarget('qa/v1', 'x', 'targets/qa');
    const inside = repo.signDelegation('targets/qa');
    store.publish([{ role: 'targets/qa', data: inside }]);
    const snapshot = parseMetadata(store.data('snapshot'), 'snapshot').signed;
    expect(snapshot.metaFor('targets/qa')?.mismatch(inside)).toBeUndefined();
  });

  it('restricts a nested delegation to its parent paths', async () => {
    const { store, repo } = await serverManaged();
    store.publish(repo.firstPublish().filter((u) => u.role !== 'snapshot'));
    await repo.addDelegation('targets/a', ['a/']);
    await repo.addDelegation('targets/a/b', ['']); // asks for everything, gets a/ only
    repo.bump(repo.targets, 'targets');
    repo.addTarget('b-only', 'x', 'targets/a/b');
    const uploads = [
      { role: 'targets', data: repo.signTargets() },
      { role: 'targets/a', data: repo.signDelegation('targets/a') },
      { role: 'targets/a/b', data: repo.signDelegation('targets/a/b') },
    ];
    expect(rejection(() => store.validate(uploads))).toMatchObject({ name: 'ErrBadTargets', msg: expect.stringContaining('"b-only"') });
  });

  it('refuses a delegation its parent does not declare', async () => {
    const { store, repo } = await serverManaged();
    store.publish(repo.firstPublish().filter((u) => u.role !== 'snapshot'));
    await repo.addDelegation('targets/releases');
    // The parent with the declaration is never uploaded.
    expect(rejection(() => store.validate([{ role: 'targets/releases', data: repo.signDelegation('targets/releases') }]))).toMatchObject({
      name: 'ErrBadTargets',
      msg: 'targets/releases is not a delegation of targets',
    });
  });

  it('counts distinct keys against a delegation threshold of 2', async () => {
    const { store, repo } = await serverManaged();
    store.publish(repo.firstPublish().filter((u) => u.role !== 'snapshot'));
    const first = await repo.addDelegation('targets/releases');
    const second = await generatePrivateKey('ecdsa');
    repo.targets.updateDelegation('targets/releases', { addKeys: [second.publicKey], threshold: 2 });
    repo.bump(repo.targets, 'targets');
    store.publish([{ role: 'targets', data: repo.signTargets() }]);

    const model = repo.delegations.get('targets/releases')!;
    const once = Envelope.sign(model, [signerFromPrivateKey(first), signerFromPrivateKey(first)]).raw;
    expect(rejection(() => store.validate([{ role: 'targets/releases', data: once }]))).toMatchObject({
      name: 'ErrBadTargets',
      msg: expect.stringContaining('did not meet threshold for targets/releases'),
    });
    const twice = Envelope.sign(model, [signerFromPrivateKey(first), signerFromPrivateKey(second)]).raw;
    expect(store.publish([{ role: 'targets/releases', data: twice }]).files[0]?.role).toBe('targets/releases');
  });

  it('drops deleted delegations from a generated snapshot (notary keeps them)', async () => {
    const { store, repo } = await serverManaged();
    store.publish(repo.firstPublish().filter((u) => u.role !== 'snapshot'));
    await repo.addDelegation('targets/alice');
    await repo.addDelegation('targets/bob');
    repo.bump(repo.targets, 'targets');
    store.publish([
      { role: 'targets', data: repo.signTargets() },
      { role: 'targets/alice', data: repo.signDelegation('targets/alice') },
      { role: 'targets/bob', data: repo.signDelegation('targets/bob') },
    ]);
    expect([...parseMetadata(store.data('snapshot'), 'snapshot').signed.meta.keys()].sort()).toEqual([
      'root',
      'targets',
      'targets/alice',
      'targets/bob',
    ]);

    repo.targets.removeDelegation('targets/bob');
    repo.bump(repo.targets, 'targets');
    store.publish([{ role: 'targets', data: repo.signTargets() }]);
    expect([...parseMetadata(store.data('snapshot'), 'snapshot').signed.meta.keys()].sort()).toEqual(['root', 'targets', 'targets/alice']);
  });

  it('ignores an uploaded timestamp and makes its own', async () => {
    const { store, repo } = await clientManaged();
    const uploads = repo.firstPublish();
    const result = store.publish([...uploads, { role: 'timestamp', data: Buffer.from('{"signed":{"version":99}}') }]);
    expect(result.files.filter((f) => f.role === 'timestamp').map((f) => f.version)).toEqual([1]);
  });

  it('refuses the same role twice in one update', async () => {
    const { store, repo } = await clientManaged();
    const uploads = repo.firstPublish();
    expect(rejection(() => store.validate([...uploads, uploads[1]!]))).toMatchObject({ name: 'ErrValidation' });
  });

  it('refuses targets metadata of the wrong type', async () => {
    const { store, repo } = await clientManaged();
    const [root, , snapshot] = repo.firstPublish();
    const r = rejection(() => store.validate([root!, { role: 'targets', data: root!.data }, snapshot!]));
    expect(r).toMatchObject({ name: 'ErrBadTargets', msg: expect.stringContaining('expected type Targets, not Root') });
  });

  it('each publish gets the next timestamp version', async () => {
    const { store, repo } = await serverManaged();
    store.publish(repo.firstPublish().filter((u) => u.role !== 'snapshot'));
    for (let i = 0; i < 3; i++) {
      repo.addTarget(`v${i}`);
      repo.bump(repo.targets, 'targets');
      store.publish([{ role: 'targets', data: repo.signTargets() }]);
    }
    expect(store.files.get('timestamp')?.version).toBe(4);
    expect(store.files.get('snapshot')?.version).toBe(4);
  });
});
