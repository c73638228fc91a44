import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { oid, octets, parseDer, sequence, smallInteger } from '../../src/keys/der.js';
import { KeyFileError, WrongPassphraseError } from '../../src/keys/errors.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeKeyFile, openKeyFile, parseKeyFile } from '../../src/keys/keyfile.js';
import { decodePem, encodePem } from '../../src/keys/pem.js';
import { decryptPrivateKeyInfo } from '../../src/keys/pkcs8.js';

const PASS = 'correct horse battery';

/** The public half as a node KeyObject, to verify signatures independently of PrivateKey. */
function nodePublicKey(key: PrivateKey): KeyObject {
  const pub = key.publicKey.publicBytes;
  if (key.algorithm !== 'ed25519') return createPublicKey({ key: pub, format: 'der', type: 'spki' });
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
}

/** True when `candidate` signs like `original`'s private key (checked with `original`'s public key). */
function signsAs(candidate: PrivateKey, original: PrivateKey): boolean {
  const msg = Buffer.from('{"signed":{}}');
  const sig = candidate.sign(msg);
  switch (original.algorithm) {
    case 'ecdsa':
      return verify('sha256', msg, { key: nodePublicKey(original), dsaEncoding: 'ieee-p1363' }, sig);
    case 'rsa':
      return verify('sha256', msg, { key: nodePublicKey(original), padding: 6, saltLength: 32 }, sig);
    case 'ed25519':
      return verify(null, msg, nodePublicKey(original), sig);
  }
}

const keys: Record<'ecdsa' | 'ed25519' | 'rsa', PrivateKey> = {} as never;
beforeAll(async () => {
  keys.ecdsa = await generatePrivateKey('ecdsa');
  keys.ed25519 = await generatePrivateKey('ed25519');
  keys.rsa = await generatePrivateKey('rsa', { rsaBits: 2048 });
});

