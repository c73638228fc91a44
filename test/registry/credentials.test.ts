import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialsKeyFor, loadRegistryCredentials } from '../../src/registry/credentials.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-creds-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const writeConfig = (config: unknown): Promise<void> => writeFile(join(dir, 'config.json'), JSON.stringify(config));
const lookup = (host: string, env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) =>
  loadRegistryCredentials(host, { dockerConfigDir: dir, env });

/** A real docker-credential-test program on PATH: answers per server address and logs what it was asked. */
async function installFakeHelper(): Promise<NodeJS.ProcessEnv> {
  const script = `#!/bin/sh
read -r server
echo "$1 $server" >> "${join(dir, 'helper.log')}"
case "$server" in
  registry.example.com) echo '{"ServerURL":"registry.example.com","Username":"alice","Secret":"s3cret"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"<token>","Secret":"refresh-me"}' ;;
  broken.example.com) echo 'keychain locked' ; exit 1 ;;
  *) echo 'credentials not found in native keychain' ; exit 1 ;;
esac
`;
  const program = join(dir, 'docker-credential-test');
  await writeFile(program, script);
  await chmod(program, 0o755);
  return { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
}

describe('loadRegistryCredentials from config.json auths', () => {
  it('decodes auth (user:password, password may contain colons)', async () => {
    await writeConfig({ auths: { 'registry.example.com': { auth: b64('alice:pa:ss') } } });
    expect(await lookup('registry.example.com')).toEqual({ username: 'alice', password: 'pa:ss', source: 'config.json' });
  });

  it('finds Docker Hub under https://index.docker.io/v1/, with its identity token', async () => {
    await writeConfig({ auths: { 'https://index.docker.io/v1/': { auth: b64('bob:pw'), identitytoken: 'idt' } } });
    expect(credentialsKeyFor('docker.io')).toBe('https://index.docker.io/v1/');
    expect(await lookup('docker.io')).toMatchObject({ username: 'bob', password: 'pw', identityToken: 'idt' });
  });

  it('matches a legacy URL-style key by host, as docker\'s file store', async () => {
    await writeConfig({ auths: { 'https://registry.example.com/v1/': { auth: b64('carol:pw') } } });
    expect(await lookup('registry.example.com')).toMatchObject({ username: 'carol' });
  });

  it('is undefined (anonymous) without config.json or without an entry', async () => {
    expect(await lookup('registry.example.com')).toBeUndefined();
    await writeConfig({ auths: { 'other.example.com': { auth: b64('x:y') } } });
    expect(await lookup('registry.example.com')).toBeUndefined();
  });

  it('names a broken config.json', async () => {
    await writeFile(join(dir, 'config.json'), '{ not json');
    await expect(lookup('registry.example.com')).rejects.toThrow(/cannot parse .*config\.json/);
  });
});

describe('loadRegistryCredentials through docker-credential-* helpers', () => {
  it('uses credsStore and passes the host on stdin', async () => {
    const env = await installFakeHelper();
    await writeConfig({ credsStore: 'test', auths: { 'registry.example.com': {} } });
    expect(await lookup('registry.example.com', env)).toEqual({
      username: 'alice',
      password: 's3cret',
      source: 'docker-credential-test',
    });
    expect(await readFile(join(dir, 'helper.log'), 'utf8')).toBe('get registry.example.com\n');
  });

  it('prefers credHelpers[host] over credsStore, and reads <token> as an identity token', async () => {
    const env = await installFakeHelper();
    await writeConfig({ credsStore: 'missing-store', credHelpers: { 'https://index.docker.io/v1/': 'test' } });
    expect(await lookup('docker.io', env)).toEqual({ identityToken: 'refresh-me', source: 'docker-credential-test' });
  });

  it('treats "credentials not found" as anonymous, not as an error', async () => {
    const env = await installFakeHelper();
    await writeConfig({ credsStore: 'test' });
    expect(await lookup('unknown.example.com', env)).toBeUndefined();
  });

  it('reports other helper failures with the helper\'s own output', async () => {
    const env = await installFakeHelper();
    await writeConfig({ credsStore: 'test' });
    await expect(lookup('broken.example.com', env)).rejects.toThrow(
      'docker-credential-test get failed for broken.example.com: keychain locked',
    );
  });

  it('says clearly that a helper is not installed', async () => {
    await writeConfig({ credsStore: 'nonexistent' });
    await expect(lookup('registry.example.com', { PATH: dir })).rejects.toThrow(
      /credential helper docker-credential-nonexistent is not installed \(named by credsStore in .*config\.json\)/,
    );
  });
});
