/**
 * The Notary HTTP client against scripted loopback servers (plain HTTP and TLS from the fixture's
 * throwaway CA): paths, error messages, size limits, timeouts, auth challenges and the multipart
 * publish body. The real notary-server is exercised in test/interop/client*.test.ts.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotaryClient, describeErrorBody } from '../../src/notary/http-client.js';
import type { AuthChallenge, AuthScope } from '../../src/notary/auth-challenge.js';
import { parseChallenges } from '../../src/notary/auth-challenge.js';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { ServerUnreachableError } from '../../src/notary/http-errors.js';
import { Deadline } from '../../src/net/deadline.js';
import { makePki, makeScratchDir, makeServerCertificate, removeScratchDir, type PkiFiles } from '../helpers/peers.js';

type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;

interface Scripted {
  url: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[];
  handle: Handler;
  close(): Promise<void>;
}

async function scriptedServer(tls?: https.ServerOptions): Promise<Scripted> {
  const scripted: Scripted = {
    url: '',
    requests: [],
    handle: (_req, _body, res) => res.writeHead(500).end(),
    close: async () => {},
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      scripted.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      scripted.handle(req, body, res);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  scripted.url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  scripted.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return scripted;
}

const notFoundBody =
  '{"errors":[{"code":"METADATA_NOT_FOUND","message":"You have requested metadata that does not exist.","detail":{}}]}\n';

function okPing(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.url !== '/v2/') return false;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('{}');
  return true;
}

describe('NotaryClient over plain HTTP', () => {
  let server: Scripted;
  beforeAll(async () => {
    server = await scriptedServer();
  });
  afterAll(() => server.close());

  it('GETs current, by-checksum and by-version metadata and returns the bytes unchanged', async () => {
    const bytes = Buffer.from('{"signed":{"_type":"Timestamp"},"signatures":[]}');
    server.requests = [];
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(200).end(bytes);
    const client = new NotaryClient({ baseUrl: server.url });
    const sha = 'a'.repeat(64);
    expect(await client.getMetadata('127.0.0.1:5000/team/app', 'timestamp')).toEqual(bytes);
    await client.getMetadataByChecksum('127.0.0.1:5000/team/app', 'targets/releases', sha, 1000);
    await client.getMetadataByVersion('127.0.0.1:5000/team/app', 'root', 3);
    // Reads go out at once: no `/v2/` ping first (one round trip less on a server without auth).
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v2/127.0.0.1:5000/team/app/_trust/tuf/timestamp.json',
      `/v2/127.0.0.1:5000/team/app/_trust/tuf/targets/releases.${sha}.json`,
      '/v2/127.0.0.1:5000/team/app/_trust/tuf/3.root.json',
    ]);
  });

  it('says the repository is not initialised when root.json is 404, and names the role otherwise', async () => {
    server.handle = (req, _b, res) =>
      okPing(req, res) || res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(notFoundBody);
    const client = new NotaryClient({ baseUrl: server.url });
    await expect(client.getMetadata('example.com/app', 'root')).rejects.toThrow(
      `repository example.com/app is not initialised on ${server.url}`,
    );
    await expect(client.getMetadata('example.com/app', 'targets/releases')).rejects.toMatchObject({
      name: 'MetadataNotFoundError',
      role: 'targets/releases',
    });
  });

  it("reports the server's rejection reason from notary's error body", async () => {
    const body =
      '{"errors":[{"code":"INVALID_UPDATE","message":"Update sent by the client is invalid.","detail":{"Name":"ErrBadTargets","Error":{"Msg":"valid signatures did not meet threshold for targets"}}}]}\n';
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(400).end(body);
    const client = new NotaryClient({ baseUrl: server.url });
    await expect(client.publish('example.com/app', [{ role: 'targets', bytes: Buffer.from('{}') }])).rejects.toThrow(
      'the server rejected the update: ErrBadTargets: valid signatures did not meet threshold for targets',
    );
  });

  it('maps other statuses to a message with the status code', async () => {
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(503).end('busy');
    const client = new NotaryClient({ baseUrl: server.url });
    await expect(client.deleteRepository('example.com/app')).rejects.toThrow(/answered 503 to delete example.com\/app/);
  });

  it("keeps the server's own words for any other status that carries a notary error body", async () => {
    const body = '{"errors":[{"code":"UPDATING","message":"the update could not be completed due to a server-side error","detail":{"storage":"writes are failing"}}]}\n';
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(500).end(body);
    const client = new NotaryClient({ baseUrl: server.url });
    await expect(client.publish('example.com/app', [{ role: 'targets', bytes: Buffer.from('{}') }])).rejects.toThrow(
      /answered 500 to .* \(UPDATING: the update could not be completed due to a server-side error\)/,
    );
  });

  it('stops reading a download at its size limit, with or without a Content-Length', async () => {
    const client = new NotaryClient({ baseUrl: server.url });
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(200).end(Buffer.alloc(2000, 0x61));
    await expect(client.getMetadataByChecksum('g/a', 'snapshot', 'b'.repeat(64), 1000)).rejects.toMatchObject({
      name: 'DownloadTooLargeError',
      limit: 1000,
    });
    // Chunked and endless: the client must give up after the limit, not wait for the end.
    server.handle = (req, _b, res) => {
      if (okPing(req, res)) return;
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(512, 0x62)), 1);
      res.on('close', () => clearInterval(timer));
    };
    await expect(client.getMetadata('g/a', 'timestamp', 4096)).rejects.toThrow(/larger than the 4096 bytes allowed/);
  });

  it('gives up on a server that never answers, within the command deadline, naming the request', async () => {
    server.handle = (req, _b, res) => void (okPing(req, res) || undefined);
    const client = new NotaryClient({ baseUrl: server.url, deadline: new Deadline(300) });
    const started = Date.now();
    const failure = client.getMetadata('g/a', 'root');
    await expect(failure).rejects.toBeInstanceOf(ServerUnreachableError);
    await expect(failure).rejects.toThrow(`GET ${server.url}/v2/g/a/_trust/tuf/root.json did not answer within 300ms`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('sends the publish as notary does: multipart field "files", role names with slashes, exact bytes', async () => {
    server.requests = [];
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(200).end();
    const client = new NotaryClient({ baseUrl: server.url });
    const releases = Buffer.from('{"signed":{"x":"<&>"},"signatures":[]}');
    const snapshot = Buffer.from([0x7b, 0x0d, 0x0a, 0x7d]); // bytes that look like a boundary line end
    await client.publish('example.com/app', [
      { role: 'targets/releases', bytes: releases },
      { role: 'snapshot', bytes: snapshot },
    ]);
    const post = server.requests.find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/v2/example.com/app/_trust/tuf/');
    const boundary = /^multipart\/form-data; boundary=([0-9a-f]{60})$/.exec(post.headers['content-type'] ?? '')?.[1];
    expect(boundary).toBeDefined();
    const expected = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="targets/releases"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      releases,
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="snapshot"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      snapshot,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    expect(post.body).toEqual(expected);
  });

  it("reads the server's key in Go's stdlib field order", async () => {
    const key = '{"keytype":"ed25519","keyval":{"public":"Td+Jk458P+P11emnlHVRAyQDgeyhuYzXphD8Yoo/96I=","private":null}}';
    server.handle = (req, _b, res) => okPing(req, res) || res.writeHead(200).end(key);
    const client = new NotaryClient({ baseUrl: server.url });
    const got = await client.getServerKey('example.com/app', 'timestamp');
    expect(got.id).toBe('87d45ca75f06f76df8549b7d3de9bb56b0df0984997f3cb94ae1780bc883fd14');
    const rotated = await client.rotateServerKey('example.com/app', 'snapshot');
    expect(rotated.keytype).toBe('ed25519');
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/v2/example.com/app/_trust/tuf/snapshot.key' });
  });
});

describe('NotaryClient authentication', () => {
  let server: Scripted;
  beforeAll(async () => {
    server = await scriptedServer();
  });
  afterAll(() => server.close());

  /** A server that challenges for a Bearer token and accepts only `Bearer good-<scope>`. */
  function tokenServer(): void {
    server.requests = [];
    server.handle = (req, _b, res) => {
      const challenge = 'Bearer realm="https://auth.example.com/token",service="notary",scope="x"';
      if (req.url === '/v2/' || !req.headers.authorization?.startsWith('Bearer good-')) {
        res.writeHead(401, { 'www-authenticate': challenge }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      res.writeHead(200).end('ok');
    };
  }

  it('follows the Bearer challenge with the pull scope for reads and the * scope for deletes', async () => {
    tokenServer();
    const asked: { challenge: AuthChallenge; scope: AuthScope }[] = [];
    const client = new NotaryClient({
      baseUrl: server.url,
      authorize: async (challenge, scope) => {
        asked.push({ challenge, scope });
        return `Bearer good-${scope.actions}`;
      },
    });
    await client.getMetadata('example.com/app', 'root');
    await client.getMetadata('example.com/app', 'targets');
    await client.deleteRepository('example.com/app');
    expect(asked.map((a) => a.scope.scope)).toEqual(['repository:example.com/app:pull', 'repository:example.com/app:*']);
    expect(asked[0]!.challenge).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'notary', scope: 'x' },
    });
    // The first read's 401 carried the challenge, remembered for the rest: the server was never pinged.
    expect(server.requests.filter((r) => r.url === '/v2/')).toHaveLength(0);
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization ?? '-'}`)).toEqual([
      'GET /v2/example.com/app/_trust/tuf/root.json -',
      'GET /v2/example.com/app/_trust/tuf/root.json Bearer good-pull',
      'GET /v2/example.com/app/_trust/tuf/targets.json Bearer good-pull',
      'DELETE /v2/example.com/app/_trust/tuf/ Bearer good-*',
    ]);
  });

  it('pings /v2/ before a write on a fresh client, so that a body is not sent only to be refused', async () => {
    tokenServer();
    const client = new NotaryClient({ baseUrl: server.url, authorize: async (_c, scope) => `Bearer good-${scope.actions}` });
    await client.deleteRepository('example.com/app');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v2/', 'DELETE /v2/example.com/app/_trust/tuf/']);
  });

  it('takes the ping’s challenge when a 401 carries none', async () => {
    server.requests = [];
    server.handle = (req, _b, res) => {
      if (req.url === '/v2/') res.writeHead(401, { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="notary"' }).end();
      else if (req.headers.authorization === 'Bearer good-pull') res.writeHead(200).end('ok');
      else res.writeHead(401).end();
    };
    const client = new NotaryClient({ baseUrl: server.url, authorize: async (_c, scope) => `Bearer good-${scope.actions}` });
    expect((await client.getMetadata('example.com/app', 'root')).toString()).toBe('ok');
    expect(server.requests.map((r) => r.url)).toEqual(['/v2/example.com/app/_trust/tuf/root.json', '/v2/', '/v2/example.com/app/_trust/tuf/root.json']);
  });

  it('fails with a login hint when there are no credentials or they are refused', async () => {
    tokenServer();
    const anonymous = new NotaryClient({ baseUrl: server.url, loginHint: 'docker login registry.example.com' });
    await expect(anonymous.getMetadata('example.com/app', 'root')).rejects.toMatchObject({
      message: `not authorised by ${server.url}`,
      hint: { cli: 'log in with docker login registry.example.com and try again' },
    });
    let calls = 0;
    const refused = new NotaryClient({
      baseUrl: server.url,
      authorize: async () => {
        calls++;
        return 'Bearer bad';
      },
    });
    await expect(refused.getMetadata('example.com/app', 'root')).rejects.toMatchObject({ name: 'UnauthorizedError' });
    expect(calls).toBe(1); // once with the challenge of the first 401; refused again: give up
  });

  it('parses Basic and multi-challenge headers', () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges('Bearer realm="a\\"b",service=svc, Basic realm=x')).toEqual([
      { scheme: 'bearer', params: { realm: 'a"b', service: 'svc' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });
});

describe('NotaryClient over TLS', () => {
  let dir: string;
  let pki: PkiFiles;
  let server: Scripted;
  let mutual: Scripted;
  beforeAll(async () => {
    dir = await makeScratchDir('http-client-tls');
    pki = await makePki(path.join(dir, 'pki'));
    const tls = { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) };
    server = await scriptedServer(tls);
    mutual = await scriptedServer({ ...tls, ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true });
    for (const s of [server, mutual]) s.handle = (req, _b, res) => okPing(req, res) || res.writeHead(200).end('tls-ok');
  });
  afterAll(async () => {
    await server?.close();
    await mutual?.close();
    await removeScratchDir(dir);
  });

  it('trusts the server only with the CA bundle it was given', async () => {
    const withoutCa = new NotaryClient({ baseUrl: server.url });
    await expect(withoutCa.getMetadata('g/a', 'root')).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^TLS certificate of ${server.url} is not trusted: .+$`)),
      hint: { cli: expect.stringMatching(/^pass --tlscacert or put the CA in \$DOCKER_CONFIG\/tls\/127\.0\.0\.1:\d+\/$/) },
    });
    const withCa = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(pki.caCert)] } });
    expect((await withCa.getMetadata('g/a', 'root')).toString()).toBe('tls-ok');
  });

  it('presents the client certificate for mutual TLS', async () => {
    const ca = [readFileSync(pki.caCert)];
    const noCert = new NotaryClient({ baseUrl: mutual.url, tls: { ca } });
    await expect(noCert.getMetadata('g/a', 'root')).rejects.toMatchObject({ name: expect.stringMatching(/TlsTrustError|ServerUnreachableError/) });
    const withCert = new NotaryClient({
      baseUrl: mutual.url,
      tls: { ca, cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) },
    });
    expect((await withCert.getMetadata('g/a', 'root')).toString()).toBe('tls-ok');
  });
});

