// `sign --from` as an orchestration: what is checked before anything is contacted, what stops the
// push, and that the trust server sees nothing unless the push completed. The image sources and the
// push engine are replaced by stand-ins here (their own tests, and test/interop/sign-local.test.ts,
// use the real ones); the trust server is trust-tui's own, in-process over HTTPS on loopback, and the
// "registry" a loopback server that counts requests and knows no tag.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { KeyStore } from '../../src/keys/index.js';
import { ScriptedPassphraseSource } from '../../src/keys/passphrase.js';
import { type LocalImage, LocalImageError } from '../../src/registry/local/image.js';
import { findDaemonImage, openLocalImage } from '../../src/registry/local/index.js';
import { pushImage } from '../../src/registry/push.js';
import type { PushResult } from '../../src/registry/push-types.js';
import type { TrustContext } from '../../src/trust/context.js';
import { describePushed } from '../../src/trust/push-local.js';
import { resolveManifest, sign } from '../../src/trust/sign.js';
import { planLocalSign } from '../../src/trust/sign-plan.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

vi.mock('../../src/registry/local/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/registry/local/index.js')>()),
  openLocalImage: vi.fn(),
  findDaemonImage: vi.fn(),
}));
vi.mock('../../src/registry/push.js', () => ({ pushImage: vi.fn() }));

const openLocal = vi.mocked(openLocalImage);
const daemon = vi.mocked(findDaemonImage);
const push = vi.mocked(pushImage);

function localImage(source: string, content = 'manifest'): LocalImage & { close: ReturnType<typeof vi.fn> } {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, content }));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return {
    source,
    root: { digest, size: bytes.length, mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes },
    children: [],
    blobs: [],
    close: vi.fn(async () => undefined),
  };
}

function pushed(image: LocalImage, blobs: Partial<PushResult['blobs']> = {}): PushResult {
  return {
    digest: image.root.digest,
    size: image.root.size,
    mediaType: image.root.mediaType,
    blobs: { uploaded: 2, existing: 1, mounted: 0, bytesSent: 1234, ...blobs },
    manifests: 1,
  };
}

