// Every structural rule produces a MetadataError that names the role and the field.
import { describe, expect, it } from 'vitest';
import { MetadataError } from '../../src/tuf/errors.js';
import { parseMetadata } from '../../src/tuf/metadata/index.js';

const KEY_ID = 'd6e0bdff34a9698504e6a76ec8bf81264b9161fb10c4e862ce0db25295534f80';
const KEY_B64 =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpYbufQ8wK52pYiCiyTodpQ8Y87cShWEIcDtYGzpnu0WyPPSknDA06XnMJ4bYoFszGoYA8qiLgmiZ/AELlkWIHg==';
const key = () => ({ keytype: 'ecdsa', keyval: { private: null as string | null, public: KEY_B64 } });
const SHA256 = Buffer.alloc(32, 1).toString('base64');
const SHA512 = Buffer.alloc(64, 2).toString('base64');
const EXPIRES = '2029-11-24T16:26:39.55734716Z';

// biome-ignore lint/suspicious/noExplicitAny: tests mutate arbitrary nested fields of the documents
type Json = Record<string, any>;

const targets = (): Json => ({
  _type: 'Targets',
  delegations: { keys: { [KEY_ID]: key() }, roles: [{ keyids: [KEY_ID], name: 'targets/a', paths: [''], threshold: 1 }] },
  expires: EXPIRES,
  targets: { v1: { hashes: { sha256: SHA256, sha512: SHA512 }, length: 13 } },
  version: 2,
});
const root = (): Json => ({
  _type: 'Root',
  consistent_snapshot: false,
  expires: EXPIRES,
  keys: { [KEY_ID]: key() },
  roles: Object.fromEntries(['root', 'targets', 'snapshot', 'timestamp'].map((r) => [r, { keyids: [KEY_ID], threshold: 1 }])),
  version: 1,
});
const fileMeta = { hashes: { sha256: SHA256, sha512: SHA512 }, length: 100 };
const snapshot = (): Json => ({ _type: 'Snapshot', expires: EXPIRES, meta: { root: fileMeta, targets: fileMeta }, version: 3 });
const timestamp = (): Json => ({ _type: 'Timestamp', expires: EXPIRES, meta: { snapshot: fileMeta }, version: 3 });

const file = (signed: unknown, signatures: unknown = []) => Buffer.from(JSON.stringify({ signed, signatures }));

function errorOf(fn: () => unknown): MetadataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MetadataError);
    return e as MetadataError;
  }
  throw new Error('expected a MetadataError');
}

function expectError(bytes: Buffer, role: string, field: string | undefined, message: RegExp | string): void {
  const err = errorOf(() => parseMetadata(bytes, role));
  expect(err.role).toBe(role);
  expect(err.field).toBe(field);
  expect(err.message).toMatch(message);
}

function edit<T extends Json>(base: T, change: (j: T) => void): T {
  change(base);
  return base;
}

describe('valid bases', () => {
  it('parse, so that every failure below comes from its one change', () => {
    expect(parseMetadata(file(targets()), 'targets').signed.version).toBe(2);
    expect(parseMetadata(file(edit(targets(), (t) => (t.delegations.roles = []))), 'targets/a').signed.roleName).toBe('targets/a');
    expect(parseMetadata(file(root()), 'root').signed.keys.size).toBe(1);
    expect(parseMetadata(file(snapshot()), 'snapshot').signed.meta.size).toBe(2);
    expect(parseMetadata(file(timestamp()), 'timestamp').signed.snapshotMeta.length).toBe(100);
  });
});

describe('common fields', () => {
  it('checks _type case-sensitively, with notary\'s message', () => {
    expectError(file(edit(targets(), (t) => (t._type = 'targets'))), 'targets', '_type', 'expected type Targets, not targets');
    expectError(file(edit(root(), (t) => (t._type = 'Targets'))), 'root', '_type', 'expected type Root, not Targets');
    expectError(file(edit(snapshot(), (t) => delete t._type)), 'snapshot', '_type', 'expected type Snapshot, not null');
  });

  it('needs an integer version of at least 1', () => {
    expectError(file(edit(targets(), (t) => (t.version = 0))), 'targets', 'version', 'version cannot be less than one');
    expectError(file(edit(timestamp(), (t) => (t.version = '1'))), 'timestamp', 'version', /expected an integer/);
    const float = file(targets()).toString().replace('"version":2', '"version":2.0');
    expectError(Buffer.from(float), 'targets', 'signed.version', /2\.0 is not an integer/);
  });

  it('needs an RFC 3339 expiry', () => {
    expectError(file(edit(targets(), (t) => (t.expires = '24 Nov 2029'))), 'targets', 'expires', /not an RFC 3339 timestamp/);
    expectError(file(edit(targets(), (t) => delete t.expires)), 'targets', 'expires', /expected a string/);
  });
});

