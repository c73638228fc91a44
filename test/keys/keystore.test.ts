import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { writeFileAtomic } from '../../src/keys/atomic-write.js';
import {
  KeyConflictError,
  KeyFileError,
  KeyNotFoundError,
  KeyStoreError,
  WrongPassphraseError,
} from '../../src/keys/errors.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeKeyFile } from '../../src/keys/keyfile.js';
import { KeyStore } from '../../src/keys/keystore.js';
import { EnvPassphraseSource, ScriptedPassphraseSource, type PassphraseRequest } from '../../src/keys/passphrase.js';
import { scratchDir } from './fixtures.js';

const PASS = 'store-passphrase';
const always = (p: string) => new ScriptedPassphraseSource(() => p);
const mode = (path: string) => statSync(path).mode & 0o777;

let alice: PrivateKey;
let bob: PrivateKey;
beforeAll(async () => {
  alice = await generatePrivateKey('ecdsa');
  bob = await generatePrivateKey('ed25519');
});

describe('KeyStore.store', () => {
  it('writes private/<id>.key with mode 0600 in 0700 directories, notary\'s headers, and nothing else', async () => {
    const trustDir = join(scratchDir(), 'trust');
    const store = new KeyStore(trustDir);
    const stored = await store.store(alice, { role: 'targets', gun: 'example.com/app' }, PASS);
    expect(stored).toEqual({
      id: alice.id,
      role: 'targets',
      gun: 'example.com/app',
      path: join(trustDir, 'private', `${alice.id}.key`),
      encrypted: true,
      legacy: false,
    });
    expect(mode(trustDir)).toBe(0o700);
    expect(mode(join(trustDir, 'private'))).toBe(0o700);
    expect(mode(stored.path)).toBe(0o600);
    expect(readdirSync(join(trustDir, 'private'))).toEqual([`${alice.id}.key`]);
    expect(readFileSync(stored.path, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\ngun: example.com\/app\nrole: targets\n\n/);
  });

  it.each([
    ['root', 'example.com/app'],
    ['targets/releases', 'example.com/app'],
    ['alice', 'example.com/app'],
  ])('writes no gun header for %s keys', async (role, gun) => {
    const store = new KeyStore(scratchDir());
    const stored = await store.store(alice, { role, gun }, PASS);
    expect(stored.gun).toBeUndefined();
    expect(readFileSync(stored.path, 'utf8').split('\n').slice(1, 3)).toEqual([`role: ${role}`, '']);
  });

  it('requires a GUN for targets, snapshot and timestamp keys', async () => {
    await expect(new KeyStore(scratchDir()).store(alice, { role: 'snapshot' }, PASS)).rejects.toBeInstanceOf(KeyStoreError);
  });

  it('writes an unencrypted PRIVATE KEY for an empty passphrase, which unlocks without asking', async () => {
    const dir = scratchDir();
    const stored = await new KeyStore(dir).store(alice, { role: 'alice' }, '');
    expect(stored.encrypted).toBe(false);
    expect(readFileSync(stored.path, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    const source = new ScriptedPassphraseSource(() => {
      throw new Error('must not ask');
    });
    expect((await new KeyStore(dir).unlock(alice.id, source)).id).toBe(alice.id);
  });

  it('re-storing the same key rewrites its headers, as docker does', async () => {
    const dir = scratchDir();
    await new KeyStore(dir).store(alice, { role: 'judy' }, PASS);
    const again = await new KeyStore(dir).store(alice, { role: 'alice' }, PASS);
    expect(again.role).toBe('alice');
    expect((await new KeyStore(dir).list()).map((k) => k.role)).toEqual(['alice']);
  });

  it('does not replace a file encrypted with another passphrase unless given that passphrase', async () => {
    const dir = scratchDir();
    const first = await new KeyStore(dir).store(alice, { role: 'alice' }, PASS);
    const before = readFileSync(first.path);
    await expect(new KeyStore(dir).store(alice, { role: 'alice' }, 'new-passphrase')).rejects.toThrow(
      /already exists with another passphrase/,
    );
    expect(readFileSync(first.path)).toEqual(before);
    await new KeyStore(dir).store(alice, { role: 'alice' }, 'new-passphrase', { currentPassphrase: PASS });
    expect((await new KeyStore(dir).unlock(alice.id, always('new-passphrase'))).id).toBe(alice.id);
  });

  it('refuses to overwrite a file that holds a different key under the same ID', async () => {
    const dir = scratchDir();
    const path = join(dir, 'private', `${alice.id}.key`);
    mkdirSync(join(dir, 'private'), { recursive: true });
    const foreign = await encodeKeyFile(bob, { role: 'alice' }, PASS);
    writeFileSync(path, foreign, { mode: 0o600 });
    const error = await new KeyStore(dir).store(alice, { role: 'alice' }, PASS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyConflictError);
    expect((error as Error).message).toContain(`already holds a different key (${bob.id.slice(0, 7)})`);
    expect(readFileSync(path, 'utf8')).toBe(foreign);
  });

  it('refuses to overwrite an unreadable file at the key\'s path', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'private'));
    writeFileSync(join(dir, 'private', `${alice.id}.key`), 'garbage');
    await expect(new KeyStore(dir).store(alice, { role: 'alice' }, PASS)).rejects.toThrow(/is not a readable key file \(no PEM block found\)/);
  });
});

