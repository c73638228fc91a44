// Registry token auth: the verifier in-process (signatures, chains, kid, claims, scopes) and the
// server's answers over HTTPS (challenges, notary error bodies, configuration errors).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthResult } from '../../src/server/auth.js';
import { startServer } from '../../src/server/server.js';
import { libtrustKeyId, parseCertificateBundle, TokenAuthenticator } from '../../src/server/token-auth.js';
import { waitUntil } from '../helpers/ports.js';
import { expiredSigner, makeTokenKeys, mintToken, type MintOptions, type TokenKeys } from '../helpers/token-issuer.js';
import { errorOf, startTestServer, TEST_SERVER_PASSPHRASE, type TestServer } from './server-harness.js';

const ISSUER = 'test-token-issuer';
const SERVICE = 'notary.example.com';
const REALM = 'https://auth.example.com/token';
const GUN = 'registry.example.com/team/app';
const repo = { kind: 'repository', gun: GUN } as const;

let dir: string;
let keys: TokenKeys;
let verifier: TokenAuthenticator;

const token = (o: Partial<MintOptions> = {}) =>
  mintToken({ signer: keys.x5c, issuer: ISSUER, audience: SERVICE, subject: 'alice', access: [{ name: GUN, actions: ['pull', 'push'] }], ...o });
