// The adapter over the real keystore and settings (what the UI runs on today).
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedPassphraseSource, type PassphraseRequest } from '../../src/keys/passphrase.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { makePki } from '../helpers/pki.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-services-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function answering(asked: PassphraseRequest[], value = 'correct-horse') {
  return { passphrases: new ScriptedPassphraseSource((req) => (asked.push(req), value)) };
}

describe('trust services over the keystore', () => {
  it('generates a key, lists it with its type, and reads its .pub file', async () => {
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') });
    const asked: PassphraseRequest[] = [];
    const made = await services.generateKey('alice', 'ed25519', dir, answering(asked));
    expect(asked).toMatchObject([{ role: 'alice', purpose: 'new' }]);
    expect(made.publicKeyFile).toBe(join(dir, 'alice.pub'));
    expect(await services.listKeys()).toEqual([{ id: made.id, role: 'alice', type: 'ed25519', trustedBy: [], tagsSigned: 0 }]);
    const preview = await services.inspectKeyFile(made.publicKeyFile);
    expect(preview).toMatchObject({ kind: 'public', role: 'alice', type: 'ed25519', id: made.id });
  });

  it('says which path cannot be previewed and why (a directory, a missing file)', async () => {
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') });
    await expect(services.inspectKeyFile(dir)).rejects.toThrow(`key file ${dir} is a directory, not a file`);
    await expect(services.inspectKeyFile(join(dir, 'nope.pem'))).rejects.toThrow(`key file ${join(dir, 'nope.pem')} does not exist`);
  });

  it('previews an encrypted private key without a passphrase, then imports it into another trust dir', async () => {
    const first = createTrustServices({ trustDir: join(dir, 'a'), configDir: join(dir, 'cfg-a') });
    const made = await first.generateKey('bob', 'ecdsa', dir, answering([]));
    const file = join(dir, 'bob.key');
    await copyFile(join(dir, 'a', 'private', `${made.id}.key`), file);
    await chmod(file, 0o600);

    const second = createTrustServices({ trustDir: join(dir, 'b'), configDir: join(dir, 'cfg-b') });
    expect(await second.inspectKeyFile(file)).toEqual({ path: file, kind: 'private', role: 'bob', encrypted: true });
    const asked: PassphraseRequest[] = [];
    const imported = await second.importKey(file, undefined, answering(asked));
    expect(imported).toEqual({ id: made.id, role: 'bob', type: 'ecdsa' });
    expect(asked.map((r) => r.purpose)).toEqual(['unlock', 'new']);
    expect((await second.listKeys()).map((k) => k.id)).toEqual([made.id]);
  });

  it('edits settings: TOFU, servers, pins, watched repositories', async () => {
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') });
    expect(await services.readConfig()).toMatchObject({ tofu: true, servers: [], pins: [], watched: [] });
    await services.updateConfig({ kind: 'tofu', enabled: false });
    await services.updateConfig({ kind: 'server', prefix: 'example.com/*', url: 'https://notary.example.com' });
    const pki = await makePki(join(dir, 'pki'));
    await services.updateConfig({ kind: 'pin', prefix: 'example.com/app', files: [pki.caCert] });
    const view = await services.updateConfig({ kind: 'watch', gun: 'example.com/app' });
    expect(view).toMatchObject({
      tofu: false,
      servers: [{ prefix: 'example.com/*', url: 'https://notary.example.com' }],
      pins: [{ prefix: 'example.com/app', certs: [], ca: expect.stringContaining('BEGIN CERTIFICATE') }],
      watched: ['example.com/app'],
    });
    const onDisk = JSON.parse(await readFile(join(dir, 'cfg', 'config.json'), 'utf8'));
    expect(onDisk).toMatchObject({ tofu: false, watched: ['example.com/app'] });
    expect((await services.updateConfig({ kind: 'server', prefix: 'example.com/*', url: null })).servers).toEqual([]);
  });

  it('lists watched repositories, with the cause when one cannot be read', async () => {
    const env = { DOCKER_CONTENT_TRUST_SERVER: 'https://127.0.0.1:9' };
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env });
    expect(await services.listRepositories()).toEqual([]);
    await services.updateConfig({ kind: 'watch', gun: 'registry.example.com/team/app' });
    const [row] = await services.listRepositories();
    expect(row).toMatchObject({ gun: 'registry.example.com/team/app', source: 'watched', state: 'error', tagCount: 0 });
    expect(row!.problem).toMatch(/cannot reach|ECONNREFUSED/);
  });
});