describe('targets and delegations', () => {
  it('checks hash lengths and encodings', () => {
    const short = Buffer.alloc(31).toString('base64');
    expectError(file(edit(targets(), (t) => (t.targets.v1.hashes.sha256 = short))), 'targets', 'targets.v1.hashes.sha256', /must be 32 bytes, not 31/);
    expectError(file(edit(targets(), (t) => (t.targets.v1.hashes.sha512 = SHA256))), 'targets', 'targets.v1.hashes.sha512', /must be 64 bytes/);
    expectError(file(edit(targets(), (t) => (t.targets.v1.hashes.sha256 = 'not base64!'))), 'targets', 'targets.v1.hashes.sha256', /base64/);
    expectError(file(edit(targets(), (t) => (t.targets.v1.hashes = {}))), 'targets', 'targets.v1.hashes', /at least one sha256 or sha512/);
    expectError(file(edit(targets(), (t) => (t.targets['a/b'] = { hashes: { sha256: SHA256 }, length: -1 }))), 'targets', 'targets["a/b"].length', /at least 0/);
  });

  it('refuses floats anywhere, including custom data', () => {
    const text = file(edit(targets(), (t) => (t.targets.v1.custom = { x: 1 }))).toString().replace('"x":1', '"x":1.5');
    expectError(Buffer.from(text), 'targets', 'signed.targets.v1.custom.x', /1\.5 is not an integer/);
  });

  it('needs delegation thresholds of at least 1', () => {
    expectError(
      file(edit(targets(), (t) => (t.delegations.roles[0].threshold = 0))),
      'targets',
      'delegations.roles[0].threshold',
      'invalid threshold specified for targets/a: 0',
    );
  });

  it('needs every delegation key ID in delegations.keys', () => {
    expectError(
      file(edit(targets(), (t) => t.delegations.roles[0].keyids.push('ff'.repeat(32)))),
      'targets',
      'delegations.roles[0].keyids',
      `key ID ${'ff'.repeat(32)} specified in targets/a without corresponding key`,
    );
  });

  it('checks that delegation keys are stored under their own key ID', () => {
    const wrongId = 'ab'.repeat(32);
    expectError(
      file(edit(targets(), (t) => (t.delegations = { keys: { [wrongId]: key() }, roles: [] }))),
      'targets',
      `delegations.keys.${wrongId}` /* IDs that start with a letter read as plain members */,
      `key ID does not match the key, whose ID is ${KEY_ID}`,
    );
  });

  it('wraps unknown key types with role and field', () => {
    const dsa = { keytype: 'dsa', keyval: { private: null, public: 'AAAA' } };
    expectError(
      file(edit(targets(), (t) => (t.delegations.keys[KEY_ID] = dsa))),
      'targets',
      `delegations.keys.${KEY_ID}`,
      'unknown key type "dsa"',
    );
  });

  it.each([
    ['targets', 'targets/Releases', /delegation role targets\/Releases invalid: .* may only contain/],
    ['targets', 'targets/a/b', /delegation role targets\/a\/b invalid: it may only be declared in targets\/a/],
    ['targets', 'releases', /does not start with "targets\/"/],
    ['targets/a', 'targets/b', /it may only be declared in targets$/],
    ['targets', 'targets/a/', /trailing/],
  ])('in %s, refuses the delegation name %s', (fileRole, name, message) => {
    const signed = edit(targets(), (t) => (t.delegations.roles[0].name = name));
    expectError(file(signed), fileRole, 'delegations.roles[0].name', message);
  });

  it('refuses a targets file under a role name that cannot hold one', () => {
    expectError(file(targets()), 'targets/Bad', undefined, /"targets\/Bad" is not a valid role name/);
    expectError(file(targets()), 'mirror', undefined, /not a valid role name/);
  });

  it('names wrongly typed members', () => {
    expectError(file(edit(targets(), (t) => (t.delegations.roles = {}))), 'targets', 'delegations.roles', /expected an array, found an object/);
    expectError(file(edit(targets(), (t) => (t.delegations.roles[0].paths = ['a', 3]))), 'targets', 'delegations.roles[0].paths[1]', /expected a string/);
    expectError(file(edit(targets(), (t) => (t.targets = []))), 'targets', 'targets', /expected an object, found an array/);
  });
});

