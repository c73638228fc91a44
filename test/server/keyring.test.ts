import { pbkdf2 } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/server/signer.js';
import type { ServerKeyRecord } from '../../src/server/stores/storage.js';

const KEYS = 6;

async function storedKeys(count: number): Promise<ServerKeyRecord[]> {
  const maker = new Keyring('passphrase');
  const made = await Promise.all(Array.from({ length: count }, (_, i) => maker.newKey(`example.com/app-${i}`, 'timestamp')));
  return made.map((m) => ({ ...m.record, createdAt: new Date() }));
}

/** A thread-pool job as small as the PostgreSQL driver's SCRAM step (PBKDF2 with few iterations). */
function smallThreadPoolJob(): Promise<void> {
  return new Promise((resolve, reject) => pbkdf2('password', 'salt', 1, 32, 'sha256', (err) => (err ? reject(err) : resolve())));
}

describe('server keyring', () => {
  it('leaves libuv thread-pool room for other work while many keys are opened at once', async () => {
    const records = await storedKeys(KEYS);
    const keyring = new Keyring('passphrase');
    let opened = 0;
    const opening = records.map((r) => keyring.privateKey(r).then(() => opened++));
    // Unlimited, all four pool threads would run 600k-iteration derivations and this job would
    // wait for at least four of them (the driver's connection attempts then timed out).
    await smallThreadPoolJob();
    const openedWhenJobDone = opened;
    await Promise.all(opening);
    expect(openedWhenJobDone).toBeLessThan(2);
    expect(opened).toBe(KEYS);
  }, 60_000);

  it('opens a key once when many requests need it at the same time', async () => {
    const [record] = await storedKeys(1);
    const keyring = new Keyring('passphrase');
    const keys = await Promise.all(Array.from({ length: 5 }, () => keyring.privateKey(record!)));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]!.id).toBe(record!.keyId);
  }, 60_000);

  it('a wrong passphrase fails every concurrent request for the key, and a later one tries again', async () => {
    const [record] = await storedKeys(1);
    const wrong = new Keyring('wrong passphrase');
    const results = await Promise.allSettled([wrong.privateKey(record!), wrong.privateKey(record!)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(wrong.privateKey(record!)).rejects.toThrow();
  }, 60_000);
});