const bearer = async (o: Partial<MintOptions> = {}) => `Bearer ${await token(o)}`;
const challengeOf = (r: AuthResult) => (r.ok ? undefined : r.challenge);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'token-auth-test-'));
  keys = await makeTokenKeys(dir);
  verifier = await TokenAuthenticator.create({
    realm: REALM,
    service: SERVICE,
    issuer: ISSUER,
    rootCerts: parseCertificateBundle((await import('node:fs')).readFileSync(keys.bundleFile, 'utf8'), keys.bundleFile),
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('token verifier', () => {
  it('accepts an x5c token whose chain leads to the bundle CA, and a kid token naming a bundle key; the user is the subject', async () => {
    expect(await verifier.authorize(await bearer(), 'push', '-', repo)).toEqual({ ok: true, user: 'alice' });
    expect(await verifier.authorize(await bearer({ signer: keys.kid, header: 'kid', subject: 'bob' }), 'push', '-', repo)).toEqual({ ok: true, user: 'bob' });
  });

  it('names keys as libtrust does: 12 groups of 4 base32 characters', () => {
    expect(libtrustKeyId(keys.kid.chain[0]!.publicKey)).toMatch(/^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$/);
    expect(libtrustKeyId(keys.kid.chain[0]!.publicKey)).not.toBe(libtrustKeyId(keys.x5c.chain[0]!.publicKey));
  });

  it('asks without a token: realm, service and the scope the request needs (pull; pull,push; *), no error', async () => {
    expect(challengeOf(await verifier.authorize(undefined, 'pull', '-', repo))).toBe(
      `Bearer realm="${REALM}",service="${SERVICE}",scope="repository:${GUN}:pull"`,
    );
    expect(challengeOf(await verifier.authorize(undefined, 'push', '-', repo))).toContain(`scope="repository:${GUN}:pull,push"`);
    expect(challengeOf(await verifier.authorize(undefined, 'admin', '-', repo))).toContain(`scope="repository:${GUN}:*"`);
    expect(challengeOf(await verifier.authorize(undefined, 'pull', '-', { kind: 'ping' }))).toBe(`Bearer realm="${REALM}",service="${SERVICE}"`);
    expect(challengeOf(await verifier.authorize(undefined, 'admin', '-', { kind: 'server' }))).toContain('scope="registry:catalog:*"');
  });

  const refusals: [string, () => Promise<string>, string, RegExp][] = [
    ['a token for another repository', () => bearer({ access: [{ name: 'registry.example.com/other', actions: ['pull', 'push'] }] }), 'insufficient_scope', /does not grant/],
    ['a token without push', () => bearer({ access: [{ name: GUN, actions: ['pull'] }] }), 'insufficient_scope', /does not grant/],
    ['a token with push but not pull (notary writes need both)', () => bearer({ access: [{ name: GUN, actions: ['push'] }] }), 'insufficient_scope', /does not grant/],
    ['a registry-typed grant of the same name', () => bearer({ access: [{ type: 'registry', name: GUN, actions: ['*'] }] }), 'insufficient_scope', /does not grant/],
    ['an expired token', () => bearer({ expiresIn: -120 }), 'invalid_token', /expired/],
    ['a token not valid yet', () => bearer({ notBefore: 600, expiresIn: 900 }), 'invalid_token', /not valid yet/],
    ['a token from an unknown CA (valid chain, root not in the bundle)', () => bearer({ signer: keys.foreign }), 'invalid_token', /does not lead to a certificate in the root bundle/],
    ['a kid the bundle does not know', () => bearer({ signer: keys.otherCa, header: 'kid' }), 'invalid_token', /not in the root certificate bundle/],
    ['a token for another service (aud)', () => bearer({ audience: 'registry.example.com' }), 'invalid_token', /audience/],
    ['a token from another issuer (iss)', () => bearer({ issuer: 'someone-else' }), 'invalid_token', /issuer/],
    ['a token whose x5c leaf is not the key that signed it', async () => {
      const t = await token({ signer: { key: keys.foreign.key, chain: keys.x5c.chain } });
      return `Bearer ${t}`;
    }, 'invalid_token', /signature does not verify/],
    ['a tampered payload', async () => {
      const [h, , s] = (await token()).split('.');
      const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: SERVICE, exp: 2e9, access: [{ type: 'repository', name: GUN, actions: ['*'] }] })).toString('base64url');
      return `Bearer ${h}.${payload}.${s}`;
    }, 'invalid_token', /signature does not verify/],
    ['an unsigned token (alg none)', async () => {
      const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `Bearer ${part({ alg: 'none', kid: libtrustKeyId(keys.kid.chain[0]!.publicKey) })}.${part({ iss: ISSUER, aud: SERVICE, exp: 2e9, access: [{ type: 'repository', name: GUN, actions: ['*'] }] })}.`;
    }, 'invalid_token', /algorithm is not accepted|cannot be verified/],
    ['an HMAC token keyed with the public key (alg confusion)', async () => {
      const secret = keys.kid.chain[0]!.publicKey.export({ type: 'spki', format: 'der' });
      const t = await new SignJWT({ access: [{ type: 'repository', name: GUN, actions: ['*'] }] })
        .setProtectedHeader({ alg: 'HS256', kid: libtrustKeyId(keys.kid.chain[0]!.publicKey) })
        .setIssuer(ISSUER)
        .setAudience(SERVICE)
        .setExpirationTime('5m')
        .sign(new Uint8Array(secret));
      return `Bearer ${t}`;
    }, 'invalid_token', /algorithm is not accepted|cannot be verified/],
    ['a token signed by an expired certificate of the bundle CA', async () => bearer({ signer: await expiredSigner(keys) }), 'invalid_token', /expired or not yet valid/],
    ['a token with neither x5c nor kid', async () => {
      const t = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience(SERVICE).setExpirationTime('5m').sign(keys.kid.key);
      return `Bearer ${t}`;
    }, 'invalid_token', /neither x5c nor kid/],
    ['garbage', async () => 'Bearer not.a.jwt', 'invalid_token', /not a JWT|cannot be verified/],
  ];
  it.each(refusals)('refuses %s: 401, invalid_token or insufficient_scope, and the reason', async (_what, make, error, reason) => {
    const result = await verifier.authorize(await make(), 'push', '-', repo);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.status).toBe(401);
    const challenge = challengeOf(result)!;
    expect(challenge).toContain(`scope="repository:${GUN}:pull,push"`);
    expect(challenge).toContain(`error="${error}"`);
    expect(/error_description="([^"]*)"/.exec(challenge)?.[1]).toMatch(reason);
  });

  it('tolerates a minute of clock skew on exp, as distribution does', async () => {
    expect((await verifier.authorize(await bearer({ expiresIn: -30 }), 'push', '-', repo)).ok).toBe(true);
  });

  it('`*` grants pull, push and delete; deleting needs `*`, pull,push is not enough', async () => {
    const star = await bearer({ access: [{ name: GUN, actions: ['*'] }] });
    for (const access of ['pull', 'push', 'admin'] as const) expect((await verifier.authorize(star, access, '-', repo)).ok).toBe(true);
    expect((await verifier.authorize(await bearer(), 'admin', '-', repo)).ok).toBe(false);
  });

  it('the ping takes any valid token; server-wide routes need `*` on registry:catalog', async () => {
    const plain = await bearer({ access: [] });
    expect((await verifier.authorize(plain, 'pull', '-', { kind: 'ping' })).ok).toBe(true);
    expect((await verifier.authorize(plain, 'admin', '-', { kind: 'server' })).ok).toBe(false);
    const catalog = await bearer({ access: [{ type: 'registry', name: 'catalog', actions: ['*'] }] });
    expect((await verifier.authorize(catalog, 'admin', '-', { kind: 'server' })).ok).toBe(true);
    // A catalog grant is not a grant on any repository.
    expect((await verifier.authorize(catalog, 'pull', '-', repo)).ok).toBe(false);
  });

  it('refuses an expired token it accepted before (the cache does not outlive exp)', async () => {
    let now = Date.now();
    const clocked = await TokenAuthenticator.create({ realm: REALM, service: SERVICE, issuer: ISSUER, rootCerts: [keys.tokenCa.chain[0]!], now: () => now });
    const t = await bearer({ expiresIn: 10 });
    expect((await clocked.authorize(t, 'pull', '-', repo)).ok).toBe(true);
    now += 120_000;
    expect(challengeOf(await clocked.authorize(t, 'pull', '-', repo))).toContain('the token has expired');
  });
});