describe('root', () => {
  it('needs all four base roles', () => {
    expectError(file(edit(root(), (r) => delete r.roles.timestamp)), 'root', 'roles.timestamp', 'missing timestamp role specification');
    expectError(file(edit(root(), (r) => (r.roles = null))), 'root', 'roles.root', 'missing root role specification');
  });

  it('tolerates other role names', () => {
    const parsed = parseMetadata(file(edit(root(), (r) => (r.roles.mirror = { keyids: [], threshold: 1 }))), 'root');
    expect(parsed.signed.roles.has('mirror')).toBe(true);
    expect(parsed.toBytes().toString()).toContain('"mirror":{"keyids":[],"threshold":1}');
  });

  it('needs role key IDs to be in keys, and keys under their own ID', () => {
    expectError(file(edit(root(), (r) => (r.roles.targets.keyids = ['00'.repeat(32)]))), 'root', 'roles.targets.keyids', /specified in targets without corresponding key/);
    expectError(file(edit(root(), (r) => (r.keys = { ['00'.repeat(32)]: key() }))), 'root', `keys["${'00'.repeat(32)}"]`, /key ID does not match/);
    expectError(file(edit(root(), (r) => (r.keys[KEY_ID].keyval.private = 'c2VjcmV0'))), 'root', `keys.${KEY_ID}`, /must not carry private key material/);
  });

  it('needs thresholds of at least 1 and a boolean consistent_snapshot', () => {
    expectError(file(edit(root(), (r) => (r.roles.root.threshold = 0))), 'root', 'roles.root.threshold', 'invalid threshold specified for root: 0');
    expectError(file(edit(root(), (r) => (r.consistent_snapshot = 'no'))), 'root', 'consistent_snapshot', /expected true or false/);
  });
});

describe('snapshot and timestamp', () => {
  it('need sha256 checksums of the files they must pin', () => {
    expectError(file(edit(snapshot(), (s) => delete s.meta.root)), 'snapshot', 'meta.root', 'missing root sha256 checksum information');
    expectError(
      file(edit(snapshot(), (s) => (s.meta.targets = { hashes: { sha512: SHA512 }, length: 1 }))),
      'snapshot',
      'meta.targets',
      'missing targets sha256 checksum information',
    );
    expectError(file(edit(timestamp(), (s) => (s.meta = {}))), 'timestamp', 'meta.snapshot', 'missing snapshot sha256 checksum information');
  });
});

describe('envelope', () => {
  it('needs a signed object and well-formed signatures', () => {
    expectError(Buffer.from('{"signatures":[]}'), 'targets', 'signed', /expected an object, found nothing/);
    expectError(Buffer.from('[]'), 'targets', '(top level)', /expected an object/);
    expectError(file(targets(), {}), 'targets', 'signatures', /expected an array/);
    expectError(file(targets(), [{ keyid: KEY_ID, method: 'ecdsa', sig: 'a' }]), 'targets', 'signatures[0].sig', /base64/);
    expectError(file(targets(), [{ keyid: KEY_ID, sig: 'AAAA' }]), 'targets', 'signatures[0].method', /expected a string/);
  });

  it('lowercases signature methods, as notary does', () => {
    const parsed = parseMetadata(file(targets(), [{ keyid: KEY_ID, method: 'ECDSA', sig: 'AAAA' }]), 'targets');
    expect(parsed.signatures[0]?.method).toBe('ecdsa');
    expect(parsed.toBytes().toString()).toContain('"method":"ecdsa"');
  });

  it('names the role for invalid UTF-8 and broken JSON', () => {
    expectError(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'snapshot', undefined, /not valid UTF-8/);
    expectError(Buffer.from('{"signed":'), 'timestamp', undefined, /invalid JSON/);
  });
});
