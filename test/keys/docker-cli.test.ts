// Interop with `docker trust key` (docker CLI 28, no daemon needed): docker imports the key files we
// write, and we unlock the keys docker stores.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeKeyFile } from '../../src/keys/keyfile.js';
import { KeyStore } from '../../src/keys/keystore.js';
import { EnvPassphraseSource } from '../../src/keys/passphrase.js';
import { run, scratchDir } from './fixtures.js';
import { requireBinary } from '../helpers/proc.js';

const PASS = 'docker-passphrase';
const docker = (dir: string, args: string[]) =>
  run('docker', ['trust', 'key', ...args], {
    env: { PATH: process.env.PATH, HOME: dir, DOCKER_CONFIG: join(dir, 'config'), DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: PASS },
    input: '',
  });
const trustDir = (dir: string) => join(dir, 'config', 'trust');
const env = new EnvPassphraseSource({ DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: PASS });

describe('docker trust key interop', () => {
  beforeAll(() => {
    requireBinary('docker');
  });

  it('we unlock a key docker trust key generate stored', async () => {
    const dir = scratchDir();
    docker(dir, ['generate', 'alice', '--dir', dir]);
    const [stored, ...rest] = await new KeyStore(trustDir(dir)).list();
    expect(rest).toEqual([]);
    expect(stored).toMatchObject({ role: 'alice', encrypted: true });
    expect((await new KeyStore(trustDir(dir)).unlock(stored!.id, env)).id).toBe(stored!.id);
  });

  it.each(['ecdsa', 'ed25519', 'rsa'] as const)('docker trust key load imports our unencrypted %s key file', async (algorithm) => {
    const dir = scratchDir();
    const key = await generatePrivateKey(algorithm, { rsaBits: 2048 });
    const file = join(dir, 'bob.pem');
    writeFileSync(file, await encodeKeyFile(key, { role: 'bob' }, ''), { mode: 0o600 });
    docker(dir, ['load', file]);
    // docker reports success even when it stored nothing (docker/cli#1095), so look for the file.
    const store = new KeyStore(trustDir(dir));
    expect(await store.get(key.id)).toMatchObject({ role: 'bob', encrypted: true });
    expect((await store.unlock(key.id, env)).id).toBe(key.id);
  });
});
