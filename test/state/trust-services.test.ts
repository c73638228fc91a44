// The adapter over the real keystore and settings (what the UI runs on today).
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedPassphraseSource, type PassphraseRequest } from '../../src/keys/passphrase.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { buildWithRootCertificate, publishBuilt } from '../helpers/root-certificate-repo.js';
import { startTestServer } from '../server/server-harness.js';
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

  it('a .pub written by another process while the passphrase was asked: refused in words, the new key not kept', async () => {
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg') });
    const pub = join(dir, 'carl.pub');
    // The other `key generate carl` finishes while this one waits for its passphrase.
    const racing = { passphrases: new ScriptedPassphraseSource(async () => (await writeFile(pub, 'the other one'), 'correct-horse')) };
    await expect(services.generateKey('carl', 'ecdsa', dir, racing)).rejects.toThrow(
      `public key file already exists: "${pub}" (written meanwhile by another process); the new key was not kept`,
    );
    expect(await readFile(pub, 'utf8')).toBe('the other one');
    expect(await services.listKeys()).toEqual([]);
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

describe('trust services over a repository whose root certificate is not valid yet', () => {
  it('the Repositories and Tags screens refuse it as notary does, naming the repair; nothing shows as verified', async () => {
    const server = await startTestServer();
    try {
      const gun = 'registry.example.test/team/future';
      const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [await readFile(server.caFile!, 'utf8')] } });
      const valid = await buildWithRootCertificate(client, gun, { from: new Date(), seconds: 10 * 365 * 86_400 });
      await publishBuilt(client, gun, valid);
      // This host's cache holds a root of the same repository whose certificate starts in two days.
      const future = await buildWithRootCertificate(client, gun, { from: new Date(Date.now() + 2 * 86_400_000), seconds: 10 * 365 * 86_400 }, valid);
      const metadata = join(dir, 'trust', 'tuf', gun, 'metadata');
      await mkdir(metadata, { recursive: true });
      await writeFile(join(metadata, 'root.json'), future.files.get('root')!);

      const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env: {} });
      await services.updateConfig({ kind: 'server', prefix: 'registry.example.test/*', url: server.url, ca: server.caFile! });
      const [row] = await services.listRepositories();
      expect(row).toMatchObject({ gun, state: 'error', tagCount: 0 });
      expect(row!.problem).toContain('could not validate the path to a trusted root');
      expect(row!.problem).toContain('is not valid until');
      // The hint: the certificate's start, this machine's clock, and the lighter repair.
      expect(row!.problem).toMatch(new RegExp(`the root certificate of ${gun} is valid from \\S+Z and this machine's clock says \\S+Z: set this machine's clock right if it is wrong`));
      expect(row!.problem).toContain(`\`trust-tui renew ${gun}\``);
      await expect(services.listTags(gun)).rejects.toThrow(/could not validate the path to a trusted root/);
    } finally {
      await server.stop();
    }
  });

  it('a cached repository whose root certificate expires is shown as refused from then on, not as verified', async () => {
    const server = await startTestServer();
    try {
      const gun = 'registry.example.test/team/expiring';
      const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [await readFile(server.caFile!, 'utf8')] } });
      const built = await buildWithRootCertificate(client, gun, { from: new Date(Date.now() - 60_000), seconds: 65 });
      await publishBuilt(client, gun, built);
      const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env: {} });
      await services.updateConfig({ kind: 'server', prefix: 'registry.example.test/*', url: server.url, ca: server.caFile! });
      await services.updateConfig({ kind: 'watch', gun });
      expect((await services.listTags(gun)).rows.map((t) => [t.tag, t.verified])).toEqual([['v1', true]]);
      const [before] = await services.listRepositories();
      expect(before).toMatchObject({ gun, state: 'online', tagCount: 1 });
      expect(new Date(before!.earliestExpiry!).getTime()).toBeLessThan(Date.now() + 10_000); // the certificate's end

      await new Promise((resolve) => setTimeout(resolve, new Date(before!.earliestExpiry!).getTime() - Date.now() + 1000));
      const [after] = await services.listRepositories();
      expect(after).toMatchObject({ gun, state: 'error', tagCount: 0 });
      expect(after!.problem).toMatch(/could not validate the path to a trusted root: .*expired on/);
      await expect(services.listTags(gun)).rejects.toThrow(/expired on/);
    } finally {
      await server.stop();
    }
  });
});
