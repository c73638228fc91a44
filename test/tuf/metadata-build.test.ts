// Building, signing and re-reading metadata, and notary's serialisation quirks.
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/tuf/canonical.js';
import { TufError } from '../../src/tuf/errors.js';
import { serializeEnvelope, type Signature } from '../../src/tuf/gojson.js';
import {
  Envelope,
  FileMeta,
  parseMetadata,
  Root,
  signerFromPrivateKey,
  Snapshot,
  Targets,
  Timestamp,
} from '../../src/tuf/metadata/index.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';

function freshKey(type: 'ec' | 'ed25519' = 'ec'): { key: PrivateKey; verifyKey: KeyObject } {
  const { privateKey } =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { key: PrivateKey.fromKeyObject(privateKey), verifyKey: createPublicKey(privateKey) };
}

function verifies(message: Buffer, sig: Signature, key: KeyObject): boolean {
  const signature = Buffer.from(sig.sig, 'base64');
  if (sig.method === 'ecdsa') return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  return verify(null, message, key, signature);
}

const EXPIRES = GoTime.parse('2029-11-24T16:26:39.55734716Z');
const hello = Buffer.from('hello world\n');

describe('a targets file built from scratch', () => {
  it('signs, serialises and parses back to the same model and bytes', () => {
    const targetsKey = freshKey();
    const releasesKey = freshKey();
    const model = Targets.empty(EXPIRES)
      .addTarget('v1', FileMeta.fromBytes(hello))
      .addTarget('a<b>&c', FileMeta.fromDigests({ length: 3, sha256: 'ab'.repeat(32) }))
      .updateDelegation('targets/releases', { addKeys: [releasesKey.key.publicKey], addPaths: [''] });

    const envelope = Envelope.sign(model, [signerFromPrivateKey(targetsKey.key)]);
    expect(envelope.raw.equals(envelope.toBytes())).toBe(true);
    expect(envelope.raw.at(-1)).toBe('}'.charCodeAt(0)); // no trailing newline

    const parsed = parseMetadata(envelope.raw, 'targets');
    expect(parsed.toBytes().equals(envelope.raw)).toBe(true);
    expect(parsed.signed.toJSON()).toEqual(model.toJSON());
    expect(parsed.signatures).toEqual(envelope.signatures);
    expect(parsed.signatures[0]?.keyid).toBe(targetsKey.key.id);
    expect(verifies(parsed.signedCanonicalBytes(), parsed.signatures[0]!, targetsKey.verifyKey)).toBe(true);
    expect(verifies(parsed.signedCanonicalBytes(), parsed.signatures[0]!, releasesKey.verifyKey)).toBe(false);
  });

  it('HTML-escapes the file bytes but signs the unescaped canonical form', () => {
    const { key, verifyKey } = freshKey();
    const envelope = Envelope.sign(Targets.empty(EXPIRES).addTarget('a<b>&c', FileMeta.fromBytes(hello)), [signerFromPrivateKey(key)]);
    const text = envelope.raw.toString();
    expect(text).toContain('"a\\u003cb\\u003e\\u0026c":');
    expect(text).not.toContain('a<b>');
    const parsed = parseMetadata(envelope.raw, 'targets');
    expect([...parsed.signed.targets.keys()]).toEqual(['a<b>&c']);
    expect(parsed.signedCanonicalBytes().toString()).toContain('"a<b>&c":');
    expect(verifies(parsed.signedCanonicalBytes(), parsed.signatures[0]!, verifyKey)).toBe(true);
  });

  it('signs with ed25519 keys too (method eddsa)', () => {
    const { key, verifyKey } = freshKey('ed25519');
    const envelope = Envelope.sign(Targets.empty(EXPIRES, 'targets/releases'), [signerFromPrivateKey(key)]);
    expect(envelope.signatures[0]?.method).toBe('eddsa');
    expect(verifies(parseMetadata(envelope.raw, 'targets/releases').signedCanonicalBytes(), envelope.signatures[0]!, verifyKey)).toBe(true);
  });

  it('writes an empty file exactly as notary does', () => {
    const envelope = Envelope.sign(Targets.empty(GoTime.parse('2029-11-24T16:25:55.314329869Z')).setVersion(2), []);
    expect(envelope.raw.toString()).toBe(
      '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},"expires":"2029-11-24T16:25:55.314329869Z","targets":{},"version":2},"signatures":[]}',
    );
  });
});