describe('KeyStore lookups', () => {
  it('lists keys sorted by role with their headers, and finds them by ID prefix or role', async () => {
    const dir = scratchDir();
    const store = new KeyStore(dir);
    await store.store(bob, { role: 'targets', gun: 'example.com/app' }, PASS);
    await store.store(alice, { role: 'alice' }, '');
    const list = await new KeyStore(dir).list();
    expect(list.map((k) => [k.role, k.gun, k.encrypted])).toEqual([
      ['alice', undefined, false],
      ['targets', 'example.com/app', true],
    ]);
    expect((await store.find(bob.id.slice(0, 6))).map((k) => k.id)).toEqual([bob.id]);
    expect((await store.find('alice')).map((k) => k.id)).toEqual([alice.id]);
    expect(await store.has(alice.id)).toBe(true);
    expect(await store.has('0'.repeat(64))).toBe(false);
    expect(await store.get(alice.id)).toMatchObject({ role: 'alice' });
  });

  it('lists an unreadable key file with the problem instead of failing', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'private'));
    writeFileSync(join(dir, 'private', `${'a'.repeat(64)}.key`), '-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: root\n\nAAAA\n');
    const [key] = await new KeyStore(dir).list();
    expect(key).toMatchObject({ id: 'a'.repeat(64), problem: expect.stringMatching(/^truncated PEM/) });
    const refused = new KeyStore(dir).unlock('a'.repeat(64), always(PASS));
    await expect(refused).rejects.toBeInstanceOf(KeyFileError);
    // Which key, and what to do about it: a damaged file otherwise stops a sign with the parser's words alone.
    const e = (await refused.catch((err: KeyFileError) => err)) as KeyFileError;
    expect(e.message).toContain('stored key aaaaaaa cannot be read: truncated PEM');
    expect(JSON.stringify(e.hint)).toContain('restore the file from a backup');
  });

  it('lists nothing for a trust directory that does not exist yet', async () => {
    expect(await new KeyStore(join(scratchDir(), 'missing')).list()).toEqual([]);
  });

  it('reads notary\'s legacy layouts (root_keys/, tuf_keys/<gun>/)', async () => {
    const dir = scratchDir();
    const rootDir = join(dir, 'private', 'root_keys');
    const tufDir = join(dir, 'private', 'tuf_keys', 'example.com', 'app');
    mkdirSync(rootDir, { recursive: true });
    mkdirSync(tufDir, { recursive: true });
    // Pre-0.4 files had no role/gun headers: the name and directory carried them.
    writeFileSync(join(rootDir, `${alice.id}_root.key`), (await encodeKeyFile(alice, { role: 'root' }, PASS)).replace('role: root\n\n', ''));
    writeFileSync(join(tufDir, `${bob.id}_targets.key`), (await encodeKeyFile(bob, { role: 'x' }, PASS)).replace('role: x\n\n', ''));
    const store = new KeyStore(dir);
    expect((await store.list()).map((k) => [k.id, k.role, k.gun, k.legacy])).toEqual([
      [alice.id, 'root', undefined, true],
      [bob.id, 'targets', 'example.com/app', true],
    ]);
    const requests: PassphraseRequest[] = [];
    const key = await store.unlock(bob.id, new ScriptedPassphraseSource((r) => (requests.push(r), PASS)));
    expect(key.id).toBe(bob.id);
    expect(requests[0]).toMatchObject({ role: 'targets', gun: 'example.com/app' });
  });

  it('removes a key', async () => {
    const dir = scratchDir();
    const store = new KeyStore(dir);
    const stored = await store.store(alice, { role: 'alice' }, PASS);
    expect((await store.remove(alice.id)).path).toBe(stored.path);
    expect(await store.list()).toEqual([]);
    await expect(store.remove(alice.id)).rejects.toBeInstanceOf(KeyNotFoundError);
  });
});

