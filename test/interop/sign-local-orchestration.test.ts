// `sign --from` as an orchestration, in-process, on real components: layouts written by
// test/helpers/oci-layout.ts, the real local-image readers and push engine, the real docker-registry
// 2.8 (its log is the request log), a real private dockerd for the daemon fallback, and trust-tui's
// own trust server over HTTPS on loopback. What is checked before anything is contacted, what stops
// the push, and that the trust server sees nothing unless the push completed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { KeyStore } from '../../src/keys/index.js';
import { ScriptedPassphraseSource } from '../../src/keys/passphrase.js';
import type { TrustContext } from '../../src/trust/context.js';
import { describePushed } from '../../src/trust/push-local.js';
import { resolveManifest, sign } from '../../src/trust/sign.js';
import { planLocalSign } from '../../src/trust/sign-plan.js';
import { startDockerd, type Dockerd } from '../helpers/dockerd.js';
import { makeImage, randomLayer, sha256, writeDockerSaveLegacy, writeOciLayout, type TestImage } from '../helpers/oci-layout.js';
import { httpRequest, startRegistry, stopAllPeers, type Registry } from '../helpers/peers.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

// alice / s3cret (bcrypt, cost 5), as in test/interop/registry.test.ts.
const HTPASSWD = 'alice:$2b$05$reb4v1090gcSmgUJM13/j.JAKPSYFJFoRf1huMtRvktiUyeK56rie\n';
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

let server: TestServer;
let registry: Registry;
let guarded: Registry;
let dir: string;

beforeAll(async () => {
  [server, registry, guarded] = await Promise.all([startTestServer(), startRegistry(), startRegistry({ htpasswd: HTPASSWD })]);
});
afterAll(async () => {
  await server.stop();
  await stopAllPeers();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trust-tui-sign-local-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A host of its own (trust dir, settings, docker config dir, with `auths` as `docker login` keeps them). */
function context(name = 'host', options: { auths?: Record<string, string>; env?: Record<string, string> } = {}): TrustContext {
  const trustDir = path.join(dir, name, 'trust');
  const dockerConfig = path.join(dir, name, 'docker');
  mkdirSync(dockerConfig, { recursive: true });
  if (options.auths) writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: Object.fromEntries(Object.entries(options.auths).map(([h, a]) => [h, { auth: a }])) }));
  return {
    trustDir,
    keys: new KeyStore(trustDir),
    settings: new Settings(path.join(dir, name, 'cfg')),
    passphrases: new ScriptedPassphraseSource(() => 'correct-horse'),
    confirm: async () => true,
    warn: () => undefined,
    debug: () => undefined,
    env: { DOCKER_CONFIG: dockerConfig, HOME: path.join(dir, name), ...options.env },
  };
}
const serverOptions = () => ({ server: server.url, tlsCaCert: server.caFile! });
const rowsOf = (gun: string) => server.dump().filter((r) => r.gun === gun);

/** An OCI layout in the scratch dir holding `image` as `ref`. */
async function layout(name: string, image: TestImage = makeImage({ layers: [randomLayer(1500), randomLayer(200)] }), ref = 'v1') {
  const at = path.join(dir, name);
  await writeOciLayout(at, [{ item: image, ref }]);
  return { at, image };
}

/**
 * The requests `reg` answered for `repo` (from its log). A request to a sentinel path goes last, and
 * the log is read once it shows: every earlier request is in it by then.
 */
async function requestsFor(reg: Registry, repo: string): Promise<string[]> {
  const sentinel = `sentinel/s${Date.now()}${Math.random().toString(16).slice(2)}`;
  await httpRequest(`${reg.url}/v2/${sentinel}/manifests/x`, { method: 'HEAD' });
  for (let i = 0; i < 100 && !reg.logs().includes(sentinel); i++) await new Promise((r) => setTimeout(r, 50));
  expect(reg.logs()).toContain(sentinel);
  return reg
    .logs()
    .split('\n')
    .map((l) => /http\.request\.method=(\S+).*http\.request\.uri="?([^"\s]+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[2]!.startsWith(`/v2/${repo}/`))
    .map((m) => `${m[1]} ${m[2]}`);
}

/** The registry's answer to a HEAD (with Basic credentials for the guarded one). */
async function headStatus(reg: Registry, urlPath: string): Promise<number> {
  const headers = { accept: ACCEPT, ...(reg === guarded ? { authorization: `Basic ${basic('alice', 's3cret')}` } : {}) };
  return (await httpRequest(`${reg.url}${urlPath}`, { method: 'HEAD', headers })).status;
}