describe('FileMeta custom data', () => {
  it('is left out when absent and never written as null', () => {
    expect(FileMeta.fromBytes(hello).toJSON()).not.toHaveProperty('custom');
    const text = '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},"expires":"2029-11-24T16:25:55Z","targets":{"t":{"custom":null,"hashes":{"sha256":"' +
      Buffer.alloc(32).toString('base64') + '"},"length":1}},"version":2},"signatures":[]}';
    const parsed = parseMetadata(Buffer.from(text), 'targets');
    expect(parsed.signed.targets.get('t')?.custom).toBeUndefined();
    expect(parsed.toBytes().toString()).toBe(text.replace('"custom":null,', ''));
    // Verification still covers what was received, null included.
    expect(parsed.signedCanonicalBytes().toString()).toContain('"custom":null');
  });

  it('is written sorted and HTML-escaped when present, and read back', () => {
    const { key } = freshKey();
    const custom = { z: 1, a: 'bar<&>', nested: { y: [true, null], b: 'é' } };
    const envelope = Envelope.sign(Targets.empty(EXPIRES).addTarget('t', FileMeta.fromBytes(hello, custom)), [signerFromPrivateKey(key)]);
    expect(envelope.raw.toString()).toContain('"custom":{"a":"bar\\u003c\\u0026\\u003e","nested":{"b":"é","y":[true,null]},"z":1}');
    expect(parseMetadata(envelope.raw, 'targets').signed.targets.get('t')?.custom).toEqual(custom);
  });
});

describe("notary's null quirks", () => {
  const sha = Buffer.alloc(32, 7).toString('base64');
  const tail = '"expires":"2029-11-24T16:26:15.190916946Z","targets":{},"version":4},"signatures":[]}';

  it('keeps "roles":null, which Go writes after the last delegation is removed', () => {
    const text = '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":null},' + tail;
    const parsed = parseMetadata(Buffer.from(text), 'targets');
    expect(parsed.signed.delegations).toEqual([]);
    expect(parsed.toBytes().toString()).toBe(text);
    expect(parsed.signed.clone().toJSON().delegations.roles).toBeNull();
  });

  it('keeps "keyids":null of a role whose keys were all removed', () => {
    const text =
      '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[{"keyids":null,"name":"targets/qa","paths":["qa/"],"threshold":1}]},' + tail;
    const parsed = parseMetadata(Buffer.from(text), 'targets');
    expect(parsed.signed.getDelegation('targets/qa')?.keyIds).toEqual([]);
    expect(parsed.toBytes().toString()).toBe(text);
  });

  it('writes what Go writes for "keys":null, a missing delegations member and "targets":null', () => {
    // Keys.UnmarshalJSON always makes a map, so a null key map comes back as {}.
    const nullKeys = '{"signed":{"_type":"Targets","delegations":{"keys":null,"roles":[]},' + tail;
    expect(parseMetadata(Buffer.from(nullKeys), 'targets').toBytes().toString()).toBe(nullKeys.replace('"keys":null', '"keys":{}'));
    // A missing struct leaves nil keys and roles; nil maps and slices are written as null.
    const noDelegations = '{"signed":{"_type":"Targets",' + tail;
    expect(parseMetadata(Buffer.from(noDelegations), 'targets').toBytes().toString()).toBe(
      '{"signed":{"_type":"Targets","delegations":{"keys":null,"roles":null},' + tail,
    );
    const nullTargets = '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},' + tail.replace('"targets":{}', '"targets":null');
    expect(parseMetadata(Buffer.from(nullTargets), 'targets').toBytes().toString()).toBe(nullTargets);
  });

  it('writes a list again once something is added', () => {
    const text = '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":null},' + tail.replace('"targets":{}', '"targets":null');
    const model = parseMetadata(Buffer.from(text), 'targets').signed.clone();
    model.addTarget('v2', FileMeta.fromDigests({ length: 1, sha256: Buffer.from(sha, 'base64') }));
    model.updateDelegation('targets/qa', { addKeys: [freshKey().key.publicKey] });
    const json = model.toJSON();
    expect(Object.keys(json.targets ?? {})).toEqual(['v2']);
    expect(json.delegations.roles).toHaveLength(1);
  });
});