describe('KeyStore.unlock', () => {
  it('asks again after a wrong passphrase, at most 3 times, and leaves the file unchanged', async () => {
    const dir = scratchDir();
    const stored = await new KeyStore(dir).store(alice, { role: 'targets', gun: 'example.com/app' }, PASS);
    const before = readFileSync(stored.path);
    const asked: PassphraseRequest[] = [];
    const wrong = new ScriptedPassphraseSource((r) => (asked.push(r), 'wrong'));
    const error = (await new KeyStore(dir).unlock(alice.id, wrong).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WrongPassphraseError);
    expect(error.message).toBe(`wrong passphrase for key ${alice.id.slice(0, 7)}`);
    expect(asked.map((r) => [r.attempt, r.purpose, r.role, r.gun, r.keyId])).toEqual(
      [0, 1, 2].map((n) => [n, 'unlock', 'targets', 'example.com/app', alice.id]),
    );
    expect(readFileSync(stored.path)).toEqual(before);

    const answers = ['wrong', 'wrong', PASS];
    const third = new ScriptedPassphraseSource((r) => answers[r.attempt]!);
    expect((await new KeyStore(dir).unlock(alice.id, third)).id).toBe(alice.id);
  });

  it('tries an environment passphrase once and names the variable when it is wrong', async () => {
    const dir = scratchDir();
    await new KeyStore(dir).store(alice, { role: 'alice' }, PASS);
    const env = new EnvPassphraseSource({ NOTARY_DELEGATION_PASSPHRASE: 'wrong' });
    await expect(new KeyStore(dir).unlock(alice.id, env)).rejects.toThrow(
      `wrong passphrase for key ${alice.id.slice(0, 7)} (from NOTARY_DELEGATION_PASSPHRASE)`,
    );
  });

  it('keeps unlocked keys for the life of the store', async () => {
    const dir = scratchDir();
    await new KeyStore(dir).store(alice, { role: 'alice' }, PASS);
    const store = new KeyStore(dir);
    let asked = 0;
    const source = new ScriptedPassphraseSource(() => (asked++, PASS));
    await store.unlock(alice.id, source);
    await store.unlock(alice.id, source);
    expect(asked).toBe(1);
  });

  it('reports an unknown key as not found', async () => {
    await expect(new KeyStore(scratchDir()).unlock('f'.repeat(64), always(PASS))).rejects.toBeInstanceOf(KeyNotFoundError);
  });

  it('refuses a file whose key does not match its name', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'private'));
    const path = join(dir, 'private', `${alice.id}.key`);
    writeFileSync(path, await encodeKeyFile(bob, { role: 'alice' }, PASS));
    await expect(new KeyStore(dir).unlock(alice.id, always(PASS))).rejects.toThrow(
      `${path}: holds key ${bob.id.slice(0, 7)}, not ${alice.id.slice(0, 7)} as its name says`,
    );
  });
});

describe('writeFileAtomic', () => {
  it('leaves no temporary file behind when the final rename fails', async () => {
    const dir = scratchDir();
    const target = join(dir, 'k.key');
    mkdirSync(target);
    writeFileSync(join(target, 'occupied'), 'x'); // renaming a file over a non-empty directory fails
    await expect(writeFileAtomic(target, 'secret')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['k.key']);
  });

  it('replaces an existing file and sets mode 0600', async () => {
    const dir = scratchDir();
    const target = join(dir, 'k.key');
    writeFileSync(target, 'old', { mode: 0o644 });
    await writeFileAtomic(target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(mode(target)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['k.key']);
  });
});
