// Captured notary 0.7 files (test/fixtures/notary): parsing and re-serialising must give
// back the exact bytes, because notary hashes its own re-serialisation when it builds snapshots.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MetadataError } from '../../src/tuf/errors.js';
import { parseJsonStrict, serializeEnvelope, type JsonObject, type Signature } from '../../src/tuf/gojson.js';
import { FileMeta, parseMetadata, Root, Snapshot, Targets, Timestamp } from '../../src/tuf/metadata/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/notary/${name}.json`, import.meta.url));

const TARGETS_V2 = fixture('targets-v2'); // the 341-byte signature vector
const TARGETS_V3_ABRIDGED = fixture('targets-v3-abridged'); // its certificate is cut short with "…"
const RELEASES_V1 = fixture('targets-releases-v1');
const SNAPSHOT_V4 = fixture('snapshot-v4');
const TIMESTAMP_V1 = fixture('timestamp-v1');

const TARGETS_KEY_ID = 'd6e0bdff34a9698504e6a76ec8bf81264b9161fb10c4e862ce0db25295534f80';
const TARGETS_KEY_B64 =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpYbufQ8wK52pYiCiyTodpQ8Y87cShWEIcDtYGzpnu0WyPPSknDA06XnMJ4bYoFszGoYA8qiLgmiZ/AELlkWIHg==';
const SNAPSHOT_KEY_ID = 'c2c50bbc2458948063a67be58d9a1becda7c96aaf185a23181826a88e1bbf10f';
const SNAPSHOT_KEY_B64 =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPgsfDzpY8ipyGEMGkAGmbS1ANf9tkr66phyPWbwpyeZm+yXMroX06MAZv1IiDj7Bcd1iLGlSWxcBv0kMw5cghA==';
const TIMESTAMP_KEY_ID = '87d45ca75f06f76df8549b7d3de9bb56b0df0984997f3cb94ae1780bc883fd14';
const TIMESTAMP_KEY_B64 = 'Td+Jk458P+P11emnlHVRAyQDgeyhuYzXphD8Yoo/96I=';
const DELEGATION_CERT_KEY_ID = '0dee4d2245ac34046a1376bce3045ccb05077a2edbe9d80fab5d42d895397371';

const ecdsaKey = (spkiB64: string) => createPublicKey({ key: Buffer.from(spkiB64, 'base64'), format: 'der', type: 'spki' });
const ed25519Key = (rawB64: string) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(rawB64, 'base64').toString('base64url') }, format: 'jwk' });

function verifies(message: Buffer, sig: Signature, key: KeyObject): boolean {
  const signature = Buffer.from(sig.sig, 'base64');
  if (sig.method === 'ecdsa') return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  return verify(null, message, key, signature);
}