describe('NotaryClient TLS advice follows the cause', () => {
  let pki: PkiFiles;
  let dir: string;
  const servers: Scripted[] = [];
  /** A TLS server with a certificate from `pki`'s CA made with `options`, and a client trusting that CA. */
  async function serving(name: string, options: Parameters<typeof makeServerCertificate>[2]) {
    const files = await makeServerCertificate(pki, name, options);
    const server = await scriptedServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) });
    servers.push(server);
    const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(pki.caCert)] }, caHint: 'THE CA ADVICE' });
    return { server, client };
  }
  /** The TlsTrustError a read gets; its advice is the same on the command line and in the UI. */
  async function failure(client: NotaryClient): Promise<{ message: string; advice: string }> {
    const e = (await client.getMetadata('g/a', 'root').catch((err: unknown) => err)) as Error & { hint?: { cli: string; ui: string } };
    expect(e.name).toBe('TlsTrustError');
    expect(e.hint?.ui).toBe(e.hint?.cli);
    expect(e.hint?.cli).not.toContain('THE CA ADVICE');
    return { message: e.message, advice: e.hint?.cli ?? '' };
  }
  beforeAll(async () => {
    dir = await makeScratchDir('http-client-tls-advice');
    pki = await makePki(path.join(dir, 'pki'));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await removeScratchDir(dir);
  });

  it('an expired certificate: its end date and this machine\'s time, not the CA', async () => {
    const { server, client } = await serving('expired', { issuedAt: '2020-01-01 00:00:00' });
    const { message, advice } = await failure(client);
    expect(message).toBe(`TLS certificate of ${server.url} is not trusted: certificate has expired`);
    expect(advice).toMatch(
      /^the server's certificate expired on 2020-01-31T00:00:\d\d\.000Z and this machine's clock says 20\d\d-\S+Z: the certificate must be renewed, or this machine's clock set right if it is wrong$/,
    );
  });

  it('a certificate not valid yet: its start date and this machine\'s time', async () => {
    const { client } = await serving('future', { issuedAt: '2036-01-01 00:00:00' });
    const { message, advice } = await failure(client);
    expect(message).toMatch(/: certificate is not yet valid$/);
    expect(advice).toMatch(/^the server's certificate is valid from 2036-01-01T00:00:\d\d\.000Z and this machine's clock says 20\d\d-\S+Z: set this machine's clock right if it is wrong, else the certificate must be reissued$/);
  });

  it('a certificate for other names: the names it holds and the one asked for', async () => {
    const { client } = await serving('other-name', { subjectAltName: 'DNS:notary.example.com,DNS:trust.example.com' });
    const { advice } = await failure(client);
    expect(advice).toBe(
      "the server's certificate holds only notary.example.com, trust.example.com, not 127.0.0.1: reach the server by a name it holds, or have the certificate reissued for 127.0.0.1",
    );
  });

  it('an expired certificate that does not chain to the trusted CA either: the CA advice first, then the date', async () => {
    const other = await makePki(path.join(dir, 'other-pki-expired'));
    const { server } = await serving('expired-elsewhere', { issuedAt: '2020-01-01 00:00:00' });
    const caHint = { cli: 'THE CLI CA ADVICE', ui: 'THE UI CA ADVICE' };
    const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(other.caCert)] }, caHint });
    const e = (await client.getMetadata('g/a', 'root').catch((err: unknown) => err)) as Error & { hint?: { cli: string; ui: string } };
    expect(e.message).toBe(`TLS certificate of ${server.url} is not trusted: certificate has expired`);
    const date = "the server's certificate expired on 2020-01-31T00:00:\\d\\d\\.000Z and this machine's clock says 20\\d\\d-\\S+Z: the certificate must be renewed";
    for (const face of ['cli', 'ui'] as const) {
      expect(e.hint?.[face]).toMatch(
        new RegExp(`^the server's certificate does not chain to the trusted CA either, so a new certificate alone would not help: ${caHint[face]}; then ${date}`),
      );
    }
  });

  it("with no CA given, an expired certificate of a CA node's own store does not hold: the CA advice first, then the date", async () => {
    const { server } = await serving('expired-private', { issuedAt: '2020-01-01 00:00:00' });
    const client = new NotaryClient({ baseUrl: server.url, caHint: 'THE CA ADVICE' });
    const e = (await client.getMetadata('g/a', 'root').catch((err: unknown) => err)) as Error & { hint?: { cli: string; ui: string } };
    expect(e.message).toBe(`TLS certificate of ${server.url} is not trusted: certificate has expired`);
    expect(e.hint?.cli).toMatch(/^the server's certificate does not chain to the trusted CA either, so a new certificate alone would not help: THE CA ADVICE; then the server's certificate expired on 2020-01-31T/);
  });

  it('a certificate that does not chain to the trusted CA keeps the CA advice', async () => {
    const other = await makePki(path.join(dir, 'other-pki'));
    const { server } = await serving('chained', {});
    const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(other.caCert)] }, caHint: 'THE CA ADVICE' });
    await expect(client.getMetadata('g/a', 'root')).rejects.toMatchObject({ name: 'TlsTrustError', hint: { cli: 'THE CA ADVICE', ui: 'THE CA ADVICE' } });
  });
});