describe('sign --from: order of checks, and nothing published unless the push completed', () => {
  it('a mistyped source or --from with --digest is refused before the image, the registry or the trust server is touched', async () => {
    const gun = `${registry.host}/team/typo`;
    const dumped = server.dump().length;
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: 'dir:build' })).rejects.toThrow(/dir:build/);
    // The layout does not exist: the refusal is about --digest, so it was never looked at.
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: `oci:${dir}/nowhere`, digest: `sha256:${'ab'.repeat(32)}`, size: 3 })).rejects.toThrow(
      /--from .*--digest/,
    );
    expect(await requestsFor(registry, 'team/typo')).toEqual([]);
    expect(server.dump()).toHaveLength(dumped);
  });

  it('a layout with a corrupt manifest or a missing blob fails with its own message, and nothing is asked of the registry or the trust server', async () => {
    const gun = `${registry.host}/team/corrupt`;
    const { at, image } = await layout('corrupt');
    const manifestFile = path.join(at, 'blobs', 'sha256', image.digest.slice(7));
    const bytes = readFileSync(manifestFile);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0x01;
    writeFileSync(manifestFile, bytes);
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: `oci:${at}` })).rejects.toThrow(
      new RegExp(`manifest ${image.digest} in oci:${at} does not match its digest`),
    );
    const missing = await layout('missing');
    await rm(path.join(missing.at, 'blobs', 'sha256', sha256(missing.image.layers[1]!).slice(7)));
    await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: `oci:${missing.at}:v1` })).rejects.toThrow(/blob sha256:[0-9a-f]{64} is missing/);
    expect(await requestsFor(registry, 'team/corrupt')).toEqual([]);
    expect(rowsOf(gun)).toEqual([]);
  });

  it('a push the registry refuses, or one that meets a corrupt layer, publishes nothing: no repository, no tag, no --meta blob', async () => {
    const gun = `${guarded.host}/team/new`;
    const { at, image } = await layout('new');
    const sbom = path.join(dir, 'sbom.json');
    writeFileSync(sbom, '{"spdx":true}');
    const meta = [{ name: 'sbom', file: sbom }];
    const metaDigest = sha256(Buffer.from('{"spdx":true}'));

    // Wrong credentials: refused at the first request of the push.
    const wrong = context('host', { auths: { [guarded.host]: basic('alice', 'wrong') } });
    const refused = sign(wrong, `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1`, meta });
    // Not "run docker login" as if there were no credentials: the ones there are wrong.
    await expect(refused).rejects.toThrow(`registry ${guarded.host} refused the credentials for it from`);
    await expect(refused.catch((e: { hint?: { cli: string } }) => e.hint?.cli)).resolves.toBe(`run \`docker login ${guarded.host}\` again with the right user and password`);
    // Without credentials, it says to log in.
    await expect(sign(context('anonymous'), `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1` })).rejects.toThrow(
      `not authorized to push to ${gun.replace(/:v1$/, '')} (401 from registry ${guarded.host})`,
    );
    expect(rowsOf(gun)).toEqual([]);

    // A layer damaged after it was written (same size): found while it streams, mid-push.
    const alice = context('host', { auths: { [guarded.host]: basic('alice', 's3cret') } });
    const layerFile = path.join(at, 'blobs', 'sha256', sha256(image.layers[0]!).slice(7));
    const good = readFileSync(layerFile);
    const bad = Buffer.from(good);
    bad[700] = bad[700]! ^ 0xff;
    writeFileSync(layerFile, bad);
    await expect(sign(alice, `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1`, meta })).rejects.toThrow(/does not match its digest/);
    expect(rowsOf(gun)).toEqual([]);
    expect(await headStatus(guarded, `/v2/team/new/manifests/v1`)).toBe(404);
    expect(await headStatus(guarded, `/v2/team/new/blobs/${metaDigest}`)).toBe(404); // --meta waits for the push
    expect(await headStatus(guarded, `/v2/team/new/blobs/${sha256(image.layers[0]!)}`)).toBe(404);

    // Repaired: pushed, and only then is the repository initialised and signed with the pushed digest.
    writeFileSync(layerFile, good);
    const seenDuringPush: number[] = [];
    const r = await sign(alice, `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1`, meta, onPushProgress: () => seenDuringPush.push(rowsOf(gun).length) });
    expect(seenDuringPush.length).toBeGreaterThan(0);
    expect(new Set(seenDuringPush)).toEqual(new Set([0])); // during the push, the trust server has nothing of it
    expect(r).toMatchObject({ initialised: true, digest: image.digest, size: image.manifest.length, released: true });
    expect(r.custom).toEqual({ sbom: { digest: metaDigest, size: 13 } });
    expect(await headStatus(guarded, `/v2/team/new/blobs/${metaDigest}`)).toBe(200); // the same repository as the image
    expect(r.roles.length).toBeGreaterThan(0);
    // The repaired layer is sent now; what the failed attempt stored before it stopped (the config, the
    // other layer: blobs go three at a time, so how far each got is a matter of timing) is not sent again.
    const { blobs } = r.pushed!;
    expect(r.pushed).toMatchObject({ source: `oci:${at}:v1`, manifests: 1, blobs: { mounted: 0 } });
    expect(blobs.uploaded + blobs.existing).toBe(3);
    expect(blobs.uploaded).toBeGreaterThanOrEqual(1);
    expect(blobs.bytesSent).toBeGreaterThanOrEqual(image.layers[0]!.length);
    expect(describePushed(r.pushed!)).toMatch(new RegExp(`^pushed ${blobs.uploaded} blobs? (\\(${blobs.existing} already there\\) )?and 1 manifest from oci:`));
    expect(rowsOf(gun).map((row) => row.role)).toEqual(expect.arrayContaining(['root', 'targets', 'snapshot', 'timestamp']));
  });

  it('a registry that is not running: one line naming it and what to check, nothing signed', async () => {
    const gun = '127.0.0.1:9/team/down';
    const { at } = await layout('down');
    const down = sign(context(), `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1` });
    await expect(down).rejects.toThrow(/^cannot reach registry 127\.0\.0\.1:9: .*ECONNREFUSED.*; the push did not complete and nothing was signed$/);
    await expect(down.catch((e: { hint?: { cli: string } }) => e.hint?.cli)).resolves.toBe('check that a registry runs at 127.0.0.1:9 and that nothing (a proxy, a firewall) is in the way');
    expect(rowsOf(gun)).toEqual([]);
  });

  it('a registry that reports another digest than the local one gets nothing signed', async () => {
    // A proxy in front of the real registry that misreports what a manifest PUT stored.
    const proxy = http.createServer((req, res) => {
      const upstream = http.request(`${registry.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        const headers = { ...up.headers };
        if (req.method === 'PUT' && /\/manifests\//.test(req.url!)) headers['docker-content-digest'] = `sha256:${'0'.repeat(64)}`;
        res.writeHead(up.statusCode!, headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const gun = `127.0.0.1:${(proxy.address() as AddressInfo).port}/team/mismatch`;
      const { at, image } = await layout('mismatch');
      await expect(sign(context(), `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1` })).rejects.toThrow(
        new RegExp(`stored the manifest for ${gun}:v1 as sha256:0{64}, not ${image.digest} as computed from oci:${at}:v1`),
      );
      expect(rowsOf(gun)).toEqual([]);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('a cancelled push signs nothing: cut while a layer is uploading, or fired while the tag is stored', async () => {
    const gun = `${registry.host}/team/cancel`;
    // A layer big enough that the cut lands mid-upload.
    const { at } = await layout('cancel', makeImage({ layers: [randomLayer(8 * 1024 * 1024)] }));
    const early = new AbortController();
    const first = sign(context(), `${gun}:v1`, {
      ...serverOptions(),
      from: `oci:${at}:v1`,
      signal: early.signal,
      onPushProgress: (e) => {
        if (e.kind === 'blob' && e.state === 'uploading') early.abort();
      },
    });
    await expect(first).rejects.toMatchObject({ name: 'CancelledError' });
    await expect(first).rejects.toThrow(/cancelled: nothing was signed/);
    expect(await headStatus(registry, '/v2/team/cancel/manifests/v1')).toBe(404);
    expect(rowsOf(gun)).toEqual([]);

    // Cancelled once the manifest is going up: the tag may be in the registry, but nothing is signed.
    const late = new AbortController();
    const second = sign(context(), `${gun}:v1`, {
      ...serverOptions(),
      from: `oci:${at}:v1`,
      signal: late.signal,
      onPushProgress: (e) => {
        if (e.kind === 'manifest') late.abort();
      },
    });
    await expect(second).rejects.toMatchObject({ name: 'CancelledError' });
    expect(rowsOf(gun)).toEqual([]);
  });

  it('a host that holds no key of an existing repository pushes nothing', async () => {
    const gun = `${registry.host}/team/owned`;
    const { at } = await layout('owned');
    await sign(context('owner'), `${gun}:v1`, { ...serverOptions(), from: `oci:${at}:v1` });
    const rows = rowsOf(gun).length;
    const before = (await requestsFor(registry, 'team/owned')).length;
    expect(before).toBeGreaterThan(3); // the request log sees the owner's push
    await expect(sign(context('stranger'), `${gun}:v2`, { ...serverOptions(), from: `oci:${at}:v1` })).rejects.toThrow(/holds no .*key/);
    expect((await requestsFor(registry, 'team/owned')).slice(before)).toEqual([]);
    expect(await headStatus(registry, '/v2/team/owned/manifests/v2')).toBe(404);
    expect(rowsOf(gun)).toHaveLength(rows);
  });

  it('the review plan says what will be pushed and where it is signed; an image that changed since the review is not pushed', async () => {
    const gun = `${registry.host}/team/reviewed`;
    const { at, image } = await layout('reviewed');
    const ctx = context();
    const plan = await planLocalSign(ctx, `${gun}:v1`, `oci:${at}`, serverOptions());
    const blobBytes = image.config.length + image.layers.reduce((n, l) => n + l.length, 0);
    expect(plan).toEqual({
      gun,
      tag: 'v1',
      from: `oci:${at}`,
      root: { digest: image.digest, size: image.manifest.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      manifests: 1,
      blobs: { count: 3, bytes: blobBytes },
      roles: [],
      initialises: true,
    });
    expect(await requestsFor(registry, 'team/reviewed')).toEqual([]);
    expect(rowsOf(gun)).toEqual([]);

    // Rebuilt between the review and Enter: refused, nothing pushed or published.
    await rm(at, { recursive: true });
    await layout('reviewed', makeImage({ layers: [randomLayer(900)] }));
    await expect(sign(ctx, `${gun}:v1`, { ...serverOptions(), from: `oci:${at}`, reviewedDigest: plan.root.digest })).rejects.toThrow(
      new RegExp(`oci:${at} changed since it was reviewed: .*nothing was pushed`),
    );
    expect(await requestsFor(registry, 'team/reviewed')).toEqual([]);
    expect(rowsOf(gun)).toEqual([]);
  });
});

describe('plain sign of a tag the registry lacks, with a docker daemon', () => {
  let daemon: Dockerd;
  beforeAll(async () => {
    daemon = await startDockerd();
  });

  it('pushed from the docker daemon when it has it, else the not-found error names --from', async () => {
    const gun = `${registry.host}/team/daemon`;
    const withDaemon = () => context('host', { env: { DOCKER_HOST: daemon.host } });
    const missing = sign(withDaemon(), `${gun}:v1`, serverOptions());
    await expect(missing).rejects.toThrow(/not found/);
    await expect(missing.catch((e: { hint?: { cli: string } }) => e.hint?.cli)).resolves.toMatch(/--from oci:DIR.*oci-archive:FILE.*docker-archive:FILE/);
    expect(rowsOf(gun)).toEqual([]);
    // The UI's sign dialog asks the same way, and points at its local sources.
    await expect(resolveManifest(withDaemon(), `${gun}:v1`)).rejects.toMatchObject({ hint: { ui: expect.stringContaining('choose a local image as the source') } });

    const image = makeImage({ layers: [randomLayer(1200)] });
    const archive = path.join(dir, 'daemon.tar');
    await writeDockerSaveLegacy(archive, [{ image, repoTags: [`${gun}:v1`] }]);
    expect((await daemon.docker(['load', '-i', archive])).code).toBe(0);
    const first = await sign(withDaemon(), `${gun}:v1`, serverOptions());
    expect(first).toMatchObject({ digest: image.digest, initialised: true, pushed: { source: `docker-daemon:${gun}:v1` } });
    expect(describePushed(first.pushed!)).toBe(`pushed 2 blobs and 1 manifest from docker-daemon:${gun}:v1`);
    expect(await headStatus(registry, '/v2/team/daemon/manifests/v1')).toBe(200);
  });
});
