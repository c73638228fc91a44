// `key load` refuses what could never sign, or never ends, before anything is stored.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/keys/index.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { TEST_PASSPHRASES } from '../helpers/peers.js';
import { trustTui } from '../helpers/trust-tui.js';

const storedKeys = (trustDir: string) => (existsSync(path.join(trustDir, 'private')) ? readdirSync(path.join(trustDir, 'private')) : []);

describe('key load refusals', () => {
  it('an RSA key under 2048 bits: one line, exit 1, no key stored', async () => {
    const tt = trustTui();
    const file = path.join(tt.workDir, 'weak.pem');
    writeFileSync(file, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const r = await tt(['key', 'load', file, '--name', 'weak']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim()).toBe(`trust-tui: ${file}: an RSA key of 1024 bits cannot sign; at least 2048 bits are needed`);
    expect(storedKeys(tt.trustDir)).toEqual([]);
  });

  it('/dev/zero: refused at the size limit, not read without end', async () => {
    const tt = trustTui();
    const r = await tt(['key', 'load', '/dev/zero'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('/dev/zero holds more than the 1048576 bytes allowed');
  });
});

describe('key generate with settings that cannot be written', () => {
  it('fails before writing the key or its .pub, so the same command works once the settings are fixed', async () => {
    const tt = trustTui();
    const notADir = path.join(tt.workDir, 'settings-file');
    writeFileSync(notADir, 'x');
    const r = await tt(['--config-dir', notADir, 'key', 'generate', 'cg1', '--dir', tt.workDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(storedKeys(tt.trustDir)).toEqual([]);
    expect(existsSync(path.join(tt.workDir, 'cg1.pub'))).toBe(false);
  });
});

describe('key load of the root key under another name', () => {
  it('is refused: the root key stays stored as root (init would otherwise make a new one)', async () => {
    const tt = trustTui();
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const root = PrivateKey.fromKeyObject(pair.privateKey);
    await new KeyStore(tt.trustDir).store(root, { role: 'root' }, TEST_PASSPHRASES.root);
    const file = path.join(tt.workDir, 'root-copy.pem');
    writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const r = await tt(['key', 'load', file, '--name', 'alice']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`holds this host's root key ${root.id.slice(0, 7)}, already stored as root: it is not stored again as alice`);
    expect(await new KeyStore(tt.trustDir).get(root.id)).toMatchObject({ role: 'root' });
  });
});

describe('key generate with a base role as its name', () => {
  it('is refused: a signing key labelled root would be taken for the root key by the next init', async () => {
    const tt = trustTui();
    const r = await tt(['key', 'generate', 'root', '--dir', tt.workDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('"root" is the name of a base role: give the signing key a name of its own (init makes the root key)');
    expect(storedKeys(tt.trustDir)).toEqual([]);
    expect(existsSync(path.join(tt.workDir, 'root.pub'))).toBe(false);
  });

  it.each(['root', 'targets', 'snapshot', 'timestamp'])('%s: the refusal alone, before docker\'s "Generating key for…" line', async (role) => {
    const tt = trustTui();
    const r = await tt(['key', 'generate', role, '--dir', tt.workDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(new RegExp(`^trust-tui: "${role}" is the name of a base role: `)), '']);
  });
});

describe('key generate refused for its public key file', () => {
  it('an existing NAME.pub, or --dir naming a file: the refusal alone, nothing on stdout', async () => {
    const tt = trustTui();
    writeFileSync(path.join(tt.workDir, 'alice.pub'), 'taken\n');
    for (const args of [['alice'], ['bob', '--dir', 'alice.pub']]) {
      const r = await tt(['key', 'generate', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(storedKeys(tt.trustDir)).toEqual([]);
  });
});

describe('key load with a name that is refused', () => {
  /** A private key file without a `role:` header, as openssl writes one. */
  const bareKeyFile = (dir: string): string => {
    const file = path.join(dir, 'bare.pem');
    writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    return file;
  };

  const refusals: [name: string, refusal: RegExp][] = [
    ['Bad Name', /^trust-tui: key name "Bad Name" must start with lowercase alphanumeric characters/],
    ...['targets', 'snapshot', 'timestamp'].map((role): [string, RegExp] => [
      role,
      new RegExp(`^trust-tui: "${role}" is the name of a base role: give the signing key a name of its own \\(a repository's ${role} key is loaded from the file trust-tui key save or notary key export wrote`),
    ]),
  ];
  it.each(refusals)('--name %s: the refusal alone, before docker\'s "Loading key from…" line, whatever the file', async (name, refusal) => {
    const tt = trustTui();
    for (const file of [bareKeyFile(tt.workDir), path.join(tt.workDir, 'missing.pem')]) {
      const r = await tt(['key', 'load', file, '--name', name]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')).toEqual([expect.stringMatching(refusal), '']);
    }
    expect(storedKeys(tt.trustDir)).toEqual([]);
  });

  it('a file that is missing: docker\'s line first, then the refusal', async () => {
    const tt = trustTui();
    const file = path.join(tt.workDir, 'missing.pem');
    const r = await tt(['key', 'load', file, '--name', 'alice']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe(`Loading key from "${file}"...\n`);
    expect(r.stderr).toContain(`key file ${file} does not exist`);
  });

  it('--name root is allowed for a bare key file', async () => {
    const tt = trustTui();
    const file = bareKeyFile(tt.workDir);
    const r = await tt(['key', 'load', file, '--name', 'root']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Loading key from .*\nSuccessfully imported key [0-9a-f]{64} \(role root\)/);
  });
});
