import { constants, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/tuf/canonical.js';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { SignatureError } from '../../src/tuf/errors.js';
import { PublicKey } from '../../src/tuf/key.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { countValidSignatures, verifyRoleSignatures, type SignatureJson } from '../../src/tuf/threshold.js';
import { verifySignature } from '../../src/tuf/verify.js';

// Captured from notary 0.7: a targets.json v2 signed by the ecdsa key d6e0….
const CAPTURED_TARGETS =
  '{"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},"expires":"2029-11-24T16:25:55.314329869Z","targets":{},"version":2},"signatures":[{"keyid":"d6e0bdff34a9698504e6a76ec8bf81264b9161fb10c4e862ce0db25295534f80","method":"ecdsa","sig":"17v4AP23fy0aldFmXrKz3db09LmlDmRjZDyg6ii1AkCNN4+dMyo54UTsu7k6Dnh42pAD3n9qm6nO0OwwUp5hXw=="}]}';
const CAPTURED_SIGNED =
  '{"_type":"Targets","delegations":{"keys":{},"roles":[]},"expires":"2029-11-24T16:25:55.314329869Z","targets":{},"version":2}';
const CAPTURED_KEY = new PublicKey(
  'ecdsa',
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpYbufQ8wK52pYiCiyTodpQ8Y87cShWEIcDtYGzpnu0WyPPSknDA06XnMJ4bYoFszGoYA8qiLgmiZ/AELlkWIHg==',
);
const CAPTURED_SIG = Buffer.from('17v4AP23fy0aldFmXrKz3db09LmlDmRjZDyg6ii1AkCNN4+dMyo54UTsu7k6Dnh42pAD3n9qm6nO0OwwUp5hXw==', 'base64');

const message = Buffer.from('{"_type":"Targets","version":1}');

function flipped(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

const newKey = (type: 'ec' | 'rsa' | 'ed25519', options: object = {}): PrivateKey =>
  PrivateKey.fromKeyObject(
    (generateKeyPairSync as (t: string, o: object) => { privateKey: KeyObject })(type, options).privateKey,
  );
const p256 = () => newKey('ec', { namedCurve: 'P-256' });

describe('verifySignature: the captured notary vector', () => {
  it('verifies the targets signature with key d6e0…', () => {
    expect(CAPTURED_TARGETS).toHaveLength(341);
    expect(CAPTURED_KEY.id).toBe('d6e0bdff34a9698504e6a76ec8bf81264b9161fb10c4e862ce0db25295534f80');
    expect(verifySignature(CAPTURED_KEY, 'ecdsa', CAPTURED_SIG, Buffer.from(CAPTURED_SIGNED))).toBe(true);
  });

  it('verifies over the canonical form of the parsed `signed`, as Go re-canonicalises it', () => {
    const parsed = JSON.parse(CAPTURED_TARGETS) as { signed: unknown };
    expect(verifySignature(CAPTURED_KEY, 'ecdsa', CAPTURED_SIG, canonicalBytes(parsed.signed))).toBe(true);
  });

  it('fails when any byte of the message changes', () => {
    const signed = Buffer.from(CAPTURED_SIGNED);
    const accepted = [...signed.keys()].filter((i) => verifySignature(CAPTURED_KEY, 'ecdsa', CAPTURED_SIG, flipped(signed, i)));
    expect(accepted).toEqual([]);
  });

  it('fails when any byte of the signature changes', () => {
    const signed = Buffer.from(CAPTURED_SIGNED);
    const accepted = [...CAPTURED_SIG.keys()].filter((i) => verifySignature(CAPTURED_KEY, 'ecdsa', flipped(CAPTURED_SIG, i), signed));
    expect(accepted).toEqual([]);
  });

  it('accepts the method in any case, as Go lowercases it', () => {
    expect(verifySignature(CAPTURED_KEY, 'ECDSA', CAPTURED_SIG, Buffer.from(CAPTURED_SIGNED))).toBe(true);
  });
});

describe('verifySignature: ECDSA encoding rules', () => {
  it('refuses a DER-encoded signature and r||s of the wrong length (notary 0.7 takes only r||s)', () => {
    const key = p256();
    if (key.material.algorithm !== 'ecdsa') throw new Error('expected ecdsa');
    const der = nodeSign('sha256', message, { key: key.material.key, dsaEncoding: 'der' });
    expect(verifySignature(key.publicKey, 'ecdsa', der, message)).toBe(false);
    const raw = key.sign(message);
    expect(raw).toHaveLength(64);
    expect(verifySignature(key.publicKey, 'ecdsa', raw, message)).toBe(true);
    expect(verifySignature(key.publicKey, 'ecdsa', raw.subarray(0, 63), message)).toBe(false);
    expect(verifySignature(key.publicKey, 'ecdsa', Buffer.concat([raw, Buffer.from([0])]), message)).toBe(false);
  });

  it('uses SHA-256 and 96-byte r||s on P-384', () => {
    const key = newKey('ec', { namedCurve: 'P-384' });
    const sig = key.sign(message);
    expect(sig).toHaveLength(96);
    expect(verifySignature(key.publicKey, 'ecdsa', sig, message)).toBe(true);
    expect(verifySignature(key.publicKey, 'ecdsa', sig.subarray(0, 64), message)).toBe(false);
  });

  it('verifies with the leaf certificate of an ecdsa-x509 key', async () => {
    const key = p256();
    const pem = await createRootCertificate(key, 'example.com/app');
    const x509 = new PublicKey('ecdsa-x509', Buffer.from(pem).toString('base64'));
    expect(verifySignature(x509, 'ecdsa', key.sign(message), message)).toBe(true);
    expect(verifySignature(x509, 'ecdsa', p256().sign(message), message)).toBe(false);
  });
});

describe('verifySignature: ed25519 and RSA round trips', () => {
  it('verifies eddsa signatures made by PrivateKey.sign', () => {
    const key = newKey('ed25519');
    const sig = key.sign(message);
    expect(verifySignature(key.publicKey, 'eddsa', sig, message)).toBe(true);
    expect(verifySignature(key.publicKey, 'eddsa', sig, flipped(message, 3))).toBe(false);
    expect(verifySignature(key.publicKey, 'eddsa', flipped(sig, 10), message)).toBe(false);
    expect(verifySignature(newKey('ed25519').publicKey, 'eddsa', sig, message)).toBe(false);
  });

  it('eddsa: RFC 8032 test vector 1 verifies; the same signature with S + L (non-canonical, Go refuses it) does not', () => {
    const key = new PublicKey('ed25519', Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64'));
    const sig = Buffer.from(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      'hex',
    );
    expect(verifySignature(key, 'eddsa', sig, Buffer.alloc(0))).toBe(true);
    expect(verifySignature(key, 'eddsa', sig, Buffer.from('x'))).toBe(false);
    // S is the little-endian second half; S + L verifies under the bare group equation.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
    const malleable = Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse()]);
    expect(verifySignature(key, 'eddsa', malleable, Buffer.alloc(0))).toBe(false);
    // A key of the wrong length never verifies.
    expect(verifySignature(new PublicKey('ed25519', Buffer.alloc(31).toString('base64')), 'eddsa', sig, Buffer.alloc(0))).toBe(false);
  });

  it('verifies rsapss signatures (salt 32) by rsa and rsa-x509 keys', async () => {
    const key = newKey('rsa', { modulusLength: 2048 });
    const sig = key.sign(message);
    expect(verifySignature(key.publicKey, 'rsapss', sig, message)).toBe(true);
    expect(verifySignature(key.publicKey, 'rsapss', sig, flipped(message, 0))).toBe(false);
    const pem = await createRootCertificate(key, 'example.com/app');
    const x509 = new PublicKey('rsa-x509', Buffer.from(pem).toString('base64'));
    expect(verifySignature(x509, 'rsapss', sig, message)).toBe(true);
  });

  it('insists on salt length 32 for rsapss but accepts any salt for pycrypto-pkcs#1 pss', () => {
    const key = newKey('rsa', { modulusLength: 2048 });
    if (key.material.algorithm !== 'rsa') throw new Error('expected rsa');
    const salt20 = nodeSign('sha256', message, {
      key: key.material.key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 20,
    });
    expect(verifySignature(key.publicKey, 'rsapss', salt20, message)).toBe(false);
    // pycrypto keys carry a PEM `PUBLIC KEY` in keyval.public.
    const spkiPem = createPublicKey(key.material.key).export({ type: 'spki', format: 'pem' }) as string;
    const pycryptoKey = new PublicKey('rsa', Buffer.from(spkiPem).toString('base64'));
    expect(verifySignature(pycryptoKey, 'pycrypto-pkcs#1 pss', salt20, message)).toBe(true);
    expect(verifySignature(pycryptoKey, 'pycrypto-pkcs#1 pss', salt20, flipped(message, 1))).toBe(false);
  });

  it('verifies rsapkcs1v15 signatures, which rsapss does not accept', () => {
    const key = newKey('rsa', { modulusLength: 2048 });
    if (key.material.algorithm !== 'rsa') throw new Error('expected rsa');
    const pkcs1 = nodeSign('sha256', message, key.material.key);
    expect(verifySignature(key.publicKey, 'rsapkcs1v15', pkcs1, message)).toBe(true);
    expect(verifySignature(key.publicKey, 'rsapss', pkcs1, message)).toBe(false);
    expect(verifySignature(key.publicKey, 'rsapkcs1v15', key.sign(message), message)).toBe(false);
  });

  it('refuses RSA keys below 2048 bits even when the signature is correct', () => {
    const key = newKey('rsa', { modulusLength: 1024 });
    expect(verifySignature(key.publicKey, 'rsapss', key.sign(message), message)).toBe(false);
  });
});

describe('verifySignature: mismatches and malformed input give false, never throw', () => {
  const ec = p256();
  const ed = newKey('ed25519');
  const rsa = newKey('rsa', { modulusLength: 2048 });

  it('refuses a method that does not fit the key type', () => {
    expect(verifySignature(ec.publicKey, 'eddsa', ec.sign(message), message)).toBe(false);
    expect(verifySignature(ec.publicKey, 'rsapss', ec.sign(message), message)).toBe(false);
    expect(verifySignature(ed.publicKey, 'ecdsa', ed.sign(message), message)).toBe(false);
    expect(verifySignature(rsa.publicKey, 'ecdsa', rsa.sign(message), message)).toBe(false);
    expect(verifySignature(ec.publicKey, 'rsa-sha512', ec.sign(message), message)).toBe(false);
  });

  it('refuses a key whose declared type differs from its material', () => {
    // An RSA SPKI labelled `ecdsa`, an EC SPKI labelled `rsa`.
    expect(verifySignature(new PublicKey('ecdsa', rsa.publicKey.publicB64), 'ecdsa', ec.sign(message), message)).toBe(false);
    expect(verifySignature(new PublicKey('rsa', ec.publicKey.publicB64), 'rsapss', rsa.sign(message), message)).toBe(false);
  });

  it('returns false for garbage keys and signatures', () => {
    const garbage = [
      new PublicKey('ecdsa', 'AAAA'),
      new PublicKey('ecdsa-x509', Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64')),
      new PublicKey('rsa-x509', 'bm90IGEgY2VydA=='),
      new PublicKey('ed25519', 'AAAA'),
      new PublicKey('rsa', 'AAAA'),
    ];
    for (const key of garbage) {
      for (const method of ['ecdsa', 'eddsa', 'rsapss', 'rsapkcs1v15', 'pycrypto-pkcs#1 pss']) {
        expect(verifySignature(key, method, Buffer.alloc(64), message)).toBe(false);
      }
    }
    expect(verifySignature(ed.publicKey, 'eddsa', Buffer.alloc(0), message)).toBe(false);
  });
});

describe('threshold verification', () => {
  const [k1, k2, k3, outsider] = [p256(), p256(), newKey('ed25519'), p256()] as [PrivateKey, PrivateKey, PrivateKey, PrivateKey];
  const keys = new Map([k1, k2, k3, outsider].map((k) => [k.id, k.publicKey]));
  const role = { keyids: [k1.id, k2.id, k3.id], threshold: 2 };
  const signature = (key: PrivateKey, msg: Uint8Array = message): SignatureJson => ({
    keyid: key.id,
    method: key.method,
    sig: key.sign(msg).toString('base64'),
  });

  it('passes with two distinct role keys', () => {
    const result = verifyRoleSignatures('targets', message, [signature(k3), signature(k1)], role, keys);
    expect(result.validKeyIds).toEqual([k3.id, k1.id]);
  });

  it('counts two signatures by the same key once', () => {
    const sigs = [signature(k1), signature(k1)];
    expect(() => verifyRoleSignatures('targets', message, sigs, role, keys)).toThrow(SignatureError);
    expect(() => verifyRoleSignatures('targets', message, sigs, role, keys)).toThrow(
      'targets: valid signatures did not meet threshold for targets (1 of 2 required)',
    );
    expect(countValidSignatures(message, sigs, role, keys)).toMatchObject({ validKeyIds: [k1.id], threshold: 2, met: false });
  });

  it('ignores signatures by keys outside the role, even when the key is known', () => {
    const sigs = [signature(k1), signature(outsider)];
    expect(countValidSignatures(message, sigs, role, keys).validKeyIds).toEqual([k1.id]);
    expect(() => verifyRoleSignatures('targets/releases', message, sigs, role, keys)).toThrow(
      /valid signatures did not meet threshold for targets\/releases/,
    );
  });

  it('does not count an invalid signature, even next to a valid one by the same key', () => {
    const sigs = [signature(k2, Buffer.from('other')), signature(k1), signature(k2)];
    expect(countValidSignatures(message, sigs, role, keys)).toMatchObject({ validKeyIds: [k1.id, k2.id], met: true });
    expect(countValidSignatures(message, sigs.slice(0, 2), role, keys).validKeyIds).toEqual([k1.id]);
  });

  it('ignores signatures whose sig is not strict base64 or whose method is wrong', () => {
    const good = signature(k2);
    const sigs = [signature(k1), { ...good, sig: good.sig.replace(/=+$/, '') }, { ...good, method: 'eddsa' }];
    expect(countValidSignatures(message, sigs, role, keys).validKeyIds).toEqual([k1.id]);
  });

  it('accepts the keys as a plain record', () => {
    const record = Object.fromEntries(keys);
    expect(verifyRoleSignatures('targets', message, [signature(k1), signature(k2)], role, record).validKeyIds).toHaveLength(2);
  });

  it('refuses a key whose ID does not match its content, as Go does (ErrInvalidKeyID)', () => {
    const swapped = new Map(keys);
    swapped.set(k2.id, k1.publicKey);
    const sigs = [signature(k1), signature(k2)];
    expect(countValidSignatures(message, sigs, role, swapped)).toMatchObject({ mismatchedKeyIds: [k2.id], met: false });
    expect(() => verifyRoleSignatures('targets', message, sigs, role, swapped)).toThrow(/does not match/);
  });

  it('refuses metadata without signatures and roles with threshold 0', () => {
    expect(() => verifyRoleSignatures('snapshot', message, [], role, keys)).toThrow('snapshot: metadata has no signatures');
    expect(() => verifyRoleSignatures('snapshot', message, [signature(k1)], { ...role, threshold: 0 }, keys)).toThrow(/threshold 0/);
    expect(countValidSignatures(message, [signature(k1)], { ...role, threshold: 0 }, keys).met).toBe(false);
  });

  it('verifies the captured targets file as a threshold-1 role', () => {
    const envelope = JSON.parse(CAPTURED_TARGETS) as { signed: unknown; signatures: SignatureJson[] };
    const targetsRole = { keyids: [CAPTURED_KEY.id], threshold: 1 };
    const keyMap = { [CAPTURED_KEY.id]: CAPTURED_KEY };
    expect(verifyRoleSignatures('targets', canonicalBytes(envelope.signed), envelope.signatures, targetsRole, keyMap).validKeyIds).toEqual([
      CAPTURED_KEY.id,
    ]);
    const tampered = { ...(envelope.signed as object), version: 3 };
    expect(() => verifyRoleSignatures('targets', canonicalBytes(tampered), envelope.signatures, targetsRole, keyMap)).toThrow(
      /did not meet threshold for targets \(0 of 1 required\)/,
    );
  });
});

describe('verifySignature: answers remembered across reads (bulk commands) stay exact', () => {
  it('a remembered answer is never given for another key, signature or message, small or large', () => {
    const [a, b] = [p256(), p256()];
    for (const size of [100, 300 << 10]) {
      const message = Buffer.alloc(size, 7);
      const sig = a.sign(message);
      for (let round = 0; round < 2; round++) {
        // The second round is answered from what the first one checked.
        expect(verifySignature(a.publicKey, 'ecdsa', sig, message)).toBe(true);
        expect(verifySignature(b.publicKey, 'ecdsa', sig, message)).toBe(false);
        expect(verifySignature(a.publicKey, 'ecdsa', flipped(sig, 3), message)).toBe(false);
        expect(verifySignature(a.publicKey, 'ecdsa', sig, flipped(message, size - 1))).toBe(false);
        expect(verifySignature(a.publicKey, 'rsapss', sig, message)).toBe(false);
      }
    }
  });
});