describe('NotaryClient failures before any answer', () => {
  it('names the server and the cause when nothing listens', async () => {
    const server = await scriptedServer();
    const url = server.url;
    await server.close();
    const client = new NotaryClient({ baseUrl: url });
    await expect(client.getMetadata('g/a', 'root')).rejects.toThrow(`cannot reach the trust server at ${url}: ECONNREFUSED`);
  });
});

describe('helpers', () => {
  it('turns notary error bodies into one line', () => {
    expect(describeErrorBody(Buffer.from('{"errors":[{"code":"VERSION","message":"…","detail":{}}]}\n'))?.reason).toMatch(
      /^VERSION: the server already has this version or a newer one/,
    );
    expect(describeErrorBody(Buffer.from('{"errors":[{"code":"INVALID_ROLE","message":"invalid role","detail":"foo"}]}'))).toEqual({
      code: 'INVALID_ROLE',
      reason: 'INVALID_ROLE: invalid role (foo)',
    });
    expect(describeErrorBody(Buffer.from('<html>'))).toBeUndefined();
  });

  it("writes Go's exact multipart framing for a single part", () => {
    const { body } = encodeMultipart([{ role: 'root', bytes: Buffer.from('x') }], 'b');
    expect(body.toString()).toBe(
      '--b\r\nContent-Disposition: form-data; name="files"; filename="root"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--b--\r\n',
    );
  });
});
