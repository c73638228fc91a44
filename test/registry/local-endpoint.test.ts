// Where the docker daemon is looked for: DOCKER_HOST, the current context, the default socket.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DOCKER_HOST, dockerEndpoint, LocalImageError } from '../../src/registry/local/index.js';
import { makeScratchDirSync, removeScratchDir } from '../helpers/proc.js';

const dir = makeScratchDirSync('local-endpoint');
afterAll(() => removeScratchDir(dir));

function context(configDir: string, name: string, host: string, tls = false): void {
  const id = createHash('sha256').update(name).digest('hex');
  mkdirSync(path.join(configDir, 'contexts', 'meta', id), { recursive: true });
  writeFileSync(path.join(configDir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  if (tls) {
    mkdirSync(path.join(configDir, 'contexts', 'tls', id, 'docker'), { recursive: true });
    writeFileSync(path.join(configDir, 'contexts', 'tls', id, 'docker', 'ca.pem'), 'CA');
  }
}

describe('dockerEndpoint', () => {
  it('uses DOCKER_HOST first, with TLS material from DOCKER_CERT_PATH', () => {
    const certs = path.join(dir, 'certs');
    mkdirSync(certs);
    writeFileSync(path.join(certs, 'ca.pem'), 'CA');
    expect(dockerEndpoint({ env: { DOCKER_HOST: 'unix:///run/x.sock' } })).toEqual({ host: 'unix:///run/x.sock', socketPath: '/run/x.sock' });
    const tcp = dockerEndpoint({ env: { DOCKER_HOST: 'tcp://build.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
    expect(tcp).toMatchObject({ hostname: 'build.example', port: 2376, tls: { verify: true } });
    expect(tcp.tls?.ca?.toString()).toBe('CA');
    expect(dockerEndpoint({ env: { DOCKER_HOST: 'tcp://10.0.0.1' } })).toMatchObject({ hostname: '10.0.0.1', port: 2375, tls: undefined });
    expect(() => dockerEndpoint({ env: { DOCKER_HOST: 'ssh://me@build' } })).toThrow(LocalImageError);
  });

  it("follows config.json's currentContext (or DOCKER_CONTEXT) to the context's endpoint, else the default socket", () => {
    const configDir = path.join(dir, 'config');
    mkdirSync(configDir);
    expect(dockerEndpoint({ env: {}, dockerConfigDir: configDir }).host).toBe(DEFAULT_DOCKER_HOST);
    context(configDir, 'remote', 'tcp://remote.example:2376', true);
    context(configDir, 'local', 'unix:///run/user/1000/docker.sock');
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    expect(dockerEndpoint({ env: {}, dockerConfigDir: configDir })).toMatchObject({ hostname: 'remote.example', port: 2376, tls: { verify: true } });
    expect(dockerEndpoint({ env: { DOCKER_CONTEXT: 'local' }, dockerConfigDir: configDir }).socketPath).toBe('/run/user/1000/docker.sock');
    expect(dockerEndpoint({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'default' } }).host).toBe(DEFAULT_DOCKER_HOST);
    expect(() => dockerEndpoint({ env: { DOCKER_CONTEXT: 'gone' }, dockerConfigDir: configDir })).toThrow(/^docker context "gone" cannot be read/);
  });
});