describe.each(['ecdsa', 'ed25519', 'rsa'] as const)('%s key files', (algorithm) => {
  it('round-trip encrypted, keeping the key ID and signing ability', async () => {
    const key = keys[algorithm];
    const text = await encodeKeyFile(key, { role: 'targets', gun: 'example.com/app' }, PASS);
    expect(text.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----\ngun: example.com/app\nrole: targets\n\n')).toBe(true);
    const file = parseKeyFile(text, 'k.key');
    expect(file).toMatchObject({ encrypted: true, role: 'targets', gun: 'example.com/app' });
    const opened = await openKeyFile(file, PASS);
    expect(opened.id).toBe(key.id);
    expect(signsAs(opened, key)).toBe(true);
  });

  it('round-trip unencrypted as PRIVATE KEY when the passphrase is empty', async () => {
    const key = keys[algorithm];
    const text = await encodeKeyFile(key, { role: 'alice' }, '');
    const file = parseKeyFile(text, 'k.key');
    expect(file).toMatchObject({ type: 'PRIVATE KEY', encrypted: false, role: 'alice' });
    expect((await openKeyFile(file, 'ignored')).id).toBe(key.id);
  });

  it('rejects a wrong passphrase with WrongPassphraseError, every time', async () => {
    const key = keys[algorithm];
    const file = parseKeyFile(await encodeKeyFile(key, { role: 'root' }, PASS), 'k.key');
    // ~1 in 256 wrong passphrases yields valid CBC padding; those must not slip through either.
    for (let i = 0; i < 300; i++) {
      const error = await openKeyFile(file, `wrong ${i}`, key.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongPassphraseError);
    }
    const error = (await openKeyFile(file, 'nope', key.id).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`wrong passphrase for key ${key.id.slice(0, 7)}`);
  });
});

describe('notary byte layout', () => {
  it('matches notary\'s EncryptedPrivateKeyInfo for P-256 byte for byte, except salt, IV and ciphertext', async () => {
    // First 48 bytes of a key file written by notary 0.7 (captured).
    const notary = Buffer.from('MIHuMEkGCSqGSIb3DQEFDTA8MBsGCSqGSIb3DQEFDDAOBAhmQp/JFytQPgICCAAw', 'base64');
    const ours = parseKeyFile(await encodeKeyFile(keys.ecdsa, { role: 'targets', gun: 'g' }, PASS), 'k').bytes;
    expect(ours.length).toBe(0xee + 3);
    const salt = [35, 43]; // the 8 salt bytes differ by design
    expect(ours.subarray(0, salt[0])).toEqual(notary.subarray(0, salt[0]));
    expect(ours.subarray(salt[1], notary.length)).toEqual(notary.subarray(salt[1]));
  });

  it('uses version 1 and a curve OID in the inner EC PKCS#8, with the SEC1 key carrying curve and public key', async () => {
    const file = parseKeyFile(await encodeKeyFile(keys.ecdsa, { role: 'root' }, PASS), 'k');
    const [version, algorithm, key] = sequence(parseDer(await decryptPrivateKeyInfo(file.bytes, PASS), 'pkcs8'), 'pkcs8');
    expect(smallInteger(version, 'v')).toBe(1);
    expect(sequence(algorithm, 'alg').map((n) => oid(n, 'oid'))).toEqual(['1.2.840.10045.2.1', '1.2.840.10045.3.1.7']);
    expect(sequence(parseDer(octets(key, 'k'), 'sec1'), 'sec1').map((n) => n.tag)).toEqual([0x02, 0x04, 0xa0, 0xa1]);
  });

  it('writes RSA without the NULL parameter and version 0', async () => {
    const file = parseKeyFile(await encodeKeyFile(keys.rsa, { role: 'root' }, ''), 'k');
    const [version, algorithm] = sequence(parseDer(file.bytes, 'pkcs8'), 'pkcs8');
    expect(smallInteger(version, 'v')).toBe(0);
    expect(sequence(algorithm, 'alg').map((n) => oid(n, 'oid'))).toEqual(['1.2.840.113549.1.1.1']);
  });

  it('writes ed25519 in notary\'s layout: OID 1.3.6.1.4.1.11591.15.1 around public || seed || public', async () => {
    const key = keys.ed25519;
    const file = parseKeyFile(await encodeKeyFile(key, { role: 'alice' }, ''), 'k');
    const [, algorithm, raw] = sequence(parseDer(file.bytes, 'pkcs8'), 'pkcs8');
    expect(sequence(algorithm, 'alg').map((n) => oid(n, 'oid'))).toEqual(['1.3.6.1.4.1.11591.15.1']);
    const m = key.material as { seed: Uint8Array; publicKey: Uint8Array };
    expect(octets(raw, 'raw')).toEqual(Buffer.concat([m.publicKey, m.seed, m.publicKey]));
  });
});

describe('reading keys other tools wrote', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const idOf = (k: KeyObject) => PrivateKey.fromKeyObject(k).id;
  // Damage is found when the file is parsed, before any passphrase: both steps count as opening.
  const open = async (pem: string, passphrase = '') => openKeyFile(parseKeyFile(pem, 'k.pem'), passphrase);

  it.each([
    ['standard PKCS#8 EC (version 0)', () => ec.export({ format: 'pem', type: 'pkcs8' }) as string, ec],
    ['SEC1 EC PRIVATE KEY', () => ec.export({ format: 'pem', type: 'sec1' }) as string, ec],
    ['PKCS#1 RSA PRIVATE KEY', () => rsa.export({ format: 'pem', type: 'pkcs1' }) as string, rsa],
    ['RFC 8410 ed25519 PKCS#8', () => ed.export({ format: 'pem', type: 'pkcs8' }) as string, ed],
  ])('reads %s', async (_name, pem, key) => {
    expect((await open(pem())).id).toBe(idOf(key));
  });

  it.each(['aes-256-cbc', 'aes-128-cbc', 'aes-192-cbc'])('reads PBES2 with HMAC-SHA256 and %s (OpenSSL 3 default PRF)', async (cipher) => {
    const pem = ec.export({ format: 'pem', type: 'pkcs8', cipher, passphrase: PASS }) as string;
    expect((await open(pem, PASS)).id).toBe(idOf(ec));
    await expect(open(pem, 'wrong')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it.each([
    ['EC', ec, 'sec1', 'aes-256-cbc'],
    ['EC', ec, 'sec1', 'des-ede3-cbc'],
    ['RSA', rsa, 'pkcs1', 'aes-128-cbc'],
  ] as const)('reads legacy Proc-Type/DEK-Info %s keys (%s, %s)', async (_name, key, type, cipher) => {
    const pem = key.export({ format: 'pem', type, cipher, passphrase: PASS }) as string;
    expect(pem).toContain('Proc-Type: 4,ENCRYPTED');
    const file = parseKeyFile(pem, 'k.pem');
    expect(file.encrypted).toBe(true);
    expect((await openKeyFile(file, PASS)).id).toBe(idOf(key));
    for (let i = 0; i < 300; i++) {
      await expect(openKeyFile(file, `wrong ${i}`)).rejects.toBeInstanceOf(WrongPassphraseError);
    }
  });

  it('reads notary\'s ED25519 PRIVATE KEY block (96 raw bytes)', async () => {
    const key = keys.ed25519;
    const m = key.material as { seed: Uint8Array; publicKey: Uint8Array };
    const pem = encodePem({ type: 'ED25519 PRIVATE KEY', headers: { role: 'timestamp' }, bytes: Buffer.concat([m.publicKey, m.seed, m.publicKey]) });
    expect((await open(pem)).id).toBe(key.id);
  });

  it('refuses an ed25519 key whose public half does not match its seed', async () => {
    const m = keys.ed25519.material as { seed: Uint8Array; publicKey: Uint8Array };
    const other = Buffer.alloc(32, 7);
    const pem = encodePem({ type: 'ED25519 PRIVATE KEY', headers: {}, bytes: Buffer.concat([other, m.seed, other]) });
    await expect(open(pem)).rejects.toThrow('k.pem: ed25519 private key: public key does not match the seed');
  });

  it('skips the EC PARAMETERS block openssl ecparam writes first (notary#1475)', async () => {
    const params = encodePem({ type: 'EC PARAMETERS', headers: {}, bytes: Buffer.from('06082a8648ce3d030107', 'hex') });
    expect((await open(params + (ec.export({ format: 'pem', type: 'sec1' }) as string))).id).toBe(idOf(ec));
  });

  it('says so when given a public key', () => {
    const pub = createPublicKey(ec).export({ format: 'pem', type: 'spki' }) as string;
    expect(() => parseKeyFile(pub, 'alice.pub')).toThrow('alice.pub: holds a public key or certificate, not a private key');
  });

  it('names unsupported encryption instead of blaming the passphrase', async () => {
    const pem = ec.export({ format: 'pem', type: 'pkcs8', cipher: 'des-ede3-cbc', passphrase: PASS }) as string;
    const error = await open(pem, PASS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toMatch(/^k\.pem: unsupported key cipher 3DES-CBC \(1\.2\.840\.113549\.3\.7\); only AES-CBC is supported$/);
  });

  it('reports corrupted DER as a KeyFileError naming the file, without key bytes', async () => {
    const good = await encodeKeyFile(keys.ecdsa, { role: 'root' }, PASS);
    const block = decodePem(good, 'k')[0]!;
    const truncated = encodePem({ ...block, bytes: block.bytes.subarray(0, 100) });
    const error = (await open(truncated, PASS).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(KeyFileError);
    expect(error.message).toBe('k.pem: the key is damaged or truncated (EncryptedPrivateKeyInfo: truncated DER)');
  });
});