describe('trust-tui server with --auth token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ token: { realm: REALM, service: SERVICE, issuer: ISSUER, rootCertBundle: keys.bundleFile } });
  });
  afterAll(() => server?.stop());

  it('answers 401 with a Bearer challenge and notary\'s UNAUTHORIZED body naming the repository and action', async () => {
    const read = await server.request('GET', `/v2/${GUN}/_trust/tuf/root.json`);
    expect(read.status).toBe(401);
    expect(read.headers['www-authenticate']).toBe(`Bearer realm="${REALM}",service="${SERVICE}",scope="repository:${GUN}:pull"`);
    expect(errorOf(read)).toEqual({ code: 'UNAUTHORIZED', detail: [{ Type: 'repository', Name: GUN, Action: 'pull' }] });
    const publish = await server.publish(GUN, [{ role: 'root', data: Buffer.from('{}') }]);
    expect(publish.status).toBe(401);
    expect(publish.headers['www-authenticate']).toContain(`scope="repository:${GUN}:pull,push"`);
    const remove = await server.request('DELETE', `/v2/${GUN}/_trust/tuf/`, { headers: { authorization: await bearer() } });
    expect(remove.status).toBe(401);
    expect(remove.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(errorOf(remove).detail).toEqual([{ Type: 'repository', Name: GUN, Action: '*' }]);
    const ping = await server.request('GET', '/v2/');
    expect(ping.status).toBe(401);
    expect(ping.headers['www-authenticate']).toBe(`Bearer realm="${REALM}",service="${SERVICE}"`);
  });

  it('serves with a valid token (404 for a repository that does not exist yet), logs the subject, and /metrics needs registry:catalog:*', async () => {
    const read = await server.request('GET', `/v2/${GUN}/_trust/tuf/root.json`, { headers: { authorization: await bearer({ subject: 'carol' }) } });
    expect(read.status).toBe(404);
    // The log line is written when the response finishes, which may be just after the client has it.
    await waitUntil('the request logged with the token subject', async () =>
      server.logs.some((l) => l.includes(' carol "GET /v2/registry.example.com/team/app/_trust/tuf/root.json" 404 ')), { timeoutMs: 5_000 });
    const pending = await server.request('GET', `/v2/${GUN}/_trust/requests/`, { headers: { authorization: await bearer({ access: [{ name: GUN, actions: ['pull'] }] }) } });
    expect(pending.status).toBe(401);
    const metrics = await server.request('GET', '/metrics', { headers: { authorization: await bearer() } });
    expect(metrics.status).toBe(401);
    expect(metrics.headers['www-authenticate']).toContain('scope="registry:catalog:*"');
    const allowed = await server.request('GET', '/metrics', { headers: { authorization: await bearer({ access: [{ type: 'registry', name: 'catalog', actions: ['*'] }] }) } });
    expect(allowed.status).toBe(200);
    expect(allowed.text()).toContain('# TYPE');
  });

  it('refuses to start with a one-line error naming what is wrong', async () => {
    const base = { dataDir: path.join(dir, 'cfg'), passphrase: TEST_SERVER_PASSPHRASE, listen: '127.0.0.1:0' };
    const token = { realm: REALM, service: SERVICE, issuer: ISSUER, rootCertBundle: keys.bundleFile };
    const htpasswd = path.join(dir, 'htpasswd');
    writeFileSync(htpasswd, '');
    await expect(startServer({ ...base, token, htpasswd })).rejects.toThrow(/^--auth token and --htpasswd.* are exclusive/);
    await expect(startServer({ ...base, token: { realm: REALM, rootCertBundle: keys.bundleFile } })).rejects.toThrow('--auth token needs --token-service, --token-issuer');
    await expect(startServer({ ...base, token: { ...token, realm: 'auth.example.com' } })).rejects.toThrow(/--token-realm "auth.example.com": expected the token service's http\(s\) URL/);
    const empty = path.join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    await expect(startServer({ ...base, token: { ...token, rootCertBundle: empty } })).rejects.toThrow(/empty.pem: no PEM certificate found/);
    await expect(startServer({ ...base, token: { ...token, rootCertBundle: path.join(dir, 'missing.pem') } })).rejects.toThrow(/--token-root-certs file/);
  });
});