describe('unknown fields', () => {
  it('are dropped from the model and the bytes, while verification still covers them', () => {
    const { key, verifyKey } = freshKey();
    const delegate = freshKey().key.publicKey;
    const signed = {
      _type: 'Targets',
      delegations: {
        keys: { [delegate.id]: { keytype: delegate.keytype, keyval: { private: null, public: delegate.publicB64 } } },
        roles: [{ keyids: [delegate.id], name: 'targets/a', paths: ['a/'], path_hash_prefixes: ['ab'], threshold: 1 }],
      },
      expires: '2029-11-24T16:26:15Z',
      targets: {},
      version: 3,
      extra: 'ignored by notary',
    };
    const sig = { keyid: key.id, method: key.method, sig: key.sign(canonicalBytes(signed)).toString('base64') };
    const parsed = parseMetadata(serializeEnvelope(signed, [sig]), 'targets');

    const rewritten = parsed.toBytes().toString();
    expect(rewritten).not.toContain('path_hash_prefixes');
    expect(rewritten).not.toContain('extra');
    expect(verifies(parsed.signedCanonicalBytes(), sig, verifyKey)).toBe(true);
    expect(verifies(canonicalBytes(parsed.signed.toJSON()), sig, verifyKey)).toBe(false);

    // Co-signing signs the model's content, so the earlier signature (over other content) is dropped.
    const other = freshKey();
    const cosigned = parsed.cosign([signerFromPrivateKey(other.key)]);
    expect(cosigned.signatures.map((s) => s.keyid)).toEqual([other.key.id]);
  });
});

describe('signing', () => {
  it('collects signatures from several keys for thresholds above 1', () => {
    const a = freshKey();
    const b = freshKey('ed25519');
    const first = Envelope.sign(Targets.empty(EXPIRES, 'targets/releases'), [signerFromPrivateKey(a.key)]);
    const parsed = parseMetadata(first.raw, 'targets/releases');
    const both = parsed.cosign([signerFromPrivateKey(b.key)]);
    expect(both.signerKeyIds).toEqual([b.key.id, a.key.id]);
    const reread = parseMetadata(both.raw, 'targets/releases');
    expect(verifies(reread.signedCanonicalBytes(), reread.signatures[0]!, b.verifyKey)).toBe(true);
    expect(verifies(reread.signedCanonicalBytes(), reread.signatures[1]!, a.verifyKey)).toBe(true);
    // Signing again with a key replaces its signature instead of adding a second one.
    expect(both.cosign([signerFromPrivateKey(a.key)]).signerKeyIds).toEqual([a.key.id, b.key.id]);
  });

  it('lists the signature under the key ID the metadata uses (e.g. a root certificate key)', () => {
    const { key, verifyKey } = freshKey();
    const certKeyId = 'ab'.repeat(32);
    const envelope = Envelope.sign(Targets.empty(EXPIRES), [signerFromPrivateKey(key, certKeyId), signerFromPrivateKey(key, certKeyId)]);
    expect(envelope.signatures).toHaveLength(1);
    expect(envelope.signatures[0]?.keyid).toBe(certKeyId);
    expect(verifies(envelope.signedCanonicalBytes(), envelope.signatures[0]!, verifyKey)).toBe(true);
  });

  it('bumps the version and expiry on a clone, leaving the original alone', () => {
    const original = Targets.empty(EXPIRES).addTarget('v1', FileMeta.fromBytes(hello));
    const next = original.clone().bumpVersion(GoTime.parse('2030-01-01T00:00:00Z'));
    next.removeTarget('v1');
    expect([next.version, next.expires.toString(), next.targets.size]).toEqual([2, '2030-01-01T00:00:00Z', 0]);
    expect([original.version, original.expires.toString(), original.targets.size]).toEqual([1, EXPIRES.toString(), 1]);
    expect(() => next.setVersion(0)).toThrow(TufError);
    expect(next.isExpired(GoTime.parse('2030-01-01T00:00:01Z'))).toBe(true);
    expect(next.isExpired(GoTime.parse('2029-12-31T23:59:59Z'))).toBe(false);
  });
});

