// Start-up, TLS bootstrap, authentication, graceful shutdown and the `trust-tui server` command.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, ServerConfigError } from '../../src/server/server.js';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { PublicKey } from '../../src/tuf/key.js';
import { notaryCli, stopAllPeers } from '../helpers/peers.js';
import { TestRepo } from './repo-fixture.js';
import { errorOf, startTestServer, TEST_SERVER_PASSPHRASE, type TestServer } from './server-harness.js';

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('server start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-lifecycle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start without TRUST_TUI_SERVER_PASSPHRASE, naming the variable', async () => {
    await expect(startServer({ dataDir: dir, passphrase: undefined, listen: '127.0.0.1:0' })).rejects.toThrow(
      /TRUST_TUI_SERVER_PASSPHRASE/,
    );
  });

  it('makes a local CA once and a certificate for the listen address that the CA verifies', async () => {
    const dataDir = path.join(dir, 'tls-bootstrap');
    const first = await startTestServer({ dataDir });
    expect(first.createdCa).toBe(true);
    const ca = new X509Certificate(readFileSync(first.caFile!));
    const cert = new X509Certificate(readFileSync(path.join(dataDir, 'tls', 'server.crt')));
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect((await first.request('GET', '/v2/')).status).toBe(200); // the harness trusts only that CA
    await first.stop();

    const second = await startTestServer({ dataDir });
    expect(second.createdCa).toBe(false);
    expect(new X509Certificate(readFileSync(second.caFile!)).fingerprint256).toBe(ca.fingerprint256);
    await second.stop();
  });

  it('uses a given certificate and key instead of making a CA', async () => {
    // A certificate from another server's local CA stands in for one from a real CA.
    const issuer = await startTestServer({ dataDir: path.join(dir, 'issuer') });
    await issuer.stop();
    const tlsDir = path.join(dir, 'issuer', 'tls');
    const server = await startTestServer({
      dataDir: path.join(dir, 'given-cert'),
      tlsCert: path.join(tlsDir, 'server.crt'),
      tlsKey: path.join(tlsDir, 'server.key'),
    });
    expect(server.caFile).toBeUndefined();
    const { httpRequest } = await import('../helpers/http.js');
    expect((await httpRequest(`${server.url}/v2/`, { caFile: path.join(tlsDir, 'ca.crt') })).status).toBe(200);
    await server.stop();
    await expect(
      startServer({ dataDir: dir, passphrase: 'x', listen: '127.0.0.1:0', tlsCert: path.join(tlsDir, 'server.crt') }),
    ).rejects.toThrow(/--tls-cert and --tls-key go together/);
  });

  it('refuses a wrong passphrase for keys already stored', async () => {
    const dataDir = path.join(dir, 'passphrase');
    const server = await startTestServer({ dataDir });
    await server.timestampKey('example.com/app');
    await server.stop();
    await expect(startServer({ dataDir, passphrase: 'not the one', listen: '127.0.0.1:0' })).rejects.toBeInstanceOf(ServerConfigError);
  });

  it('serves plain HTTP only when asked', async () => {
    const server = await startTestServer({ insecureHttp: true });
    expect(server.url).toMatch(/^http:\/\//);
    expect(server.caFile).toBeUndefined();
    expect((await server.request('GET', '/v2/')).status).toBe(200);
    await server.stop();
  });
});

