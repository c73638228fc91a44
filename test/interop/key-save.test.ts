/**
 * `key save`: the private keys of repositories as encrypted PEM blocks that `notary key import` and
 * `trust-tui key load` restore into a fresh trust directory, which can then sign again.
 */
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryServer,
  TEST_PASSPHRASES,
} from '../helpers/peers.js';
import { KeyStore, ScriptedPassphraseSource } from '../../src/keys/index.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


/** PEM blocks as [type, headers] pairs. */
function blocks(pem: string): { type: string; headers: Record<string, string> }[] {
  return [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----\n((?:[A-Za-z-]+: .*\n)*)/g)].map((m) => ({
    type: m[1]!,
    headers: Object.fromEntries(m[2]!.trim().split('\n').filter(Boolean).map((l) => l.split(': ') as [string, string])),
  }));
}

const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;

describe('key save on the real notary-server', () => {
  let server: NotaryServer;
  let dockerConfig: string;
  let docker: DockerRunner;
  let tt: TrustTuiRunner;
  const repo = 'registry.example.test/team/saved';
  const other = 'registry.example.test/team/other';
  let init: { rootKeyId: string; targetsKeyId: string; signerKeyId: string };

  const freshTrustTui = () => trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    dockerConfig = await makeScratchDir('docker-config');
    docker = dockerCli(dockerConfig, server.url, server.caFile);
    tt = freshTrustTui();
    init = JSON.parse(ok(await tt(['--json', 'init', repo])).stdout);
    ok(await tt(['init', other]));
    ok(await tt(['sign', `${repo}:v1`, '--digest', DIGEST('1'), '--size', '10']));
  });

  it('writes the targets and signer keys (root only with --root) encrypted, to a new 0600 file', async () => {
    const file = path.join(tt.workDir, 'keys.pem');
    const out = JSON.parse(ok(await tt(['--json', 'key', 'save', repo, '--output', file])).stdout);
    expect(out.keys.map((k: { id: string }) => k.id).sort()).toEqual([init.targetsKeyId, init.signerKeyId].sort());
    expect(out.keys.find((k: { id: string }) => k.id === init.signerKeyId).signs).toEqual(['targets/owner', 'targets/releases']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const pem = await readFile(file, 'utf8');
    // Exactly the files of private/, plus the `path` header notary's import needs for encrypted keys.
    expect(blocks(pem)).toEqual([
      { type: 'ENCRYPTED PRIVATE KEY', headers: { path: init.signerKeyId, role: 'owner' } },
      { type: 'ENCRYPTED PRIVATE KEY', headers: { gun: repo, path: init.targetsKeyId, role: 'targets' } },
    ]);
    const stored = await readFile(path.join(tt.trustDir, 'private', `${init.targetsKeyId}.key`), 'utf8');
    expect(pem).toContain(stored.slice(stored.indexOf('\n\n')));

    // Never overwritten: a second save fails before anything else and leaves the file as it was.
    const again = await tt(['key', 'save', repo, '--root', '--output', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(await readFile(file, 'utf8')).toBe(pem);
  });

  it('prints only PEM on standard output; --root adds the root key; several repositories share keys once', async () => {
    const r = ok(await tt(['key', 'save', repo, other, '--root']));
    expect(r.stdout.replace(/-----BEGIN ([A-Z ]+)-----\n[\s\S]*?-----END \1-----\n/g, '')).toBe('');
    const found = blocks(r.stdout);
    // root (shared), owner (shared), and one targets key per repository.
    expect(found.map((b) => b.headers.role)).toEqual(['root', 'owner', 'targets', 'targets']);
    expect(found.every((b) => b.type === 'ENCRYPTED PRIVATE KEY')).toBe(true);
    expect(found[0]!.headers.path).toBe(init.rootKeyId);
    expect(r.stderr).toMatch(/Saved 4 encrypted private key/);
  });

  it('an unencrypted key file is encrypted for the export, never printed as it is', async () => {
    const solo = freshTrustTui();
    const made = JSON.parse(ok(await solo(['--json', 'init', 'registry.example.test/team/plain'])).stdout);
    // Store its targets key without a passphrase (as notary does for an empty passphrase).
    const store = new KeyStore(solo.trustDir);
    const key = await store.unlock(made.targetsKeyId, new ScriptedPassphraseSource(() => TEST_PASSPHRASES.repository));
    await store.store(key, { role: 'targets', gun: 'registry.example.test/team/plain' }, '', { currentPassphrase: TEST_PASSPHRASES.repository });
    expect(await readFile(path.join(solo.trustDir, 'private', `${made.targetsKeyId}.key`), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    const r = ok(await solo(['key', 'save', 'registry.example.test/team/plain']));
    expect(r.stdout).not.toMatch(/BEGIN PRIVATE KEY/);
    expect(blocks(r.stdout).map((b) => b.type)).toEqual(['ENCRYPTED PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
  });

  it('notary key import restores the keys into a fresh trust dir, which then signs again', async () => {
    const file = path.join(tt.workDir, 'for-notary.pem');
    ok(await tt(['key', 'save', repo, '--root', '--output', file]));
    const restored = freshTrustTui();
    const notary = notaryCli(restored.trustDir, server.url, server.caFile);
    ok(await notary(['key', 'import', file]));
    const imported = (await readdir(path.join(restored.trustDir, 'private'))).sort();
    expect(imported).toEqual([init.rootKeyId, init.signerKeyId, init.targetsKeyId].map((id) => `${id}.key`).sort());
    const listed = ok(await notary(['key', 'list'])).stdout;
    expect(listed).toMatch(new RegExp(`targets\\s+\\S*team/saved\\s+${init.targetsKeyId}`)); // notary shortens long GUNs

    const signed = JSON.parse(ok(await restored(['--json', 'sign', `${repo}:v2`, '--digest', DIGEST('2'), '--size', '20'])).stdout);
    expect(signed.roles.sort()).toEqual(['targets/owner', 'targets/releases']);
    // The restored targets key can also sign targets itself (the notary CLI publishes with it).
    await writeFile(path.join(notary.workDir, 'f'), 'x');
    ok(await notary(['add', repo, 'admin-tag', 'f', '-p']));
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(inspect[0].SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['admin-tag', 'v1', 'v2']);
  });

  it('trust-tui key load restores a saved bundle, which then signs again', async () => {
    const file = path.join(tt.workDir, 'for-load.pem');
    ok(await tt(['key', 'save', repo, '--output', file]));
    const restored = freshTrustTui();
    const loaded = JSON.parse(ok(await restored(['--json', 'key', 'load', file])).stdout);
    expect(loaded.map((k: { id: string }) => k.id).sort()).toEqual([init.signerKeyId, init.targetsKeyId].sort());
    const signed = JSON.parse(ok(await restored(['--json', 'sign', `${repo}:v3`, '--digest', DIGEST('3'), '--size', '30'])).stdout);
    expect(signed.roles.sort()).toEqual(['targets/owner', 'targets/releases']);
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', `${repo}:v3`])).stdout);
    expect(inspect[0].SignedTags).toEqual([{ SignedTag: 'v3', Digest: '3'.repeat(64), Signers: ['owner'] }]);
  });

  it('a bundle with one block that does not open stores none of its keys', async () => {
    const file = path.join(tt.workDir, 'damaged-bundle.pem');
    ok(await tt(['key', 'save', repo, '--output', file]));
    await appendFile(file, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: x\n\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n');
    const restored = freshTrustTui();
    const r = await restored(['key', 'load', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(path.join(restored.trustDir, 'private')) ? readdirSync(path.join(restored.trustDir, 'private')) : []).toEqual([]);
  });

  it('refuses repositories it holds no keys of, and unknown ones, with one line', async () => {
    const empty = freshTrustTui();
    const none = await empty(['key', 'save', repo]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/holds no keys of/);
    const unknown = await tt(['key', 'save', 'registry.example.test/team/nothing']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not initiali[sz]ed/);
    expect(unknown.stdout).toBe('');
  });
});
