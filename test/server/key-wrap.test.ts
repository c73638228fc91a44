// Server keys wrapped under one key-encryption key per process: a round trip per key type, a sealed
// key that does not open in another record, a wrong passphrase, records of the older format, the
// start-up check of many keys at the cost of one derivation, and replicas agreeing on one salt.
import { describe, expect, it } from 'vitest';
import { decodePem } from '../../src/keys/pem.js';
import { encodeKeyFile } from '../../src/keys/keyfile.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { WrongPassphraseError } from '../../src/keys/errors.js';
import { deriveKek, newKekParameters } from '../../src/server/key-wrap.js';
import { DamagedServerKeyError, Keyring, SERVER_KEY_PBKDF2_ITERATIONS, type NewServerKey } from '../../src/server/signer.js';
import type { ServerKeyRecord } from '../../src/server/stores/storage.js';
import { verifySignature } from '../../src/tuf/verify.js';

const PASSPHRASE = 'server passphrase';
const stored = (made: NewServerKey): ServerKeyRecord => ({ ...made.record, createdAt: new Date() });
const headersOf = (record: ServerKeyRecord) => decodePem(record.encryptedPrivateKey, 'record')[0]!.headers;

describe('wrapped server keys', () => {
  it.each(['ecdsa', 'ed25519'] as const)('a %s key wraps and opens in another key ring (another replica)', async (algorithm) => {
    const made = await new Keyring(PASSPHRASE, algorithm).newKey('example.com/app', 'timestamp');
    const record = stored(made);
    expect(record.encryptedPrivateKey).toMatch(/^-----BEGIN TRUST-TUI WRAPPED KEY-----\n/);
    expect(headersOf(record)).toMatchObject({
      kdf: 'pbkdf2-hmac-sha256',
      iterations: String(SERVER_KEY_PBKDF2_ITERATIONS),
      cipher: 'aes-256-gcm',
      role: 'timestamp',
      gun: 'example.com/app',
    });
    expect(Buffer.from(headersOf(record).salt!, 'base64')).toHaveLength(16);

    const opened = await new Keyring(PASSPHRASE).privateKey(record);
    expect(opened.publicKey.id).toBe(record.keyId);
    expect(opened.publicKey.keytype).toBe(made.key.publicKey.keytype);
    // It signs, and the public key the server published verifies it.
    const message = Buffer.from('signed by the reopened key');
    expect(verifySignature(made.key.publicKey, opened.method, opened.sign(message), message)).toBe(true);
  });

  it('a sealed key copied into another record (repository, role or key ID) does not open, and start-up names it', async () => {
    const keyring = new Keyring(PASSPHRASE);
    const a = stored(await keyring.newKey('example.com/a', 'timestamp'));
    const b = stored(await keyring.newKey('example.com/b', 'snapshot'));
    const moved: ServerKeyRecord[] = [
      { ...a, gun: 'example.com/other' },
      { ...a, role: 'snapshot' },
      { ...b, encryptedPrivateKey: a.encryptedPrivateKey }, // b's record (key ID, gun, role) with a's sealed key
    ];
    for (const record of moved) {
      const fresh = new Keyring(PASSPHRASE);
      await expect(fresh.privateKey(record)).rejects.toThrow(DamagedServerKeyError);
      await expect(fresh.checkPassphrase([a, record])).rejects.toThrow(
        `the ${record.role} key ${record.keyId.slice(0, 7)} of ${record.gun} does not open although the passphrase is right`,
      );
    }
    // One changed byte of the sealed key is found the same way.
    const pem = a.encryptedPrivateKey.split('\n');
    const body = pem.findIndex((line, i) => i > 0 && line === '') + 1;
    pem[body] = (pem[body]![0] === 'A' ? 'B' : 'A') + pem[body]!.slice(1);
    await expect(new Keyring(PASSPHRASE).checkPassphrase([{ ...a, encryptedPrivateKey: pem.join('\n') }])).rejects.toThrow(DamagedServerKeyError);
    // A header raised to make start-up derive for hours is refused before any derivation.
    const slow = new Keyring(PASSPHRASE);
    await expect(slow.checkPassphrase([{ ...a, encryptedPrivateKey: a.encryptedPrivateKey.replace(/^iterations: \d+$/m, 'iterations: 900000000') }])).rejects.toThrow(
      `the timestamp key ${a.keyId.slice(0, 7)} of example.com/a is not a wrapped key this server reads`,
    );
    expect(slow.derivations).toBe(0);
  });

  it('a wrong passphrase is refused for every wrapped key, not reported as damage', async () => {
    const keyring = new Keyring(PASSPHRASE);
    const records = [stored(await keyring.newKey('example.com/a', 'timestamp')), stored(await keyring.newKey('example.com/b', 'timestamp'))];
    const other = new Keyring('another passphrase');
    expect(await other.checkPassphrase(records)).toEqual(records);
    await expect(other.privateKey(records[0]!)).rejects.toThrow(WrongPassphraseError);
    expect(other.derivations).toBe(1);
  });

  it('keys stored in the older format (notary key files, PBES2) still open, beside wrapped ones', async () => {
    const strong = await generatePrivateKey('ecdsa');
    const notary = await generatePrivateKey('ecdsa');
    const legacy = async (key: typeof strong, gun: string, pem: string): Promise<ServerKeyRecord> => ({
      gun,
      role: 'timestamp',
      keyId: key.publicKey.id,
      keytype: key.publicKey.keytype,
      publicB64: key.publicKey.publicB64,
      encryptedPrivateKey: pem,
      createdAt: new Date(),
    });
    const records = [
      await legacy(strong, 'example.com/strong', await encodeKeyFile(strong, { role: 'timestamp', gun: 'example.com/strong' }, PASSPHRASE, { strongIterations: SERVER_KEY_PBKDF2_ITERATIONS })),
      await legacy(notary, 'example.com/notary', await encodeKeyFile(notary, { role: 'timestamp', gun: 'example.com/notary' }, PASSPHRASE)),
      stored(await new Keyring(PASSPHRASE).newKey('example.com/wrapped', 'timestamp')),
    ];
    const keyring = new Keyring(PASSPHRASE);
    expect(await keyring.checkPassphrase(records)).toEqual([]);
    expect((await keyring.privateKey(records[0]!)).publicKey.id).toBe(strong.publicKey.id);
    expect((await keyring.privateKey(records[1]!)).publicKey.id).toBe(notary.publicKey.id);
    expect(await new Keyring('another passphrase').checkPassphrase(records)).toEqual(records);
  });

  it('200 stored keys pass the start-up check after one key derivation', async () => {
    const maker = new Keyring(PASSPHRASE);
    const records = (await Promise.all(Array.from({ length: 200 }, (_, i) => maker.newKey(`example.com/repo-${i}`, i % 2 ? 'snapshot' : 'timestamp')))).map(stored);
    expect(maker.derivations).toBe(1); // a burst of 200 new keys in one process: one KEK

    const t0 = performance.now();
    await deriveKek(PASSPHRASE, newKekParameters(SERVER_KEY_PBKDF2_ITERATIONS));
    const oneDerivationMs = performance.now() - t0;

    const replica = new Keyring(PASSPHRASE);
    const t1 = performance.now();
    expect(await replica.checkPassphrase(records)).toEqual([]);
    const checkMs = performance.now() - t1;
    expect(replica.derivations).toBe(1);
    // Per key it is an AES-GCM open: the whole check is one derivation plus little (generous on a shared host).
    expect(checkMs, `check ${checkMs.toFixed(0)} ms, one derivation ${oneDerivationMs.toFixed(0)} ms`).toBeLessThan(oneDerivationMs * 2 + 1000);
    // The keys are decrypted: serving them derives nothing more.
    await replica.privateKey(records[199]!);
    expect(replica.derivations).toBe(1);
  });

  it('replicas converge on the salt of the stored keys', async () => {
    const first = new Keyring(PASSPHRASE);
    const existing = stored(await first.newKey('example.com/a', 'timestamp'));
    const salt = headersOf(existing).salt;

    // A replica started on that store wraps its new keys with the same salt: its KEK serves both.
    const replica = new Keyring(PASSPHRASE);
    expect(await replica.checkPassphrase([existing])).toEqual([]);
    const made = stored(await replica.newKey('example.com/b', 'timestamp'));
    expect(headersOf(made).salt).toBe(salt);
    expect(replica.derivations).toBe(1);

    // A worker process whose primary checked the keys learns the salt from the first stored key.
    const worker = new Keyring(PASSPHRASE);
    await worker.adoptStoredSalt([existing, made]);
    expect(headersOf(stored(await worker.newKey('example.com/c', 'timestamp'))).salt).toBe(salt);
    expect(worker.derivations).toBe(1);

    // Processes that started on an empty store look at it once before their first wrap: a key another
    // process stored meanwhile gives them its salt (the workers of one server, replicas started together).
    const store: ServerKeyRecord[] = [];
    const [workerA, workerB] = [new Keyring(PASSPHRASE, 'ecdsa', async () => store), new Keyring(PASSPHRASE, 'ecdsa', async () => store)];
    store.push(stored(await workerA.newKey('example.com/w1', 'timestamp')));
    const fromB = await Promise.all([workerB.newKey('example.com/w2', 'timestamp'), workerB.newKey('example.com/w3', 'timestamp')]);
    expect(fromB.map((made) => headersOf(stored(made)).salt)).toEqual([headersOf(store[0]!).salt, headersOf(store[0]!).salt]);
    expect(workerB.derivations).toBe(1);

    // Two replicas that both start on an empty store make two salts: a later start derives twice, no more.
    const racer = stored(await new Keyring(PASSPHRASE).newKey('example.com/d', 'timestamp'));
    expect(headersOf(racer).salt).not.toBe(salt);
    const later = new Keyring(PASSPHRASE);
    expect(await later.checkPassphrase([existing, made, racer])).toEqual([]);
    expect(later.derivations).toBe(2);
    expect(headersOf(stored(await later.newKey('example.com/e', 'timestamp'))).salt).toBe(salt); // the first stored key's
  });
});
