/**
 * Keys are shared with the real notary 0.7 CLI and docker CLI 28: what trust-tui writes they read
 * and use, what they write trust-tui lists and signs with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvPassphraseSource, KeyStore } from '../../src/keys/index.js';
import { PublicKey } from '../../src/tuf/key.js';
import { verifySignature } from '../../src/tuf/verify.js';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  TEST_PASSPHRASES,
  type NotaryServer,
} from '../helpers/peers.js';
import { trustTui } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


interface Listed { id: string; role: string; gun: string | null; type: string }

/** The public key in a `.pub` file as TUF metadata would carry it. */
function publicKeyFromPem(file: string): PublicKey {
  const der = Buffer.from(readFileSync(file, 'utf8').split('\n\n')[1]!.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return new PublicKey('ecdsa', der.toString('base64'));
}

/** Unlocks a stored key with the test passphrases and checks that what it signs verifies. */
async function signsVerifiably(trustDir: string, id: string, expected: PublicKey): Promise<void> {
  const env = { DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root, DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository };
  const key = await new KeyStore(trustDir).unlock(id, new EnvPassphraseSource(env));
  expect(key.publicKey.id).toBe(expected.id);
  const message = Buffer.from('{"signed":"by a key another tool made"}');
  expect(verifySignature(expected, key.method, key.sign(message), message)).toBe(true);
  expect(verifySignature(expected, key.method, key.sign(message), Buffer.from('tampered'))).toBe(false);
}

describe('keys shared with notary and docker', () => {
  let server: NotaryServer;
  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
  });

  it('a trust-tui key is listed by notary with the same id and role, and notary can decrypt it', async () => {
    const tt = trustTui();
    const made = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'alice'])).stdout);
    const madeEd = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'edna', '--type', 'ed25519', '--force'])).stdout);
    const notary = notaryCli(tt.trustDir, server.url, server.caFile);
    const listing = ok(await notary(['key', 'list'])).stdout;
    expect(listing).toMatch(new RegExp(`alice\\s+${made.id}`));
    expect(listing).toMatch(new RegExp(`edna\\s+${madeEd.id}`));
    // `key passwd` decrypts with the old passphrase and re-encrypts: Go reads our PBES2 files.
    for (const id of [made.id, madeEd.id]) {
      const r = ok(await notary(['key', 'passwd', id]));
      expect(r.stdout).toContain(`Successfully updated passphrase for key ID: ${id}`);
    }
    // ... and trust-tui still reads what notary rewrote.
    const listed = JSON.parse(ok(await tt(['--json', 'key', 'list'])).stdout) as Listed[];
    expect(listed.map((k) => [k.id, k.role]).sort()).toEqual([[made.id, 'alice'], [madeEd.id, 'edna']].sort());
    await signsVerifiably(tt.trustDir, made.id, publicKeyFromPem(made.publicKeyFile));
  });

  it("docker trust signer add accepts trust-tui's .pub, and notary signs with the private key", async () => {
    const dockerConfig = await makeScratchDir('docker-config');
    const docker = dockerCli(dockerConfig, server.url, server.caFile);
    const tt = trustTui({ trustDir: docker.trustDir });
    const made = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'alice'])).stdout);
    const repo = 'registry.example.com/team/keys';
    ok(await docker(['trust', 'signer', 'add', '--key', made.publicKeyFile, 'alice', repo]));
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(inspect[0].Signers).toEqual([{ Name: 'alice', Keys: [{ ID: made.id }] }]);

    // notary publishes a target into targets/alice with the key file trust-tui wrote.
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    const target = path.join(notary.workDir, 'manifest.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(target, '{"fake":"manifest"}'));
    ok(await notary(['add', repo, 'v1', target, '--roles', 'targets/releases', '--roles', 'targets/alice', '-p']));
    const after = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(after[0].SignedTags).toEqual([expect.objectContaining({ SignedTag: 'v1', Signers: ['alice'] })]);
  });

  it('keys made by docker trust key generate and notary key generate are listed and sign', async () => {
    const dockerConfig = await makeScratchDir('docker-config');
    const docker = dockerCli(dockerConfig, server.url, server.caFile);
    ok(await docker(['trust', 'key', 'generate', 'bob', '--dir', docker.workDir]));
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    const carolOut = ok(await notary(['key', 'generate', 'ecdsa', '--role', 'targets/carol'])).stdout;
    const tt = trustTui({ trustDir: docker.trustDir });
    const listed = JSON.parse(ok(await tt(['--json', 'key', 'list'])).stdout) as Listed[];
    const bob = listed.find((k) => k.role === 'bob');
    expect(bob, JSON.stringify(listed)).toBeDefined();
    expect(readFileSync(path.join(docker.trustDir, 'private', `${bob!.id}.key`), 'utf8')).toContain('role: bob');
    await signsVerifiably(docker.trustDir, bob!.id, publicKeyFromPem(path.join(docker.workDir, 'bob.pub')));
    const carol = listed.find((k) => k.role === 'targets/carol');
    expect(carol, JSON.stringify(listed)).toBeDefined();
    expect(carolOut).toContain(carol!.id);

    // notary's own keystore key (no -o): created by `notary init` for a repository.
    ok(await notary(['init', 'registry.example.com/team/notary-made']));
    const afterInit = JSON.parse(ok(await tt(['--json', 'key', 'list'])).stdout) as Listed[];
    const targetsKey = afterInit.find((k) => k.role === 'targets' && k.gun === 'registry.example.com/team/notary-made');
    expect(targetsKey, JSON.stringify(afterInit)).toBeDefined();
    const cached = JSON.parse(
      readFileSync(path.join(docker.trustDir, 'tuf', 'registry.example.com/team/notary-made', 'metadata', 'root.json'), 'utf8'),
    );
    const targetsKeyId = cached.signed.roles.targets.keyids[0];
    const publicKey = PublicKey.fromJSON(cached.signed.keys[targetsKeyId]);
    expect(publicKey.canonicalId).toBe(targetsKey!.id);
    await signsVerifiably(docker.trustDir, targetsKey!.id, publicKey);
  });

  it('key list names the type of keys docker and notary made (their encrypted files do not say it)', async () => {
    const dockerConfig = await makeScratchDir('docker-config');
    const docker = dockerCli(dockerConfig, server.url, server.caFile);
    ok(await docker(['trust', 'key', 'generate', 'dora', '--dir', docker.workDir]));
    ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, 'dora.pub'), 'dora', 'registry.example.com/team/typed']));
    ok(await docker(['trust', 'inspect', 'registry.example.com/team/typed'])); // caches the delegation's key
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    ok(await notary(['init', 'registry.example.com/team/notary-typed']));
    const tt = trustTui({ trustDir: docker.trustDir });
    const listed = JSON.parse(ok(await tt(['--json', 'key', 'list'])).stdout) as (Listed & { type: string; gun: string | null })[];
    const types = listed.map((k) => [k.role, k.type]).sort();
    expect(types, JSON.stringify(listed)).toEqual(
      [['dora', 'ecdsa'], ['root', 'ecdsa'], ['snapshot', 'ecdsa'], ['targets', 'ecdsa'], ['targets', 'ecdsa']].sort(),
    );
  });
});
