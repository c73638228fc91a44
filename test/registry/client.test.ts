import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_MANIFEST_BYTES, MEDIA_TYPES, RegistryClient } from '../../src/registry/client.js';
import type { HttpFetch, HttpRequestInit, HttpResponse } from '../../src/registry/http.js';
import { parseReference } from '../../src/registry/reference.js';

const sha256 = (data: Uint8Array | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function response(status: number, headers: Record<string, string> = {}, body: string | Uint8Array = ''): HttpResponse {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    ok: status >= 200 && status < 300,
    url: '',
    headers: { get: (name) => lower[name.toLowerCase()] ?? null },
    arrayBuffer: async () => bytes.slice().buffer as ArrayBuffer,
    text: async () => new TextDecoder().decode(bytes),
  };
}

type Route = (url: URL, init: HttpRequestInit) => HttpResponse | undefined;

/** A scripted registry: the first route that answers wins; requests are recorded. */
function fakeRegistry(...routes: Route[]): { fetch: HttpFetch; requests: { method: string; url: URL; init: HttpRequestInit }[] } {
  const requests: { method: string; url: URL; init: HttpRequestInit }[] = [];
  const fetch: HttpFetch = async (raw, init = {}) => {
    const url = new URL(raw);
    requests.push({ method: init.method ?? 'GET', url, init });
    for (const route of routes) {
      const answer = route(url, init);
      if (answer) return answer;
    }
    return response(404);
  };
  return { fetch, requests };
}

const ping: Route = (url) => (url.pathname === '/v2/' ? response(200) : undefined);
const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifestList, manifests: [] });

describe('RegistryClient.resolve (scripted registry)', () => {
  it('falls back to GET when HEAD gives no digest, and hashes the bytes itself', async () => {
    const registry = fakeRegistry(ping, (url, init) => {
      if (!url.pathname.endsWith('/manifests/v1')) return undefined;
      if (init.method === 'HEAD') return response(200, { 'Content-Type': MEDIA_TYPES.dockerManifestList });
      return response(200, { 'Content-Type': `${MEDIA_TYPES.dockerManifestList}; charset=utf-8` }, manifest);
    });
    const client = new RegistryClient({ fetch: registry.fetch, credentials: async () => undefined });
    expect(await client.resolve(parseReference('registry.example.com/team/app:v1'))).toEqual({
      digest: sha256(manifest),
      size: Buffer.byteLength(manifest),
      mediaType: MEDIA_TYPES.dockerManifestList,
    });
    const get = registry.requests.find((r) => r.method === 'GET' && r.url.pathname.includes('manifests'));
    expect(get?.url.toString()).toBe('https://registry.example.com/v2/team/app/manifests/v1');
    expect(get?.init.headers?.Accept).toContain(MEDIA_TYPES.ociIndex);
    expect(get?.init.headers?.Accept).toContain(MEDIA_TYPES.dockerManifest);
    expect(get?.init.maxBytes).toBe(MAX_MANIFEST_BYTES);
  });

  it('refuses manifest bytes that do not match Docker-Content-Digest', async () => {
    const registry = fakeRegistry(ping, (url, init) =>
      url.pathname.endsWith('/manifests/v1')
        ? init.method === 'HEAD'
          ? response(405)
          : response(200, { 'Docker-Content-Digest': sha256('something else') }, manifest)
        : undefined,
    );
    const client = new RegistryClient({ fetch: registry.fetch, credentials: async () => undefined });
    await expect(client.resolve(parseReference('registry.example.com/app:v1'))).rejects.toThrow(
      /sent a manifest for registry\.example\.com\/app:v1 whose bytes do not match its digest/,
    );
  });

  it('refuses a manifest larger than 4 MiB announced by HEAD', async () => {
    const registry = fakeRegistry(ping, (url) =>
      url.pathname.endsWith('/manifests/big')
        ? response(200, {
            'Docker-Content-Digest': sha256('x'),
            'Content-Length': String(MAX_MANIFEST_BYTES + 1),
            'Content-Type': MEDIA_TYPES.ociIndex,
          })
        : undefined,
    );
    const client = new RegistryClient({ fetch: registry.fetch, credentials: async () => undefined });
    await expect(client.resolve(parseReference('registry.example.com/app:big'))).rejects.toThrow(/larger than 4194304 bytes/);
  });

  it('talks to registry-1.docker.io for Docker Hub and follows its Bearer challenge', async () => {
    const challenge = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"';
    const registry = fakeRegistry(
      (url) => (url.host === 'auth.docker.io' ? response(200, {}, JSON.stringify({ token: 'tok' })) : undefined),
      (url, init) => {
        if (init.headers?.Authorization !== 'Bearer tok') return response(401, { 'WWW-Authenticate': challenge });
        if (url.pathname === '/v2/library/alpine/manifests/3') {
          return response(200, { 'Docker-Content-Digest': sha256(manifest), 'Content-Length': '77', 'Content-Type': MEDIA_TYPES.ociIndex });
        }
        return undefined;
      },
    );
    const client = new RegistryClient({
      fetch: registry.fetch,
      credentials: async (host) => (host === 'docker.io' ? { username: 'u', password: 'p', source: 'test' } : undefined),
    });
    expect(await client.resolve(parseReference('alpine:3'))).toEqual({ digest: sha256(manifest), size: 77, mediaType: MEDIA_TYPES.ociIndex });
    const token = registry.requests.find((r) => r.url.host === 'auth.docker.io');
    expect(token?.url.searchParams.get('scope')).toBe('repository:library/alpine:pull');
    expect(registry.requests[0]?.url.toString()).toBe('https://registry-1.docker.io/v2/');
  });

  it('never uses plain http for a registry that is not loopback', async () => {
    const registry = fakeRegistry();
    const client = new RegistryClient({ fetch: registry.fetch, loopbackScheme: 'http', credentials: async () => undefined });
    await client.resolve(parseReference('registry.example.com/app:v1')).catch(() => undefined);
    expect(registry.requests.every((r) => r.url.protocol === 'https:')).toBe(true);
  });

  it('reports 403 with the registry\'s reason', async () => {
    const denied = JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
    const registry = fakeRegistry(ping, () => response(403, {}, denied));
    const client = new RegistryClient({ fetch: registry.fetch, credentials: async () => undefined });
    await expect(client.uploadBlob(parseReference('registry.example.com/app'), new Uint8Array([1]))).rejects.toThrow(
      'registry registry.example.com denied access to registry.example.com/app (403): DENIED requested access to the resource is denied',
    );
  });
});