describe('captured vectors re-serialise byte for byte', () => {
  it.each([
    ['targets v2 (341-byte signature vector)', TARGETS_V2, 'targets'],
    ['targets/releases v1', RELEASES_V1, 'targets/releases'],
    ['snapshot v4', SNAPSHOT_V4, 'snapshot'],
    ['timestamp v1', TIMESTAMP_V1, 'timestamp'],
  ])('%s', (_label, bytes, role) => {
    const envelope = parseMetadata(bytes, role);
    expect(envelope.raw.equals(bytes)).toBe(true);
    expect(envelope.toBytes().toString()).toBe(bytes.toString());
    // Through a clone (what a builder starts from) the bytes stay the same too.
    expect(serializeEnvelope(envelope.signed.clone().toJSON(), envelope.signatures).equals(bytes)).toBe(true);
  });

  it('the envelope encoder alone reproduces the abridged targets v3 from its generic JSON', () => {
    const doc = parseJsonStrict(TARGETS_V3_ABRIDGED, 'targets') as unknown as { signed: JsonObject; signatures: Signature[] };
    expect(serializeEnvelope(doc.signed, doc.signatures).equals(TARGETS_V3_ABRIDGED)).toBe(true);
  });

  it('refuses the abridged targets v3, whose shortened key no longer has the listed key ID', () => {
    expect(() => parseMetadata(TARGETS_V3_ABRIDGED, 'targets')).toThrow(MetadataError);
    expect(() => parseMetadata(TARGETS_V3_ABRIDGED, 'targets')).toThrow(`delegations.keys["${DELEGATION_CERT_KEY_ID}"]: key ID does not match`);
  });

  it('targets v3 with a complete key in place of the shortened certificate round-trips', () => {
    // Same structure as the capture (one delegation, paths [""]), with the complete ecdsa targets key.
    const text = TARGETS_V3_ABRIDGED.toString()
      .replace(/"keytype":"ecdsa-x509","keyval":\{"private":null,"public":"[^"]*"\}/, `"keytype":"ecdsa","keyval":{"private":null,"public":"${TARGETS_KEY_B64}"}`)
      .replaceAll(DELEGATION_CERT_KEY_ID, TARGETS_KEY_ID);
    const envelope = parseMetadata(Buffer.from(text), 'targets');
    expect(envelope.toBytes().toString()).toBe(text);
    const releases = envelope.signed.getDelegation('targets/releases');
    expect(releases?.paths).toEqual(['']);
    expect(releases?.threshold).toBe(1);
    expect(envelope.signed.delegationKeysOf(releases!).map((k) => k.id)).toEqual([TARGETS_KEY_ID]);
  });

  it('a hand-made compact root (the captured root is only shown abridged) round-trips', () => {
    const key = (type: string, b64: string) => `{"keytype":"${type}","keyval":{"private":null,"public":"${b64}"}}`;
    const role = (id: string) => `{"keyids":["${id}"],"threshold":1}`;
    const text =
      `{"signed":{"_type":"Root","consistent_snapshot":false,"expires":"2036-11-22T16:25:18.095438141Z","keys":{` +
      `"${TIMESTAMP_KEY_ID}":${key('ed25519', TIMESTAMP_KEY_B64)},"${SNAPSHOT_KEY_ID}":${key('ecdsa', SNAPSHOT_KEY_B64)},"${TARGETS_KEY_ID}":${key('ecdsa', TARGETS_KEY_B64)}},` +
      `"roles":{"root":${role(TARGETS_KEY_ID)},"snapshot":${role(SNAPSHOT_KEY_ID)},"targets":${role(TARGETS_KEY_ID)},"timestamp":${role(TIMESTAMP_KEY_ID)}},"version":1},` +
      `"signatures":[{"keyid":"${TARGETS_KEY_ID}","method":"ecdsa","sig":"OYzH+EK0x9nf/gNtOeod2SwelHqHshQs1bgJgPeKOv+tQv/xAaeOsvnJODWglSwK7Q4HQ7jM+3os36+0inw+Jg=="}]}`;
    const envelope = parseMetadata(Buffer.from(text), 'root');
    expect(envelope.signed).toBeInstanceOf(Root);
    expect(envelope.toBytes().toString()).toBe(text);
    expect(envelope.signed.roleKeys('timestamp').map((k) => k.keytype)).toEqual(['ed25519']);
    expect(envelope.signed.role('snapshot').keyIds).toEqual([SNAPSHOT_KEY_ID]);
  });
});

describe('captured vectors: content and signatures', () => {
  it('the 341-byte targets v2 verifies with the d6e0… key over the canonical generic signed', () => {
    const envelope = parseMetadata(TARGETS_V2, 'targets');
    expect(TARGETS_V2.length).toBe(341);
    const [sig] = envelope.signatures;
    expect(sig?.keyid).toBe(TARGETS_KEY_ID);
    expect(verifies(envelope.signedCanonicalBytes(), sig!, ecdsaKey(TARGETS_KEY_B64))).toBe(true);
    // Changing one byte of the signed content breaks it: the check is not vacuous.
    const tampered = Buffer.from(envelope.signedCanonicalBytes().toString().replace('"version":2', '"version":3'));
    expect(verifies(tampered, sig!, ecdsaKey(TARGETS_KEY_B64))).toBe(false);
  });

  it('snapshot v4 (ecdsa) and timestamp v1 (eddsa) verify with the captured public keys', () => {
    const snapshot = parseMetadata(SNAPSHOT_V4, 'snapshot');
    expect(verifies(snapshot.signedCanonicalBytes(), snapshot.signatures[0]!, ecdsaKey(SNAPSHOT_KEY_B64))).toBe(true);
    const timestamp = parseMetadata(TIMESTAMP_V1, 'timestamp');
    expect(timestamp.signatures[0]?.method).toBe('eddsa');
    expect(verifies(timestamp.signedCanonicalBytes(), timestamp.signatures[0]!, ed25519Key(TIMESTAMP_KEY_B64))).toBe(true);
  });

  it('snapshot v4 lists the exact bytes of the captured targets/releases v1', () => {
    const snapshot = parseMetadata(SNAPSHOT_V4, 'snapshot').signed;
    expect(snapshot).toBeInstanceOf(Snapshot);
    expect([...snapshot.meta.keys()]).toEqual(['root', 'targets', 'targets/releases']);
    expect(snapshot.metaFor('root')?.length).toBe(2278);
    const listed = snapshot.metaFor('targets/releases')!;
    expect(listed.mismatch(RELEASES_V1)).toBeUndefined();
    expect(FileMeta.fromBytes(RELEASES_V1).sameFileAs(listed)).toBe(true);
    expect(listed.mismatch(TARGETS_V2)).toMatch(/length 341 does not match the expected 525/);
    // A rebuilt snapshot entry serialises exactly as the captured one.
    expect(FileMeta.fromBytes(RELEASES_V1).toJSON()).toEqual(listed.toJSON());
  });

  it('exposes the typed content of targets/releases and timestamp', () => {
    const releases = parseMetadata(RELEASES_V1, 'targets/releases').signed;
    expect(releases).toBeInstanceOf(Targets);
    expect(releases.roleName).toBe('targets/releases');
    expect(releases.version).toBe(1);
    expect(releases.expires.toString()).toBe('2029-11-24T16:26:39.55734716Z');
    const v1 = releases.targets.get('v1')!;
    expect(v1.length).toBe(13);
    expect(v1.hex('sha256')).toBe('64ab6e53abd7583364b6c36a1b2c77cc3f29956d89fd9c626f10008d90539c40');
    expect(v1.custom).toBeUndefined();
    expect(releases.delegations).toEqual([]);

    const timestamp = parseMetadata(TIMESTAMP_V1, 'timestamp').signed;
    expect(timestamp).toBeInstanceOf(Timestamp);
    expect(timestamp.snapshotMeta.length).toBe(683);
  });
});