describe('htpasswd authentication', () => {
  let server: TestServer;
  let anonymousReads: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-auth-'));
    const readWrite = path.join(dir, 'htpasswd');
    const readOnly = path.join(dir, 'htpasswd-read');
    writeFileSync(readWrite, `# publishers\nalice:${bcrypt.hashSync('alice-pass', 4)}\n`);
    writeFileSync(readOnly, `reader:${bcrypt.hashSync('reader-pass', 4)}\n`);
    server = await startTestServer({ htpasswd: readWrite, htpasswdReadOnly: readOnly });
    anonymousReads = await startTestServer({ htpasswd: readWrite, anonymousRead: true });
  });
  afterAll(async () => {
    await server?.stop();
    await anonymousReads?.stop();
    await stopAllPeers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('challenges requests without credentials with Basic, as the docker and notary clients expect', async () => {
    const res = await server.request('GET', '/v2/');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="trust-tui"');
    expect(errorOf(res).code).toBe('UNAUTHORIZED');
    expect((await server.request('GET', '/v2/', { headers: basic('alice', 'wrong') })).status).toBe(401);
    expect((await server.request('GET', '/_notary_server/health')).status).toBe(200);
  });

  it('lets read-write users publish and read-only users only read', async () => {
    const gun = 'example.com/app';
    expect((await server.request('GET', `/v2/${gun}/_trust/tuf/root.json`, { headers: basic('reader', 'reader-pass') })).status).toBe(404);
    const denied = await server.publish(gun, [{ role: 'root', data: Buffer.from('{}') }], basic('reader', 'reader-pass'));
    expect([denied.status, errorOf(denied).code]).toEqual([403, 'DENIED']);
    // alice gets past auth to validation (an empty root is invalid, but not unauthorised).
    const validated = await server.publish(gun, [{ role: 'root', data: Buffer.from('{}') }], basic('alice', 'alice-pass'));
    expect([validated.status, errorOf(validated).code]).toEqual([400, 'INVALID_UPDATE']);
    expect((await server.request('DELETE', `/v2/${gun}/_trust/tuf/`, { headers: basic('reader', 'reader-pass') })).status).toBe(403);
  });

  it('with --anonymous-read, reads need no credentials but writes do', async () => {
    const gun = 'example.com/app';
    expect((await anonymousReads.request('GET', `/v2/${gun}/_trust/tuf/root.json`)).status).toBe(404);
    expect((await anonymousReads.publish(gun, [{ role: 'root', data: Buffer.from('{}') }])).status).toBe(401);
    expect((await anonymousReads.request('GET', `/v2/${gun}/_trust/tuf/timestamp.key`)).status).toBe(401);
  });

  it('the notary CLI publishes with NOTARY_AUTH, and is refused without it', async () => {
    const trustDir = mkdtempSync(path.join(dir, 'trust-'));
    const notary = notaryCli(trustDir, server.url, server.caFile!);
    const refused = await notary(['init', 'example.com/cli', '-p']);
    expect(refused.code).not.toBe(0);
    const auth = Buffer.from('alice:alice-pass').toString('base64');
    const ok = await notary(['init', 'example.com/cli2', '-p'], { env: { NOTARY_AUTH: auth } });
    expect(ok.code, ok.stderr).toBe(0);
    const root = await server.request('GET', '/v2/example.com/cli2/_trust/tuf/root.json', { headers: basic('reader', 'reader-pass') });
    expect(root.status).toBe(200);
    // The notary CLI never sends Basic credentials for read-only commands (list, lookup): that is
    // its own limitation, the same against notary-server with htpasswd.
    const list = await notary(['list', 'example.com/cli2'], { env: { NOTARY_AUTH: auth } });
    expect(list.stdout + list.stderr).toContain('no basic auth credentials');
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight, then refuses new connections', async () => {
    const server = await startTestServer();
    const body = Buffer.from('--b\r\nContent-Disposition: form-data; name="files"; filename="targets"\r\n\r\n{"signed":{"version":1}}\r\n--b--\r\n');
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const req = https.request({
      host: server.host,
      port: server.port,
      method: 'POST',
      path: '/v2/example.com/app/_trust/tuf/',
      ca: readFileSync(server.caFile!),
      headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': body.length },
      agent: false,
    });
    const status = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    const connected = new Promise<void>((resolve) => req.on('socket', (socket) => socket.once('secureConnect', () => resolve())));
    // Headers and part of the body now; the rest only after shutdown has begun.
    req.write(body.subarray(0, 20));
    await connected;
    await pause(300); // let the server read the request's head
    const closed = server.close();
    await pause(200);
    req.end(body.subarray(20));
    expect(await status).toBe(400); // answered (no root yet), not cut off
    await closed;
    await expect(server.request('GET', '/v2/')).rejects.toThrow(/ECONNREFUSED/);
    await server.stop();
  });
});