describe('delegation builders', () => {
  const k1 = freshKey().key.publicKey;
  const k2 = freshKey().key.publicKey;

  it('adds keys and paths, and drops keys no role uses any more', () => {
    const t = Targets.empty(EXPIRES)
      .updateDelegation('targets/releases', { addKeys: [k1], addPaths: ['v1/', 'v2/'] })
      .updateDelegation('targets/qa', { addKeys: [k1], threshold: 1 })
      .updateDelegation('targets/releases', { addKeys: [k2], removeKeyIds: [k1.id], removePaths: ['v1/'], addPaths: ['v3/'], threshold: 2 });
    const releases = t.getDelegation('targets/releases')!;
    expect(releases.keyIds).toEqual([k2.id]);
    expect(releases.paths).toEqual(['v2/', 'v3/']);
    expect(releases.threshold).toBe(2);
    expect([...t.delegationKeys.keys()].sort()).toEqual([k1.id, k2.id].sort()); // k1 still used by qa

    expect(t.removeDelegation('targets/qa')).toBe(true);
    expect([...t.delegationKeys.keys()]).toEqual([k2.id]);
    expect(t.removeDelegation('targets/qa')).toBe(false);
    expect(t.toJSON().delegations.roles?.map((r) => r.name)).toEqual(['targets/releases']);
  });

  it('clears paths, and omits an empty paths list from the JSON', () => {
    const t = Targets.empty(EXPIRES).updateDelegation('targets/a', { addKeys: [k1], addPaths: [''] });
    expect(t.toJSON().delegations.roles?.[0]).toEqual({ keyids: [k1.id], name: 'targets/a', paths: [''], threshold: 1 });
    t.updateDelegation('targets/a', { clearPaths: true });
    expect(t.toJSON().delegations.roles?.[0]).toEqual({ keyids: [k1.id], name: 'targets/a', threshold: 1 });
  });

  it('refuses names that are not direct children, new roles without keys, and paths outside the parent', () => {
    const t = Targets.empty(EXPIRES, 'targets/a');
    expect(() => t.updateDelegation('targets/b', { addKeys: [k1] })).toThrow(/not a direct child of targets\/a/);
    expect(() => t.updateDelegation('targets/a/B', { addKeys: [k1] })).toThrow(/may only contain/);
    expect(() => t.updateDelegation('targets/a/b', {})).toThrow(/needs at least one key/);
    expect(() => t.updateDelegation('targets/a/b', { addKeys: [k1], addPaths: ['prod/'], parentPaths: ['qa/'] })).toThrow(/invalid paths/);
    t.updateDelegation('targets/a/b', { addKeys: [k1], addPaths: ['qa/x'], parentPaths: ['qa/'] });
    expect(t.getDelegation('targets/a/b')?.allowsPath('qa/x1')).toBe(true);
  });

  it("adds targets only within the role's paths when told them", () => {
    const t = Targets.empty(EXPIRES, 'targets/qa');
    expect(() => t.addTarget('prod/v1', FileMeta.fromBytes(hello), ['qa/'])).toThrow(/outside the role's paths/);
    t.addTarget('qa/v1', FileMeta.fromBytes(hello), ['qa/']);
    expect(() => t.addTarget('bad\nname', FileMeta.fromBytes(hello))).toThrow(/control character/);
    expect(t.removeTarget('qa/v1')).toBe(true);
    expect(t.removeTarget('qa/v1')).toBe(false);
  });
});

describe('FileMeta builders', () => {
  it('checks digests given by hand, as addhash does', () => {
    const meta = FileMeta.fromDigests({ length: 12, sha256: 'AB'.repeat(32) });
    expect(meta.hex('sha256')).toBe('ab'.repeat(32));
    expect(meta.hex('sha512')).toBeUndefined();
    expect(() => FileMeta.fromDigests({ length: 12, sha256: 'ab'.repeat(31) })).toThrow(/sha256 digest must be 32 bytes/);
    expect(() => FileMeta.fromDigests({ length: 12, sha512: 'zz' })).toThrow(/not hexadecimal/);
    expect(() => FileMeta.fromDigests({ length: 12 })).toThrow(/at least one/);
    expect(() => FileMeta.fromDigests({ length: -1, sha256: 'ab'.repeat(32) })).toThrow(/invalid length/);
  });

  it('tells which check a file fails', () => {
    const meta = FileMeta.fromBytes(hello);
    expect(meta.mismatch(hello)).toBeUndefined();
    expect(meta.mismatch(Buffer.from('hello World\n'))).toMatch(/^sha256 checksum does not match/);
    expect(meta.mismatch(Buffer.from('hi'))).toMatch(/^length 2/);
  });
});

describe('root builder', () => {
  it('creates a version 1 root with the four roles, and rotates keys as notary does', () => {
    const keys = { root: freshKey(), targets: freshKey(), snapshot: freshKey(), timestamp: freshKey('ed25519') };
    const root = Root.create({
      expires: EXPIRES,
      keys: {
        root: [keys.root.key.publicKey],
        targets: [keys.targets.key.publicKey],
        snapshot: [keys.snapshot.key.publicKey],
        timestamp: [keys.timestamp.key.publicKey],
      },
    });
    const envelope = Envelope.sign(root, [signerFromPrivateKey(keys.root.key)]);
    const parsed = parseMetadata(envelope.raw, 'root');
    expect(parsed.toBytes().equals(envelope.raw)).toBe(true);
    expect(parsed.signed.version).toBe(1);
    expect(parsed.signed.consistentSnapshot).toBe(false);
    expect(parsed.signed.roleKeys('timestamp')[0]?.keytype).toBe('ed25519');

    const next = parsed.signed.clone();
    const newRoot = freshKey().key.publicKey;
    const newTargets = freshKey().key.publicKey;
    next.replaceRoleKeys('root', [newRoot]).replaceRoleKeys('targets', [newTargets], 2);
    // The old root key stays in `keys` (notary keeps rotated root certificates); the old targets key goes.
    expect(next.keys.has(keys.root.key.id)).toBe(true);
    expect(next.keys.has(keys.targets.key.id)).toBe(false);
    expect(next.role('root').keyIds).toEqual([newRoot.id]);
    expect(next.role('targets')).toMatchObject({ keyIds: [newTargets.id], threshold: 2 });
    expect(parsed.signed.keys.has(keys.targets.key.id)).toBe(true); // the parsed model is untouched
    expect(() => next.replaceRoleKeys('snapshot', [])).toThrow(/at least one key/);
  });
});

describe('snapshot and timestamp builders', () => {
  it('hash the exact bytes of each file', () => {
    const rootBytes = Buffer.from('{"signed":{"_type":"Root"}}');
    const targetsBytes = Buffer.from('{"signed":{"_type":"Targets"}}');
    const snapshot = Snapshot.fromRoles({ root: rootBytes, targets: targetsBytes, 'targets/releases': hello }, EXPIRES, 3);
    expect(snapshot.version).toBe(3);
    expect(snapshot.metaFor('targets/releases')?.mismatch(hello)).toBeUndefined();
    expect(snapshot.metaFor('root')?.length).toBe(rootBytes.length);
    expect(Object.keys(snapshot.toJSON().meta!.root!.hashes)).toEqual(['sha256', 'sha512']);
    expect(() => Snapshot.fromRoles(new Map([['root', rootBytes]]), EXPIRES)).toThrow(/must list targets/);
    expect(() => snapshot.setRoleFile('timestamp', hello)).toThrow(/not "timestamp"/);
    expect(() => snapshot.deleteMeta('targets')).toThrow(/must list targets/);
    expect(snapshot.deleteMeta('targets/releases')).toBe(true);

    const { key } = freshKey('ed25519');
    const signedSnapshot = Envelope.sign(snapshot, [signerFromPrivateKey(key)]);
    expect(parseMetadata(signedSnapshot.raw, 'snapshot').toBytes().equals(signedSnapshot.raw)).toBe(true);

    const timestamp = Timestamp.fromSnapshot(signedSnapshot.raw, EXPIRES);
    expect(timestamp.snapshotMeta.mismatch(signedSnapshot.raw)).toBeUndefined();
    timestamp.bumpVersion(EXPIRES.plusDays(14)).setSnapshot(hello);
    expect(timestamp.version).toBe(2);
    expect(timestamp.snapshotMeta.length).toBe(hello.length);
    const signedTimestamp = Envelope.sign(timestamp, [signerFromPrivateKey(key)]);
    expect(parseMetadata(signedTimestamp.raw, 'timestamp').signed.toJSON()).toEqual(timestamp.toJSON());
  });
});
