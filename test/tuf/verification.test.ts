import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { PublicKey } from '../../src/tuf/key.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { countValidSignatures } from '../../src/tuf/threshold.js';
import { signedDigest, verificationResult } from '../../src/tuf/verification.js';

const p256 = () => PrivateKey.fromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const message = Buffer.from('{"_type":"Targets","version":2}');
const sign = (key: PrivateKey, keyid = key.publicKey.id, bytes: Uint8Array = message) => ({ keyid, method: 'ecdsa', sig: Buffer.from(key.sign(bytes)).toString('base64') });

describe('verificationResult: distinct canonical keys', () => {
  const [a, b, c] = [p256(), p256(), p256()];
  const keys = new Map([a, b, c].map((k) => [k.publicKey.id, k.publicKey]));
  const role = { keyids: [...keys.keys()], threshold: 2 };

  it('k distinct keys pass; who signed and who did not', () => {
    const r = verificationResult(message, [sign(a), sign(c)], role, keys);
    expect(r).toMatchObject({ verified: true, missing: 0, distinctKeys: 3, unsatisfiable: false, ignored: [] });
    expect(r.signed.map((s) => s.keyid)).toEqual([a.publicKey.id, c.publicKey.id]);
    expect(r.unsigned).toEqual([b.publicKey.id]);
  });

  it('one key under two IDs (plain and certificate) counts once, though notary 0.7 counts it twice', async () => {
    const cert = new PublicKey('ecdsa-x509', Buffer.from(await createRootCertificate(a, 'example.com/app')).toString('base64'));
    expect(cert.id).not.toBe(a.publicKey.id);
    expect(cert.canonicalId).toBe(a.publicKey.id);
    const twoIds = new Map([[a.publicKey.id, a.publicKey], [cert.id, cert], [b.publicKey.id, b.publicKey]]);
    const r = verificationResult(message, [sign(a), sign(a, cert.id)], { keyids: [...twoIds.keys()], threshold: 2 }, twoIds);
    expect(r).toMatchObject({ verified: false, missing: 1, distinctKeys: 2 });
    expect(r.ignored).toEqual([{ keyid: cert.id, reason: 'same key signed again' }]);
    expect(countValidSignatures(message, [sign(a), sign(a, cert.id)], { keyids: [...twoIds.keys()], threshold: 2 }, twoIds).met).toBe(false);
    // A threshold of 3 over those IDs can never be met: they are 2 keys.
    expect(verificationResult(message, [], { keyids: [...twoIds.keys()], threshold: 3 }, twoIds).unsatisfiable).toBe(true);
  });

  it('ignores invalid and foreign signatures, with reasons', () => {
    const outsider = p256();
    const r = verificationResult(
      message,
      [sign(b, b.publicKey.id, Buffer.from('other bytes')), sign(outsider), sign(a), sign(a), { keyid: c.publicKey.id, method: 'ecdsa', sig: 'not base64!' }],
      role,
      keys,
    );
    expect(r.verified).toBe(false);
    expect(r.ignored).toEqual([
      { keyid: b.publicKey.id, reason: 'signature does not verify' },
      { keyid: outsider.publicKey.id, reason: 'not a key of the role' },
      { keyid: a.publicKey.id, reason: 'same key signed again' },
      { keyid: c.publicKey.id, reason: 'signature does not verify' },
    ]);
  });

  it('threshold 0 never verifies', () => {
    expect(verificationResult(message, [sign(a)], { keyids: role.keyids, threshold: 0 }, keys)).toMatchObject({ verified: false, unsatisfiable: true });
  });

  it('the digest of `signed` is over its canonical form', () => {
    expect(signedDigest({ b: 1, a: 'x' })).toBe(signedDigest({ a: 'x', b: 1 }));
    expect(signedDigest({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
