import { describe, expect, it } from 'vitest';
import { createAuthorizer, parseChallenges, repositoryScope } from '../../src/registry/auth.js';
import type { HttpFetch, HttpRequestInit, HttpResponse } from '../../src/registry/http.js';

function jsonResponse(status: number, body: unknown): HttpResponse {
  const text = JSON.stringify(body);
  return {
    status,
    ok: status >= 200 && status < 300,
    url: '',
    headers: { get: () => null },
    arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
    text: async () => text,
  };
}

/** A token server that records requests and answers with numbered tokens. */
function fakeTokenServer(status = 200): { fetch: HttpFetch; calls: { url: URL; init: HttpRequestInit }[] } {
  const calls: { url: URL; init: HttpRequestInit }[] = [];
  const fetch: HttpFetch = async (url, init = {}) => {
    calls.push({ url: new URL(url), init });
    return jsonResponse(status, { token: `t${calls.length}`, expires_in: 300 });
  };
  return { fetch, calls };
}

const BEARER = 'Bearer realm="https://auth.example.com/token",service="registry.example.com"';

describe('parseChallenges', () => {
  it('reads Bearer parameters, including quoted commas and escapes', () => {
    expect(
      parseChallenges('Bearer realm="https://a/token",service="svc",scope="repository:x:pull,push",error="a \\"b\\""'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://a/token', service: 'svc', scope: 'repository:x:pull,push', error: 'a "b"' },
      },
    ]);
  });
  it('reads several challenges in one header', () => {
    expect(parseChallenges('Basic realm="Registry Realm", Bearer realm="https://t", service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
    ]);
  });
});

describe('createAuthorizer', () => {
  it('gets a token with Basic credentials, service, scope and account, as docker', async () => {
    const server = fakeTokenServer();
    const authorize = createAuthorizer({
      credentials: { username: 'alice', password: 's3cret', source: 'test' },
      fetch: server.fetch,
    });
    const scope = repositoryScope('registry.example.com/team/app', ['pull', 'push']);
    expect(await authorize(BEARER, scope)).toBe('Bearer t1');
    const [call] = server.calls;
    expect(call?.url.origin + call!.url.pathname).toBe('https://auth.example.com/token');
    expect(Object.fromEntries(call!.url.searchParams)).toEqual({
      service: 'registry.example.com',
      scope: 'repository:registry.example.com/team/app:pull,push',
      account: 'alice',
    });
    expect(call?.init.headers?.Authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  });

  it('sends several scopes (a push with a cross-repository mount) as several scope parameters, as docker', async () => {
    const server = fakeTokenServer();
    const authorize = createAuthorizer({ credentials: undefined, fetch: server.fetch });
    expect(await authorize(BEARER, 'repository:team/app:pull,push repository:team/base:pull')).toBe('Bearer t1');
    expect(server.calls[0]?.url.searchParams.getAll('scope')).toEqual(['repository:team/app:pull,push', 'repository:team/base:pull']);
  });

  it('caches tokens per scope until they expire', async () => {
    let now = 1_000_000;
    const server = fakeTokenServer();
    const authorize = createAuthorizer({ credentials: undefined, fetch: server.fetch, now: () => now });
    expect(await authorize(BEARER, 'repository:a:pull')).toBe('Bearer t1');
    expect(await authorize(BEARER, 'repository:a:pull')).toBe('Bearer t1');
    expect(await authorize(BEARER, 'repository:a:pull,push')).toBe('Bearer t2');
    now += 301_000;
    expect(await authorize(BEARER, 'repository:a:pull')).toBe('Bearer t3');
    // Anonymous: no account, no Authorization.
    expect(server.calls[0]?.url.searchParams.has('account')).toBe(false);
    expect(server.calls[0]?.init.headers?.Authorization).toBeUndefined();
  });

  it('uses an identity token as an OAuth2 refresh token (POST)', async () => {
    const server = fakeTokenServer();
    const authorize = createAuthorizer({ credentials: { identityToken: 'idt', source: 'test' }, fetch: server.fetch });
    await authorize(BEARER, 'repository:a:pull');
    const [call] = server.calls;
    expect(call?.init.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(String(call?.init.body)))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'idt',
      client_id: 'docker',
      service: 'registry.example.com',
      scope: 'repository:a:pull',
    });
  });

  it('answers Basic challenges with the credentials, and nothing without them', async () => {
    const server = fakeTokenServer();
    const withCreds = createAuthorizer({
      credentials: async () => ({ username: 'u', password: 'p', source: 'test' }),
      fetch: server.fetch,
    });
    expect(await withCreds('Basic realm="r"')).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(await createAuthorizer({ credentials: undefined, fetch: server.fetch })('Basic realm="r"')).toBeUndefined();
    expect(server.calls).toHaveLength(0);
  });

  it('accepts a parsed challenge and a { scope } object (the Notary client\'s Authorize shape)', async () => {
    const server = fakeTokenServer();
    const authorize = createAuthorizer({ credentials: undefined, fetch: server.fetch });
    const [challenge] = parseChallenges(BEARER);
    expect(await authorize(challenge!, { scope: 'repository:g:pull' })).toBe('Bearer t1');
    expect(server.calls[0]?.url.searchParams.get('scope')).toBe('repository:g:pull');
  });

  it('reports a refused token request with the docker login hint', async () => {
    const server = fakeTokenServer(401);
    const authorize = createAuthorizer({ credentials: { username: 'u', password: 'bad', source: 'config.json' }, fetch: server.fetch });
    await expect(authorize(BEARER, 'repository:a:pull')).rejects.toMatchObject({
      message: 'token server https://auth.example.com refused the credentials from config.json (401)',
      hint: { cli: 'run docker login' },
    });
  });
});
