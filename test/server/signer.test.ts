// The server's key ring: PBKDF2 at 600k iterations costs about half a second of a thread-pool thread
// per key, so bursts of key work must neither repeat it nor take the whole pool.
import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/server/signer.js';

describe('server key ring', () => {
  it('a burst of new server keys leaves thread-pool threads to other work (database logins, file IO)', async () => {
    const keyring = new Keyring('passphrase');
    const t0 = performance.now();
    await keyring.newKey('example.com/warm-up', 'timestamp');
    const oneKeyMs = performance.now() - t0;

    // One key ring derives its key-encryption key once; eight (as eight salts, or legacy keys) derive eight times.
    const burst = Promise.all(Array.from({ length: 8 }, (_, i) => new Keyring('passphrase').newKey(`example.com/burst-${i}`, 'timestamp')));
    await new Promise((resolve) => setTimeout(resolve, 30)); // the burst's derivations are queued by now
    const t1 = performance.now();
    await promisify(pbkdf2)('other work', 'salt', 1, 32, 'sha256'); // any small thread-pool job
    const otherWorkMs = performance.now() - t1;
    await burst;
    expect(otherWorkMs, `a small job waited ${otherWorkMs.toFixed(0)} ms; one key takes ${oneKeyMs.toFixed(0)} ms`).toBeLessThan(oneKeyMs / 2);
  });

  it('concurrent first uses of a stored key decrypt it once', async () => {
    const made = await new Keyring('passphrase').newKey('example.com/app', 'timestamp');
    const record = { ...made.record, createdAt: new Date() };
    const fresh = new Keyring('passphrase'); // as another replica, which has not decrypted it yet
    const keys = await Promise.all(Array.from({ length: 4 }, () => fresh.privateKey(record)));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]!.publicKey.id).toBe(record.keyId);
    expect(fresh.derivations).toBe(1);
  });
});
