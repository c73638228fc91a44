import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, stopAllPeers, TEST_PASSPHRASES } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { snapshotDir } from '../helpers/expect.js';

afterAll(stopAllPeers);


async function openssl(args: string[], cwd: string) {
  const r = await runCommand('openssl', args, { cwd });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r;
}

describe('trust-tui key generate', () => {
  let tt: TrustTuiRunner;
  beforeAll(() => {
    tt = trustTui();
  });

  it('stores an encrypted ECDSA key 0600 in a 0700 directory and writes NAME.pub', async () => {
    const r = await tt(['key', 'generate', 'alice']);
    expect(r.code, r.stderr).toBe(0);
    const id = /private key ([0-9a-f]{64})/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const keyFile = path.join(tt.trustDir, 'private', `${id}.key`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    const keyText = readFileSync(keyFile, 'utf8');
    expect(keyText).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: alice\n\n/);
    expect(keyText).not.toContain('gun:');
    const pub = readFileSync(path.join(tt.workDir, 'alice.pub'), 'utf8');
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\nrole: alice\n\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/);

    const list = await tt(['key', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      { id, role: 'alice', gun: null, type: 'ecdsa', file: keyFile },
    ]);
  });

  it('generates ed25519 keys on request', async () => {
    const r = await tt(['--json', 'key', 'generate', 'edna', '--type', 'ed25519', '--force']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'edna', type: 'ed25519' });
    expect(readFileSync(out.publicKeyFile, 'utf8')).toContain('MCowBQYDK2VwAyEA');
  });

  it('refuses names docker refuses, and an existing .pub, changing nothing', async () => {
    const before = snapshotDir(tt.trustDir);
    const bad = await tt(['key', 'generate', 'Bob']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('key name "Bob" must start with lowercase alphanumeric characters');
    const again = await tt(['key', 'generate', 'alice']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('public key file already exists');
    const onFile = await tt(['key', 'generate', 'bob', '--dir', 'alice.pub']);
    expect(onFile.code).toBe(1);
    expect(onFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(onFile.stderr).toMatch(/public key directory alice\.pub is a file, not a directory/);
    expect(snapshotDir(tt.trustDir)).toEqual(before);
  });

  it('without a terminal or passphrase variable, names the variable to set and writes nothing', async () => {
    const fresh = trustTui();
    const r = await fresh(['key', 'generate', 'carol'], { env: { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE');
    expect(snapshotDir(fresh.trustDir)).toEqual({});
    expect(existsSync(path.join(fresh.workDir, 'carol.pub'))).toBe(false);
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await tt(['key', 'generate'])).code).toBe(2);
    expect((await tt(['key', 'generate', 'x', '--type', 'dsa'])).code).toBe(2);
    expect((await tt(['no-such-command'])).code).toBe(2);
    const help = await tt(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
  });
});

describe('trust-tui key list', () => {
  it("names the type of keys in notary's older layouts and of unencrypted keys", async () => {
    const tt = trustTui();
    const legacyRoot = path.join(tt.trustDir, 'private', 'root_keys');
    mkdirSync(legacyRoot, { recursive: true, mode: 0o700 });
    // notary < 0.4: an OpenSSL-encrypted SEC1 key named by its ID (and role).
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.pem'], tt.workDir);
    await openssl(['ec', '-in', 'ec.pem', '-aes256', '-passout', `pass:${TEST_PASSPHRASES.root}`, '-out', path.join(legacyRoot, `${'1'.repeat(64)}_root.key`)], tt.workDir);
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path.join(tt.trustDir, 'private', `${'2'.repeat(64)}.key`)], tt.workDir);
    const listed = JSON.parse((await tt(['--json', 'key', 'list'])).stdout) as { id: string; type: string }[];
    expect(Object.fromEntries(listed.map((k) => [k.id, k.type]))).toEqual({ ['1'.repeat(64)]: 'ecdsa', ['2'.repeat(64)]: 'rsa' });
  });
});

describe('trust-tui key load', () => {
  let tt: TrustTuiRunner;
  beforeAll(() => {
    tt = trustTui();
  });

  it('imports an unencrypted SEC1 key (with an EC PARAMETERS block) and stores it encrypted', async () => {
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', 'sec1.pem'], tt.workDir);
    chmodSync(path.join(tt.workDir, 'sec1.pem'), 0o600);
    const r = await tt(['--json', 'key', 'load', 'sec1.pem', '--name', 'dave']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ role: 'dave', type: 'ecdsa' });
    expect(readFileSync(out.privateKeyFile, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: dave\n/);
  });

  it('really imports an encrypted PKCS#8 file (docker/cli#1095) and takes the role from its header', async () => {
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'plain.pem'], tt.workDir);
    await openssl(
      ['pkcs8', '-topk8', '-in', 'plain.pem', '-out', 'enc.pem', '-v2', 'aes-256-cbc', '-passout', `pass:${TEST_PASSPHRASES.repository}`],
      tt.workDir,
    );
    // A role header, as docker writes them: it wins over --name.
    const enc = readFileSync(path.join(tt.workDir, 'enc.pem'), 'utf8').replace(
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\n',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: judy\n\n',
    );
    writeFileSync(path.join(tt.workDir, 'enc.pem'), enc, { mode: 0o600 });
    const r = await tt(['--json', 'key', 'load', 'enc.pem', '--name', 'notjudy']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.role).toBe('judy');
    expect(existsSync(out.privateKeyFile)).toBe(true);
    const list = JSON.parse((await tt(['--json', 'key', 'list'])).stdout) as { id: string; role: string }[];
    expect(list.find((k) => k.id === out.id)?.role).toBe('judy');
  });

  it('refuses bad input with one line and exit 1, changing no file', async () => {
    const w = tt.workDir;
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem'], w);
    chmodSync(path.join(w, 'k.pem'), 0o644);
    await openssl(['pkey', '-in', 'k.pem', '-pubout', '-out', 'pub.pem'], w);
    chmodSync(path.join(w, 'pub.pem'), 0o600);
    await openssl(['req', '-x509', '-key', 'k.pem', '-subj', '/CN=cert', '-days', '30', '-out', 'cert.pem'], w);
    chmodSync(path.join(w, 'cert.pem'), 0o600);
    const full = readFileSync(path.join(w, 'k.pem'), 'utf8');
    writeFileSync(path.join(w, 'truncated.pem'), full.slice(0, full.length / 2), { mode: 0o600 });
    await openssl(['pkcs8', '-topk8', '-in', 'k.pem', '-out', 'wrongpass.pem', '-v2', 'aes-256-cbc', '-passout', 'pass:another-pass'], w);
    chmodSync(path.join(w, 'wrongpass.pem'), 0o600);
    await openssl(['genpkey', '-algorithm', 'X25519', '-out', 'x25519.pem'], w);
    chmodSync(path.join(w, 'x25519.pem'), 0o600);

    const cases: [string, RegExp][] = [
      ['k.pem', /must not be readable or writable by others/],
      ['pub.pem', /is a public key, not a private key/],
      ['cert.pem', /cert\.pem is a certificate \(it holds a public key\), not a private key/],
      ['truncated.pem', /truncated\.pem/],
      ['wrongpass.pem', /the passphrase in DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE does not open wrongpass\.pem/],
      ['x25519.pem', /x25519\.pem|unsupported|X25519/i],
      ['missing.pem', /key file missing\.pem does not exist/],
      ['a-directory', /key file a-directory is a directory, not a file/],
      ['damaged.pem', /damaged\.pem: the key is damaged or truncated/],
    ];
    mkdirSync(path.join(w, 'a-directory'));
    // One character changed inside the algorithm identifier of a good encrypted key.
    const good = readFileSync(path.join(w, 'wrongpass.pem'), 'utf8').split('\n');
    good[1] = good[1]!.slice(0, 10) + (good[1]![10] === 'A' ? 'B' : 'A') + good[1]!.slice(11);
    writeFileSync(path.join(w, 'damaged.pem'), good.join('\n'), { mode: 0o600 });
    const before = snapshotDir(tt.trustDir);
    for (const [file, message] of cases) {
      const r = await tt(['key', 'load', file]);
      expect(r.code, `${file}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(r.stderr, file).toMatch(message);
      expect(r.stderr).not.toMatch(/PRIVATE KEY-----|at .*\.js/);
    }
    expect(snapshotDir(tt.trustDir)).toEqual(before);
  });
});