describe('sign --from: order of checks, and nothing published unless the push completed', () => {
  let dir: string;
  let server: TestServer;
  let registry: http.Server;
  let registryHost: string;
  const registryRequests: string[] = [];
  const warnings: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    // A registry that has no tag and no blob (every manifest is MANIFEST_UNKNOWN), and takes blob
    // uploads (for --meta) in one POST + PUT.
    registry = http.createServer((req, res) => {
      registryRequests.push(`${req.method} ${req.url}`);
      req.resume();
      if (req.method === 'POST' && /\/blobs\/uploads\/$/.test(req.url!)) return void res.writeHead(202, { location: `${req.url}session-1` }).end();
      if (req.method === 'PUT' && /\/blobs\/uploads\/session-1\?digest=/.test(req.url!)) return void req.on('end', () => res.writeHead(201).end());
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.stop();
    await new Promise((resolve) => registry.close(resolve));
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trust-tui-sign-local-'));
    registryRequests.length = 0;
    warnings.length = 0;
    openLocal.mockReset();
    daemon.mockReset();
    push.mockReset();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const context = (name = 'host'): TrustContext => {
    const trustDir = path.join(dir, name, 'trust');
    return {
      trustDir,
      keys: new KeyStore(trustDir),
      settings: new Settings(path.join(dir, name, 'cfg')),
      passphrases: new ScriptedPassphraseSource(() => 'correct-horse'),
      confirm: async () => true,
      warn: (m) => warnings.push(m),
      debug: () => undefined,
      env: { DOCKER_CONFIG: path.join(dir, name, 'docker') },
    };
  };
  const serverOptions = () => ({ server: server.url, tlsCaCert: server.caFile! });
  const rowsOf = (gun: string) => server.dump().filter((r) => r.gun === gun);

  it('a mistyped source or --from with --digest is refused before the image, the registry or the trust server is touched', async () => {
    const gun = `${registryHost}/team/typo`;
    const dumped = server.dump().length;
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'dir:build' })).rejects.toThrow(/dir:build/);
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'oci:build', digest: `sha256:${'ab'.repeat(32)}`, size: 3 })).rejects.toThrow(
      /--from .*--digest/,
    );
    expect(openLocal).not.toHaveBeenCalled();
    expect(push).not.toHaveBeenCalled();
    expect(registryRequests).toEqual([]);
    expect(server.dump()).toHaveLength(dumped);
  });

  it('a corrupt local image fails with its own message, and nothing is asked of the registry or the trust server', async () => {
    const gun = `${registryHost}/team/corrupt`;
    openLocal.mockRejectedValue(new LocalImageError('oci:build: blob sha256:abc… in build/blobs/sha256 does not match its digest'));
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'oci:build' })).rejects.toThrow(/does not match its digest/);
    expect(openLocal).toHaveBeenCalledWith(expect.objectContaining({ kind: 'oci', location: 'build', input: 'oci:build' }), expect.anything());
    expect(push).not.toHaveBeenCalled();
    expect(registryRequests).toEqual([]);
    expect(rowsOf(gun)).toEqual([]);
  });

  it('a new repository is initialised only after the push: a failed push publishes nothing, a completed one is signed with the pushed digest', async () => {
    const gun = `${registryHost}/team/new`;
    const image = localImage('oci:build');
    openLocal.mockResolvedValue(image);
    push.mockRejectedValueOnce(new Error(`registry ${registryHost} refused blob sha256:def…: 413`));
    const ctx = context();
    const sbom = path.join(dir, 'sbom.json');
    await writeFile(sbom, '{"spdx":true}');
    const meta = [{ name: 'sbom', file: sbom }];
    await expect(sign(ctx, `${gun}:v1`, { ...serverOptions(), from: 'oci:build', meta })).rejects.toThrow(/refused blob/);
    expect(rowsOf(gun)).toEqual([]);
    expect(image.close).toHaveBeenCalled();
    expect(registryRequests.filter((r) => r.startsWith('POST'))).toEqual([]); // --meta waits for the push

    push.mockImplementationOnce(async (_client, reference, img) => {
      // At the time of the push, the trust server still has nothing of this repository.
      expect(rowsOf(gun)).toEqual([]);
      expect(reference).toMatchObject({ gun, tag: 'v1' });
      return pushed(img);
    });
    const r = await sign(ctx, `${gun}:v1`, { ...serverOptions(), from: 'oci:build', meta });
    expect(r).toMatchObject({ initialised: true, digest: image.root.digest, size: image.root.size, released: true });
    // --meta went to the same repository as the image, and is recorded with the signature.
    expect(registryRequests.filter((r) => r.startsWith('POST'))).toEqual(['POST /v2/team/new/blobs/uploads/']);
    expect(r.custom).toEqual({ sbom: { digest: `sha256:${createHash('sha256').update('{"spdx":true}').digest('hex')}`, size: 13 } });
    expect(r.roles.length).toBeGreaterThan(0);
    expect(r.pushed).toEqual({ source: 'oci:build', blobs: { uploaded: 2, existing: 1, mounted: 0, bytesSent: 1234 }, manifests: 1 });
    expect(describePushed(r.pushed!)).toBe('pushed 2 blobs (1 already there) and 1 manifest from oci:build');
    expect(rowsOf(gun).map((row) => row.role)).toEqual(expect.arrayContaining(['root', 'targets', 'snapshot', 'timestamp']));
  });

  it('a registry that stores another digest than the local one gets nothing signed', async () => {
    const gun = `${registryHost}/team/mismatch`;
    const image = localImage('oci-archive:app.tar');
    openLocal.mockResolvedValue(image);
    push.mockResolvedValue({ ...pushed(image), digest: `sha256:${'0'.repeat(64)}` });
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'oci-archive:app.tar' })).rejects.toThrow(/nothing signed/);
    expect(rowsOf(gun)).toEqual([]);
  });

  it('a cancelled push signs nothing: cut during the blobs, or fired while the tag was stored', async () => {
    const gun = `${registryHost}/team/cancel`;
    const image = localImage('oci:build');
    openLocal.mockResolvedValue(image);
    const abort = new AbortController();
    // The push engine gets the signal and ends when it fires.
    push.mockImplementationOnce(async (_client, _reference, _img, options) => {
      expect(options?.signal).toBe(abort.signal);
      await new Promise((resolve) => options!.signal!.addEventListener('abort', resolve, { once: true }));
      throw new DOMException('This operation was aborted', 'AbortError');
    });
    const first = sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'oci:build', signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(first).rejects.toMatchObject({ name: 'CancelledError', message: `the push of oci:build to ${gun}:v1 was cancelled: nothing was signed` });
    expect(rowsOf(gun)).toEqual([]);

    const late = new AbortController();
    push.mockImplementationOnce(async (_client, _reference, img) => {
      late.abort(); // Esc while the tag's manifest was being stored: the push itself completes
      return pushed(img);
    });
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'oci:build', signal: late.signal })).rejects.toThrow(
      `cancelled after ${gun}:v1 was pushed: it is in the registry, not signed`,
    );
    expect(rowsOf(gun)).toEqual([]);
  });

  it('a host that holds no key of an existing repository pushes nothing', async () => {
    const gun = `${registryHost}/team/owned`;
    const image = localImage('oci:build');
    openLocal.mockResolvedValue(image);
    push.mockImplementation(async (_c, _r, img) => pushed(img));
    await sign(context('owner'), `${gun}:v1`, { ...serverOptions(), from: 'oci:build' });
    const rows = rowsOf(gun).length;
    push.mockClear();
    await expect(sign(context('stranger'), `${gun}:v2`, { ...serverOptions(), from: 'oci:build' })).rejects.toThrow(/holds no .*key/);
    expect(push).not.toHaveBeenCalled();
    expect(rowsOf(gun)).toHaveLength(rows);
  });

  it('plain sign of a tag the registry lacks: pushed from the docker daemon when it has it, else the not-found error names --from', async () => {
    const gun = `${registryHost}/team/daemon`;
    daemon.mockResolvedValueOnce(false);
    const missing = sign(context(), `${gun}:v1`, serverOptions());
    await expect(missing).rejects.toThrow(/not found/);
    await expect(missing.catch((e: { hint?: { cli: string } }) => e.hint?.cli)).resolves.toMatch(/--from oci:DIR.*oci-archive:FILE.*docker-archive:FILE/);
    expect(openLocal).not.toHaveBeenCalled();
    expect(rowsOf(gun)).toEqual([]);
    // The UI's sign dialog asks the same way, and points at its local sources.
    await expect(resolveManifest(context(), `${gun}:v1`)).rejects.toMatchObject({ hint: { ui: expect.stringContaining('choose a local image as the source') } });

    const image = localImage(`docker-daemon:${gun}:v1`);
    daemon.mockResolvedValueOnce(true);
    openLocal.mockResolvedValue(image);
    push.mockImplementation(async (_c, _r, img) => pushed(img, { uploaded: 0, existing: 3 }));
    const r = await sign(context(), `${gun}:v1`, serverOptions());
    expect(daemon).toHaveBeenLastCalledWith(`${gun}:v1`, expect.anything());
    expect(openLocal).toHaveBeenCalledWith({ kind: 'docker-daemon', location: `${gun}:v1`, input: `docker-daemon:${gun}:v1` }, expect.anything());
    expect(r).toMatchObject({ digest: image.root.digest, pushed: { source: `docker-daemon:${gun}:v1` } });
    expect(describePushed(r.pushed!)).toBe(`pushed no blob (3 already there) and 1 manifest from docker-daemon:${gun}:v1`);
  });

  it('the review plan says what will be pushed and where it is signed; an image that changed since the review is not pushed', async () => {
    const gun = `${registryHost}/team/reviewed`;
    const reviewed = localImage('oci:build', 'first build');
    reviewed.blobs.push(
      { digest: `sha256:${'1'.repeat(64)}`, size: 100, mediaType: 'application/vnd.oci.image.config.v1+json', open: () => { throw new Error('not read by a plan'); } },
      { digest: `sha256:${'2'.repeat(64)}`, size: 2000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', open: () => { throw new Error('not read by a plan'); } },
    );
    openLocal.mockResolvedValueOnce(reviewed);
    const ctx = context();
    const plan = await planLocalSign(ctx, `${gun}:v1`, 'oci:build', serverOptions());
    expect(plan).toEqual({
      gun,
      tag: 'v1',
      from: 'oci:build',
      root: { digest: reviewed.root.digest, size: reviewed.root.size, mediaType: reviewed.root.mediaType },
      manifests: 1,
      blobs: { count: 2, bytes: 2100 },
      roles: [],
      initialises: true,
    });
    expect(reviewed.close).toHaveBeenCalled();
    expect(push).not.toHaveBeenCalled();
    expect(rowsOf(gun)).toEqual([]);

    // Rebuilt between the review and Enter: refused, nothing pushed or published.
    openLocal.mockResolvedValueOnce(localImage('oci:build', 'second build'));
    await expect(sign(ctx, `${gun}:v1`, { ...serverOptions(), from: 'oci:build', reviewedDigest: plan.root.digest })).rejects.toThrow(
      /oci:build changed since it was reviewed: .*nothing was pushed/,
    );
    expect(push).not.toHaveBeenCalled();
    expect(rowsOf(gun)).toEqual([]);
  });
});