describe('trust-tui server command', () => {
  const cli = path.resolve('src/cli.ts');
  const tsx = path.resolve('node_modules/.bin/tsx');

  /** Runs `trust-tui server ARGS` from the source to its end: exit code and standard error. */
  const runServer = async (args: string[]): Promise<{ code: unknown; stderr: string }> => {
    const child = spawn(tsx, [cli, 'server', ...args], { env: { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    return { code, stderr };
  };

  it('a flag value it cannot take is a usage error (exit 2) naming the flag; a busy port is one line saying so', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-cli-'));
    try {
      for (const [args, flag] of [
        [['--workers', '0'], '--workers must be a whole number from 1 to 64'],
        [['--listen', '127.0.0.1:99999'], '--listen "127.0.0.1:99999": expected HOST:PORT'],
        [['--max-connections-per-client', '-1'], '--max-connections-per-client must be a whole number'],
        [['--tls-cert', 'server.crt'], '--tls-cert and --tls-key go together'],
        [['--anonymous-read'], '--anonymous-read goes with --htpasswd'],
        [['--auth', 'token', '--token-realm', 'https://registry.example.com/token'], '--auth token needs --token-service, --token-issuer, --token-root-certs'],
      ] as const) {
        const r = await runServer([...args, '--data', dataDir]);
        expect([args[0], r.code]).toEqual([args[0], 2]);
        expect(r.stderr).toContain(`error: ${flag}`);
      }
      const busy = await startTestServer();
      try {
        const r = await runServer(['--listen', `127.0.0.1:${busy.port}`, '--data', dataDir, '--workers', '1']);
        expect(r.code).toBe(1);
        expect(r.stderr.trim()).toBe(`trust-tui: cannot listen on 127.0.0.1:${busy.port}: 127.0.0.1:${busy.port} is in use by another process; stop it or choose another --listen`);
        // With --log-format json the failure is a JSON line too, for log pipelines.
        const json = await runServer(['--listen', `127.0.0.1:${busy.port}`, '--data', dataDir, '--workers', '1', '--log-format', 'json']);
        expect(json.code).toBe(1);
        expect(JSON.parse(json.stderr.trim())).toMatchObject({ level: 'error', msg: expect.stringContaining(`did not start: cannot listen on 127.0.0.1:${busy.port}`) });
      } finally {
        await busy.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits with a one-line error naming TRUST_TUI_SERVER_PASSPHRASE when it is missing', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-cli-'));
    const env = { ...process.env };
    delete env.TRUST_TUI_SERVER_PASSPHRASE;
    const child = spawn(tsx, [cli, 'server', '--listen', '127.0.0.1:0', '--data', dataDir], { env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('TRUST_TUI_SERVER_PASSPHRASE');
  });

  it('prints the URL and how to trust the CA, serves from two workers, logs requests, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'trust-tui-server-cli-'));
    const child = spawn(tsx, [cli, 'server', '--listen', '127.0.0.1:0', '--data', dataDir, '--workers', '2'], {
      env: { ...process.env, TRUST_TUI_SERVER_PASSPHRASE: TEST_SERVER_PASSPHRASE },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!/Clients use it/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (https:\/\/\S+)/.exec(stdout)?.[1];
      expect(url).toBeDefined();
      const caFile = path.join(dataDir, 'tls', 'ca.crt');
      expect(stdout).toContain(`cp ${caFile} ~/.docker/tls/${new URL(url!).host}/ca.crt`);
      const { httpRequest } = await import('../helpers/http.js');
      expect((await httpRequest(`${url}/v2/`, { caFile })).status).toBe(200);
      // One line for the server, from the primary once every worker listens; none from the workers.
      expect(stdout.match(/listening on/g)).toHaveLength(1);
      expect(stdout).toContain(`trust-tui server is listening on ${url} with 2 workers (data in ${dataDir})`);

      // A publish handled by one worker is what every worker serves (they share the database).
      const gun = 'example.com/workers';
      const key = await httpRequest(`${url}/v2/${gun}/_trust/tuf/timestamp.key`, { caFile });
      const repo = await TestRepo.create(gun, PublicKey.fromJSON(key.json()));
      const { body, contentType } = encodeMultipart(repo.firstPublish().map((f) => ({ role: f.role, bytes: f.data })));
      const published = await httpRequest(`${url}/v2/${gun}/_trust/tuf/`, { caFile, method: 'POST', body, headers: { 'content-type': contentType } });
      expect(published.status, published.text()).toBe(200);
      const reads = await Promise.all(Array.from({ length: 8 }, () => httpRequest(`${url}/v2/${gun}/_trust/tuf/timestamp.json`, { caFile })));
      expect(new Set(reads.map((r) => `${r.status} ${r.text()}`)).size).toBe(1);
      expect(reads[0]?.status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/"GET \/v2\/" 200/);
      expect(stdout).toMatch(/stopped/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
