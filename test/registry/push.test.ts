/**
 * pushImage against the REAL docker-registry (distribution 2.8) on loopback: what was pushed is
 * read back byte for byte; a second push sends nothing; a blob known in one repository is mounted
 * into another; a chunked upload resumes after the connection is cut; a corrupt local blob or a
 * refusing registry fails with one line and leaves no manifest behind.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deadline } from '../../src/net/deadline.js';
import { RegistryClient } from '../../src/registry/client.js';
import { LocalImageError } from '../../src/registry/local/image.js';
import { pushImage, PushError } from '../../src/registry/push.js';
import type { PushProgressEvent } from '../../src/registry/push-types.js';
import { parseReference, requireTag } from '../../src/registry/reference.js';
import { cuttingProxy } from '../helpers/cutting-proxy.js';
import { buildLocalImage, randomish, sha256, type BuiltImage } from '../helpers/local-image.js';
import { makeScratchDir, startRegistry, stopAllPeers, type Registry } from '../helpers/peers.js';

afterAll(stopAllPeers);

/** bcrypt("s3cret", cost 5); docker-registry's htpasswd needs bcrypt. */
const HTPASSWD = 'alice:$2b$05$reb4v1090gcSmgUJM13/j.JAKPSYFJFoRf1huMtRvktiUyeK56rie\n';
const FAST_RETRY = { attempts: 4, initialDelayMs: 50, maxDelayMs: 500 };

let registry: Registry;
let scratch: string;
let image: BuiltImage;

beforeAll(async () => {
  registry = await startRegistry();
  scratch = await makeScratchDir('push');
  // A config, a small layer and a 300 KB one (5 chunks of 64 KiB in the chunked tests).
  image = await buildLocalImage(path.join(scratch, 'image'), [Buffer.from('small layer'), randomish(300_000, 1)]);
});

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  return new RegistryClient({ loopbackScheme: 'http', credentials: async () => undefined, retry: FAST_RETRY, ...options });
}

const ref = (host: string, repoTag: string) => requireTag(parseReference(`${host}/${repoTag}`));

async function expectSameImage(c: RegistryClient, host: string, repoTag: string, built: BuiltImage): Promise<void> {
  const reference = ref(host, repoTag);
  const manifest = await c.fetchManifest(reference, reference.tag);
  expect(Buffer.from(manifest!.bytes).equals(Buffer.from(built.root.bytes))).toBe(true);
  for (const [digest, bytes] of built.contents) {
    expect(Buffer.from(await c.fetchBlob(reference, digest)).equals(bytes), digest).toBe(true);
  }
}

