import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  matchServerEntry,
  normaliseServerUrl,
  resolveTrustEndpoint,
  selectTrustServer,
} from '../../src/notary/endpoint.js';
import { parseReference } from '../../src/registry/reference.js';

const app = parseReference('registry.example.com/team/app:v1');
const hub = parseReference('alpine');
const noEnv = {};

function pem(label: string): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(label).toString('base64')}\n-----END CERTIFICATE-----\n`;
}

describe('selectTrustServer: precedence', () => {
  const servers = { 'registry.example.com/*': { url: 'notary.example.com:4443' } };

  it('uses docker defaults when nothing is configured', () => {
    expect(selectTrustServer(hub, { env: noEnv })).toEqual({ url: 'https://notary.docker.io', source: 'default' });
    expect(selectTrustServer(app, { env: noEnv })).toEqual({ url: 'https://registry.example.com', source: 'default' });
    expect(selectTrustServer(parseReference('localhost:5000/x'), { env: noEnv }).url).toBe('https://localhost:5000');
  });

  it('a config server entry beats the default', () => {
    expect(selectTrustServer(app, { env: noEnv, servers })).toEqual({
      url: 'https://notary.example.com:4443',
      source: 'config',
      configKey: 'registry.example.com/*',
    });
  });

  it('DOCKER_CONTENT_TRUST_SERVER beats config, --server beats both', () => {
    const env = { DOCKER_CONTENT_TRUST_SERVER: 'https://env.example.com' };
    expect(selectTrustServer(app, { env, servers })).toMatchObject({ url: 'https://env.example.com', source: 'env' });
    expect(selectTrustServer(app, { env, servers, server: 'flag.example.com/' })).toEqual({
      url: 'https://flag.example.com',
      source: 'flag',
    });
  });

  it('ignores an empty DOCKER_CONTENT_TRUST_SERVER, as docker', () => {
    expect(selectTrustServer(app, { env: { DOCKER_CONTENT_TRUST_SERVER: '' } }).source).toBe('default');
  });
});

describe('matchServerEntry: the most specific entry wins', () => {
  const servers = {
    'registry.example.com/*': { url: 'https://all' },
    'registry.example.com/team/*': { url: 'https://team' },
    'registry.example.com/team/app': { url: 'https://exact' },
    'other.example.com/*': { url: 'https://other' },
  };
  it.each([
    ['registry.example.com/team/app', 'https://exact'],
    ['registry.example.com/team/api', 'https://team'],
    ['registry.example.com/team/app/sub', 'https://team'],
    ['registry.example.com/solo', 'https://all'],
  ])('%s -> %s', (gun, url) => expect(matchServerEntry(gun, servers)?.entry.url).toBe(url));

  it('does not treat a prefix entry as covering unrelated names', () => {
    expect(matchServerEntry('docker.io/library/alpine', servers)).toBeUndefined();
    expect(matchServerEntry('registry.example.com/teams/x', { 'registry.example.com/team/*': { url: 'https://t' } })).toBeUndefined();
  });
});

describe('normaliseServerUrl', () => {
  it('adds https and drops trailing slashes', () => {
    expect(normaliseServerUrl('notary.example.com:4443/')).toBe('https://notary.example.com:4443');
    expect(normaliseServerUrl('https://h.example.com/prefix/')).toBe('https://h.example.com/prefix');
  });
  it('refuses plain http', () => {
    expect(() => normaliseServerUrl('http://notary.example.com')).toThrow(
      expect.objectContaining({ message: 'plain http is not allowed for trust server http://notary.example.com', hint: { cli: 'use https', ui: 'use https' } }),
    );
  });
  it('allows http only for loopback hosts and only when asked', () => {
    expect(() => normaliseServerUrl('http://127.0.0.1:4443')).toThrow(/plain http is not allowed/);
    expect(normaliseServerUrl('http://127.0.0.1:4443', true)).toBe('http://127.0.0.1:4443');
    expect(normaliseServerUrl('http://localhost:1', true)).toBe('http://localhost:1');
    expect(normaliseServerUrl('http://[::1]:1', true)).toBe('http://[::1]:1');
    expect(() => normaliseServerUrl('http://10.0.0.1:4443', true)).toThrow(/plain http is not allowed/);
  });
  it('refuses other schemes and URLs with credentials', () => {
    expect(() => normaliseServerUrl('ftp://x')).toThrow(/only https/);
    expect(() => normaliseServerUrl('https://u:p@x')).toThrow(/no credentials/);
  });
  it('applies the http rule to DOCKER_CONTENT_TRUST_SERVER too', () => {
    expect(() => selectTrustServer(app, { env: { DOCKER_CONTENT_TRUST_SERVER: 'http://127.0.0.1:4443' } })).toThrow(
      /plain http is not allowed/,
    );
  });
});

describe('resolveTrustEndpoint: TLS material', () => {
  let dockerConfig: string;
  beforeEach(async () => {
    dockerConfig = await mkdtemp(join(tmpdir(), 'trust-tui-endpoint-'));
  });
  afterEach(() => rm(dockerConfig, { recursive: true, force: true }));

  it('reads *.crt CAs and a client pair from $DOCKER_CONFIG/tls/<host:port>/', async () => {
    const dir = join(dockerConfig, 'tls', 'notary.example.com:4443');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'ca.crt'), pem('ca'));
    await writeFile(join(dir, 'client.cert'), 'CLIENT CERT');
    await writeFile(join(dir, 'client.key'), 'CLIENT KEY');
    await mkdir(join(dockerConfig, 'tls', 'notary.example.com'), { recursive: true });
    await writeFile(join(dockerConfig, 'tls', 'notary.example.com', 'wrong-port.crt'), pem('other'));

    const endpoint = await resolveTrustEndpoint(app, {
      env: { DOCKER_CONFIG: dockerConfig },
      server: 'notary.example.com:4443',
    });
    expect(endpoint).toMatchObject({
      url: 'https://notary.example.com:4443',
      caPem: [pem('ca')],
      clientCert: 'CLIENT CERT',
      clientKey: 'CLIENT KEY',
      warnings: [],
    });
  });

  it('trusts one anchor, the most explicit CA given: --tlscacert, else the config CA, else docker\'s tls directory', async () => {
    const flagCa = join(dockerConfig, 'flag.pem');
    const configCa = join(dockerConfig, 'config.pem');
    await writeFile(flagCa, pem('flag'));
    await writeFile(configCa, pem('config'));
    const tlsDir = join(dockerConfig, 'tls', 'notary.example.com');
    await mkdir(tlsDir, { recursive: true });
    await writeFile(join(tlsDir, 'ca.crt'), pem('dir'));
    const servers = { 'registry.example.com/team/*': { url: 'https://notary.example.com', ca: configCa } };
    const env = { DOCKER_CONFIG: dockerConfig };

    const fromFlag = await resolveTrustEndpoint(app, { env, servers, tlsCaCert: flagCa });
    expect(fromFlag.caPem).toEqual([pem('flag')]);
    expect(fromFlag.anchor).toMatchObject({ source: 'flag', files: [flagCa] });

    const fromConfig = await resolveTrustEndpoint(app, { env, servers });
    expect(fromConfig.caPem).toEqual([pem('config')]);
    expect(fromConfig.anchor).toMatchObject({ source: 'config', files: [configCa] });

    // --server (or DOCKER_CONTENT_TRUST_SERVER) naming the configured server again keeps its CA.
    const sameServer = await resolveTrustEndpoint(app, { env, servers, server: 'notary.example.com/' });
    expect(sameServer.caPem).toEqual([pem('config')]);
    expect(sameServer.anchor).toMatchObject({ source: 'config', files: [configCa] });
    const sameFromEnv = await resolveTrustEndpoint(app, { env: { ...env, DOCKER_CONTENT_TRUST_SERVER: 'https://notary.example.com' }, servers });
    expect(sameFromEnv.anchor).toMatchObject({ source: 'config', files: [configCa] });

    const fromDir = await resolveTrustEndpoint(app, { env, servers: { 'registry.example.com/team/*': { url: 'https://notary.example.com' } }, server: 'https://notary.example.com' });
    expect(fromDir.caPem).toEqual([pem('dir')]);
    expect(fromDir.anchor).toMatchObject({ source: 'docker-tls-dir', files: [join(tlsDir, 'ca.crt')] });

    const overridden = await resolveTrustEndpoint(app, { env, servers, server: 'https://elsewhere.example.com' });
    expect(overridden.caPem).toEqual([]);
    expect(overridden.anchor.source).toBe('system');
  });

  it('refuses an orphan client certificate or key, with docker\'s message', async () => {
    const dir = join(dockerConfig, 'tls', 'registry.example.com');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'me.cert'), 'C');
    await expect(resolveTrustEndpoint(app, { env: { DOCKER_CONFIG: dockerConfig } })).rejects.toThrow(
      'missing key me.key for client certificate me.cert',
    );
    await rm(join(dir, 'me.cert'));
    await writeFile(join(dir, 'me.key'), 'K');
    await expect(resolveTrustEndpoint(app, { env: { DOCKER_CONFIG: dockerConfig } })).rejects.toThrow(
      'missing client certificate me.cert for key me.key',
    );
  });

  it('an unreadable TLS directory or CA in it is a rejected promise naming the path, never a throw', async () => {
    const env = { DOCKER_CONFIG: dockerConfig };
    const tlsDir = join(dockerConfig, 'tls', 'registry.example.com');
    await mkdir(join(dockerConfig, 'tls'), { recursive: true });
    // A file where the directory belongs.
    await writeFile(tlsDir, 'not a directory');
    const notDir = resolveTrustEndpoint(app, { env });
    expect(notDir).toBeInstanceOf(Promise);
    await expect(notDir).rejects.toThrow(`cannot read TLS directory ${tlsDir}: ENOTDIR`);
    await rm(tlsDir);
    // A directory where a CA file belongs.
    await mkdir(join(tlsDir, 'ca.crt'), { recursive: true });
    await expect(resolveTrustEndpoint(app, { env })).rejects.toThrow(`cannot read ${join(tlsDir, 'ca.crt')}: EISDIR`);
  });

  it('names a missing or non-PEM CA file', async () => {
    const env = { DOCKER_CONFIG: dockerConfig };
    await expect(resolveTrustEndpoint(app, { env, tlsCaCert: join(dockerConfig, 'nope.pem') })).rejects.toThrow(
      /^CA file .*nope\.pem does not exist$/,
    );
    await writeFile(join(dockerConfig, 'junk.pem'), 'junk');
    await expect(resolveTrustEndpoint(app, { env, tlsCaCert: join(dockerConfig, 'junk.pem') })).rejects.toThrow(
      /holds no PEM certificate/,
    );
  });

  it('says when DOCKER_CONTENT_TRUST_SERVER overrides the config server entry of the repository (a flag is not said)', async () => {
    const env = { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: 'https://env.example.com' };
    const endpoint = await resolveTrustEndpoint(app, { env, servers: { 'registry.example.com/*': { url: 'https://notary.example.com' } } });
    expect(endpoint.warnings).toEqual([
      'DOCKER_CONTENT_TRUST_SERVER (https://env.example.com) is used instead of https://notary.example.com, which `trust-tui config server` sets for registry.example.com/*; unset the variable to use that one',
    ]);
    expect((await resolveTrustEndpoint(app, { env, servers: { 'registry.example.com/*': { url: 'env.example.com/' } } })).warnings).toEqual([]);
    expect((await resolveTrustEndpoint(app, { env, servers: { 'other.example.com/*': { url: 'https://notary.example.com' } } })).warnings).toEqual([]);
    const flag = await resolveTrustEndpoint(app, { env: { DOCKER_CONFIG: dockerConfig }, server: 'https://flag.example.com', servers: { 'registry.example.com/*': { url: 'https://notary.example.com' } } });
    expect(flag.warnings).toEqual([]);
  });

  it('warns that notary.docker.io shuts down on 2026-12-08', async () => {
    const endpoint = await resolveTrustEndpoint(hub, { env: { DOCKER_CONFIG: dockerConfig } });
    expect(endpoint.url).toBe('https://notary.docker.io');
    expect(endpoint.warnings).toHaveLength(1);
    expect(endpoint.warnings[0]).toContain('2026-12-08');
    const own = await resolveTrustEndpoint(app, { env: { DOCKER_CONFIG: dockerConfig } });
    expect(own.warnings).toEqual([]);
  });
});
