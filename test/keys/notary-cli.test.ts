// Interop with the real notary 0.7 CLI on a shared trust directory: it lists and decrypts the key
// files we write, and we read the ones it writes.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { KeyStore } from '../../src/keys/keystore.js';
import { EnvPassphraseSource } from '../../src/keys/passphrase.js';
import { run, scratchDir } from './fixtures.js';
import { requireBinary } from '../helpers/proc.js';

const notary = (dir: string, args: string[], env: Record<string, string> = {}) =>
  run('notary', [...args, '-d', dir], { env: { PATH: process.env.PATH, HOME: dir, ...env }, input: '' });

describe('notary CLI interop', () => {
  beforeAll(() => {
    requireBinary('notary');
  });

  it('notary key list shows the keys we store, with role and GUN', async () => {
    const dir = scratchDir();
    const store = new KeyStore(dir);
    const targets = await store.store(await generatePrivateKey('ecdsa'), { role: 'targets', gun: 'example.com/app' }, 'pass-targets');
    const signer = await store.store(await generatePrivateKey('ed25519'), { role: 'alice', gun: 'ignored/for/signers' }, 'pass-alice');
    const root = await store.store(await generatePrivateKey('ecdsa'), { role: 'root' }, 'pass-root');
    const rows = notary(dir, ['key', 'list'])
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.some((c) => /^[0-9a-f]{64}$/.test(c)));
    expect(rows.map((cols) => cols.slice(0, -1)).sort()).toEqual(
      [
        ['targets', 'example.com/app', targets.id],
        ['alice', signer.id],
        ['root', root.id],
      ].sort(),
    );
  });

  it.each(['ecdsa', 'ed25519', 'rsa'] as const)(
    'notary decrypts our %s key file (key passwd) and we read the file notary rewrites',
    async (algorithm) => {
      const dir = scratchDir();
      const key = await generatePrivateKey(algorithm, { rsaBits: 2048 });
      const stored = await new KeyStore(dir).store(key, { role: 'targets', gun: 'example.com/app' }, 'pass-targets');
      const ours = readFileSync(stored.path, 'utf8');
      // passwd decrypts with the old passphrase and re-encrypts with the new one (both from the variable).
      expect(() => notary(dir, ['key', 'passwd', key.id], { NOTARY_TARGETS_PASSPHRASE: 'wrong-pass' })).toThrow(
        /could not retrieve local key/,
      );
      notary(dir, ['key', 'passwd', key.id], { NOTARY_TARGETS_PASSPHRASE: 'pass-targets' });
      expect(readFileSync(stored.path, 'utf8')).not.toBe(ours); // new salt and IV: notary wrote it
      const env = new EnvPassphraseSource({ NOTARY_TARGETS_PASSPHRASE: 'pass-targets' });
      expect((await new KeyStore(dir).unlock(key.id, env)).id).toBe(key.id);
    },
  );

  it('we list and unlock keys notary generates (root and delegation)', async () => {
    const dir = scratchDir();
    const env = { NOTARY_ROOT_PASSPHRASE: 'pass-root', NOTARY_DELEGATION_PASSPHRASE: 'pass-deleg' };
    const rootId = /keyID: ([0-9a-f]{64})/.exec(notary(dir, ['key', 'generate', 'ecdsa'], env))![1]!;
    const delegId = /keyID: ([0-9a-f]{64})/.exec(notary(dir, ['key', 'generate', 'ecdsa', '-r', 'targets/releases'], env))![1]!;
    const store = new KeyStore(dir);
    expect((await store.list()).map((k) => [k.role, k.id, k.encrypted])).toEqual([
      ['root', rootId, true],
      ['targets/releases', delegId, true],
    ]);
    const source = new EnvPassphraseSource(env);
    expect((await store.unlock(rootId, source)).id).toBe(rootId);
    expect((await store.unlock(delegId, source)).id).toBe(delegId);
  });
});