describe('pushImage against docker-registry 2.8', () => {
  it('pushes every blob and the manifest, and the registry serves the same bytes; a second push sends nothing', async () => {
    const c = client();
    const events: PushProgressEvent[] = [];
    const cacheDir = path.join(scratch, 'cache-1');
    const result = await pushImage(c, ref(registry.host, 'team/app:1.0'), image, { cacheDir, chunkBytes: 64 * 1024, onProgress: (e) => events.push(e) });
    expect(result).toMatchObject({ digest: image.root.digest, size: image.root.size, manifests: 1 });
    expect(result.blobs).toEqual({ uploaded: 3, existing: 0, mounted: 0, bytesSent: image.blobs.reduce((n, b) => n + b.size, 0) });
    await expectSameImage(c, registry.host, 'team/app:1.0', image);
    // Progress: the big layer moved forward in steps, and every blob ended pushed.
    const big = image.blobs.find((b) => b.size === 300_000)!;
    const sent = events.filter((e) => e.kind === 'blob' && e.digest === big.digest && e.state === 'uploading').map((e) => (e.kind === 'blob' ? e.sent : 0));
    expect(new Set(sent).size).toBeGreaterThan(3);
    expect(events.filter((e) => e.kind === 'blob' && e.state === 'pushed')).toHaveLength(3);

    const again = await pushImage(c, ref(registry.host, 'team/app:1.0'), image, { cacheDir });
    expect(again.blobs).toEqual({ uploaded: 0, existing: 3, mounted: 0, bytesSent: 0 });
    expect(again.digest).toBe(image.root.digest);
  });

  it('pushes a multi-platform image: the index\'s manifests by digest first, then the index by tag', async () => {
    const c = client();
    const indexBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: image.root.mediaType, digest: image.root.digest, size: image.root.size, platform: { architecture: 'amd64', os: 'linux' } }],
      }),
    );
    const index = { ...image, root: { digest: sha256(indexBytes), size: indexBytes.length, mediaType: 'application/vnd.oci.image.index.v1+json', bytes: indexBytes }, children: [image.root] };
    const events: PushProgressEvent[] = [];
    const result = await pushImage(c, ref(registry.host, 'team/multi:1'), index, { cacheDir: path.join(scratch, 'cache-multi'), onProgress: (e) => events.push(e) });
    expect(result).toMatchObject({ digest: index.root.digest, size: indexBytes.length, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: 2 });
    expect(events.filter((e) => e.kind === 'manifest').map((e) => e.kind === 'manifest' && e.target)).toEqual([image.root.digest, '1']);
    const reference = ref(registry.host, 'team/multi:1');
    expect((await c.fetchManifest(reference, '1'))?.digest).toBe(index.root.digest);
    expect((await c.fetchManifest(reference, image.root.digest))?.digest).toBe(image.root.digest);
  });

  it('mounts blobs this machine pushed to another repository instead of sending them again', async () => {
    const c = client();
    const cacheDir = path.join(scratch, 'cache-2');
    const other = await buildLocalImage(path.join(scratch, 'mount-image'), [randomish(50_000, 2)], 'mount');
    await pushImage(c, ref(registry.host, 'team/base:1'), other, { cacheDir });
    const events: PushProgressEvent[] = [];
    const result = await pushImage(c, ref(registry.host, 'team/derived:1'), other, { cacheDir, onProgress: (e) => events.push(e) });
    expect(result.blobs).toEqual({ uploaded: 0, existing: 0, mounted: 2, bytesSent: 0 });
    expect(events.filter((e) => e.kind === 'blob' && e.state === 'mounted').map((e) => e.kind === 'blob' && e.from)).toEqual(['team/base', 'team/base']);
    await expectSameImage(c, registry.host, 'team/derived:1', other);

    // Without a record, `mountFrom` names the source.
    const named = await pushImage(c, ref(registry.host, 'team/third:1'), other, { cacheDir: path.join(scratch, 'cache-empty'), mountFrom: ['team/base'] });
    expect(named.blobs.mounted).toBe(2);
  });

  it('resumes a chunked upload from the registry\'s Range after the connection is cut mid-chunk', async () => {
    const proxy = await cuttingProxy(registry.port);
    try {
      const c = client();
      const built = await buildLocalImage(path.join(scratch, 'resume-image'), [randomish(300_000, 3)], 'resume');
      // The third chunk's connection breaks after 10,000 of its bytes.
      let patches = 0;
      const events: PushProgressEvent[] = [];
      proxy.rewriteHeaders.fn = (method, _p, headers) => {
        if (method === 'PATCH' && ++patches === 2) proxy.cutNext('PATCH', 10_000);
        return headers;
      };
      const result = await pushImage(c, ref(proxy.host, 'team/resume:1'), built, {
        cacheDir: path.join(scratch, 'cache-3'),
        chunkBytes: 64 * 1024,
        onProgress: (e) => events.push(e),
      });
      expect(result.digest).toBe(built.root.digest);
      expect(events.some((e) => e.kind === 'blob' && e.state === 'retrying')).toBe(true);
      // It asked where the session stood, then went on from there instead of starting over.
      const statusAt = proxy.requests.findIndex((r) => r.startsWith('GET /v2/team/resume/blobs/uploads/'));
      expect(statusAt).toBeGreaterThan(0);
      expect(proxy.requests.filter((r) => r.startsWith('POST /v2/team/resume/blobs/uploads/'))).toHaveLength(2); // the config's and the layer's
      await expectSameImage(c, proxy.host, 'team/resume:1', built);
    } finally {
      await proxy.close();
    }
  });

  it('retries a 503 after the Retry-After the registry asks for, and a 429', async () => {
    const proxy = await cuttingProxy(registry.port);
    try {
      const built = await buildLocalImage(path.join(scratch, 'busy-image'), [randomish(200_000, 6)], 'busy');
      proxy.failNext('PATCH', 503, { 'retry-after': '1' });
      const events: PushProgressEvent[] = [];
      const started = Date.now();
      const result = await pushImage(client(), ref(proxy.host, 'team/busy:1'), built, {
        cacheDir: path.join(scratch, 'cache-busy'),
        chunkBytes: 64 * 1024,
        concurrency: 1,
        onProgress: (e) => events.push(e),
      });
      expect(result.digest).toBe(built.root.digest);
      // Retry-After: 1 is longer than the policy's 500 ms cap here: the cap wins, but the wait happened.
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(events.filter((e) => e.kind === 'blob' && e.state === 'retrying')).toHaveLength(1);

      proxy.failNext('PUT', 429, {}, /manifests/);
      expect((await pushImage(client(), ref(proxy.host, 'team/busy:2'), built, { cacheDir: path.join(scratch, 'cache-busy') })).digest).toBe(built.root.digest);
      expect(proxy.requests.filter((r) => r === 'PUT /v2/team/busy/manifests/2')).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('gives up on a request when no byte moves for the stall timeout, and resumes; the command deadline does not cut the push', async () => {
    const proxy = await cuttingProxy(registry.port);
    try {
      const built = await buildLocalImage(path.join(scratch, 'stall-image'), [randomish(300_000, 7)], 'stall');
      // A 600 ms deadline for the command; the push takes longer because of the stalled chunk.
      const c = client({ stallTimeoutMs: 1500, deadline: new Deadline(600) });
      let patches = 0;
      proxy.rewriteHeaders.fn = (method, _p, headers) => {
        if (method === 'PATCH' && ++patches === 1) proxy.stallNext('PATCH');
        return headers;
      };
      const events: PushProgressEvent[] = [];
      const started = Date.now();
      const result = await pushImage(c, ref(proxy.host, 'team/stall:1'), built, {
        cacheDir: path.join(scratch, 'cache-stall'),
        chunkBytes: 64 * 1024,
        onProgress: (e) => events.push(e),
      });
      expect(result.digest).toBe(built.root.digest);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(events.filter((e) => e.kind === 'blob' && e.state === 'retrying')).toHaveLength(1);
      await expectSameImage(client(), proxy.host, 'team/stall:1', built);
    } finally {
      await proxy.close();
    }
  });

  it('fails on a corrupt local blob with its one-line error, and pushes no manifest', async () => {
    const c = client();
    const built = await buildLocalImage(path.join(scratch, 'corrupt-image'), [randomish(100_000, 4)], 'corrupt');
    const layer = built.blobs.find((b) => b.size === 100_000)!;
    await writeFile(built.files.get(layer.digest)!, randomish(100_000, 5));
    const failure = pushImage(c, ref(registry.host, 'team/corrupt:1'), built, { cacheDir: path.join(scratch, 'cache-4'), chunkBytes: 32 * 1024 });
    await expect(failure).rejects.toThrow(LocalImageError);
    await expect(failure).rejects.toThrow(/^blob sha256:[0-9a-f]{64} in \S+ is corrupt/);
    const reference = ref(registry.host, 'team/corrupt:1');
    expect(await c.fetchManifest(reference, '1')).toBeUndefined();
    expect(await c.blobExists(reference, layer.digest)).toBe(false);
  });

  it('stops when cancelled: the upload in flight ends, and no manifest is pushed', async () => {
    const c = client();
    const built = await buildLocalImage(path.join(scratch, 'cancel-image'), [randomish(400_000, 6)], 'cancel');
    const abort = new AbortController();
    const reference = ref(registry.host, 'team/cancelled:1');
    // Cancelled as soon as the first chunk of the big layer is acknowledged.
    const failure = pushImage(c, reference, built, {
      cacheDir: path.join(scratch, 'cache-cancel'),
      chunkBytes: 64 * 1024,
      concurrency: 1,
      signal: abort.signal,
      onProgress: (e) => {
        if (e.kind === 'blob' && e.state === 'uploading' && e.sent > 0) abort.abort();
      },
    });
    await expect(failure).rejects.toThrow();
    expect(await c.fetchManifest(reference, '1')).toBeUndefined();
    const layer = built.blobs.find((b) => b.size === 400_000)!;
    expect(await c.blobExists(reference, layer.digest)).toBe(false);
  });

  it('refuses when the registry reports another digest for the manifest than the local one', async () => {
    const proxy = await cuttingProxy(registry.port);
    try {
      proxy.rewriteHeaders.fn = (method, urlPath, headers) =>
        method === 'PUT' && urlPath.includes('/manifests/') ? { ...headers, 'docker-content-digest': `sha256:${'0'.repeat(64)}` } : headers;
      const failure = pushImage(client(), ref(proxy.host, 'team/rewritten:1'), image, { cacheDir: path.join(scratch, 'cache-5') });
      await expect(failure).rejects.toThrow(PushError);
      await expect(failure).rejects.toThrow(`stored the manifest for ${proxy.host}/team/rewritten:1 as sha256:${'0'.repeat(64)}, not ${image.root.digest}`);
    } finally {
      await proxy.close();
    }
  });
});

describe('pushImage to a registry with htpasswd auth', () => {
  let secured: Registry;
  beforeAll(async () => {
    secured = await startRegistry({ htpasswd: HTPASSWD });
  });

  async function dockerConfig(name: string, password: string): Promise<string> {
    const dir = path.join(scratch, name);
    await mkdir(dir, { recursive: true });
    const auth = Buffer.from(`alice:${password}`).toString('base64');
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { [secured.host]: { auth } } }));
    return dir;
  }

  it('pushes with the credentials of $DOCKER_CONFIG/config.json', async () => {
    const dir = await dockerConfig('docker-good', 's3cret');
    const c = new RegistryClient({ loopbackScheme: 'http', env: { ...process.env, DOCKER_CONFIG: dir }, retry: FAST_RETRY });
    const result = await pushImage(c, ref(secured.host, 'team/app:1'), image, { cacheDir: path.join(scratch, 'cache-6') });
    expect(result.blobs.uploaded).toBe(3);
    await expectSameImage(c, secured.host, 'team/app:1', image);
  });

  it('fails with one line naming the refusal when the password is wrong', async () => {
    const dir = await dockerConfig('docker-bad', 'wrong');
    const c = new RegistryClient({ loopbackScheme: 'http', env: { ...process.env, DOCKER_CONFIG: dir }, retry: FAST_RETRY });
    const error = await pushImage(c, ref(secured.host, 'team/app:2'), image, { cacheDir: path.join(scratch, 'cache-7') }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`not authorized to push to ${secured.host}/team/app (401 from registry ${secured.host})`);
  });
});
