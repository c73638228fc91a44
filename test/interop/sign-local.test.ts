/**
 * `sign REPO:TAG --from SOURCE` against the real docker-registry 2.8 (open, and with htpasswd Basic
 * auth) and the real notary-server, cross-checked with the real notary, docker and skopeo CLIs: OCI
 * layouts, a `docker save` archive and a layout written by `skopeo copy` are pushed and signed, the
 * signed digest is the one the registry reports (Docker-Content-Digest), a second run sends no blob
 * again, a multi-platform index is signed by its own digest, and a corrupt layout or a host that
 * cannot sign changes nothing in the registry or on the trust server. Last, plain `sign REPO:TAG`
 * with the image only in a (private, real) docker daemon pushes it from there, as docker does.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type Dockerd } from '../helpers/dockerd.js';
import { ok } from '../helpers/expect.js';
import { makeImage, makeIndex, randomLayer, sha256, writeDockerSaveLegacy, writeOciLayout } from '../helpers/oci-layout.js';
import {
  dockerCli,
  httpRequest,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  startRegistry,
  stopAllPeers,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
  type Registry,
} from '../helpers/peers.js';
import { makeScratchDir as scratch, requireBinary, runCommand } from '../helpers/proc.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

// alice / s3cret (bcrypt, cost 5), as in test/interop/registry.test.ts.
const HTPASSWD = 'alice:$2b$05$reb4v1090gcSmgUJM13/j.JAKPSYFJFoRf1huMtRvktiUyeK56rie\n';
const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface SignJson {
  digest: string;
  size: number;
  roles: string[];
  initialised: boolean;
  custom?: Record<string, { digest: string; size: number }>;
  pushed?: { source: string; blobs: { uploaded: number; existing: number; mounted: number; bytesSent: number }; manifests: number; replaced?: string };
}

interface Peers {
  server: NotaryServer;
  registry: Registry;
  docker: DockerRunner;
  notary: NotaryRunner;
  tt: TrustTuiRunner;
  dockerConfig: string;
  auth: Record<string, string>;
}

async function startPeers(htpasswd?: string, env: Record<string, string> = {}): Promise<Peers> {
  const [server, registry, dockerConfig] = await Promise.all([
    startNotaryServer({ signer: 'local' }),
    startRegistry(htpasswd ? { htpasswd } : {}),
    makeScratchDir('docker-config'),
  ]);
  // Credentials as `docker login` keeps them.
  if (htpasswd) writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
  const tt = trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url, ...env } });
  return {
    server,
    registry,
    dockerConfig,
    tt,
    docker: dockerCli(dockerConfig, server.url, server.caFile),
    notary: notaryCli(tt.trustDir, server.url, server.caFile),
    auth: htpasswd ? { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` } : {},
  };
}

/** What the registry itself says the tag is (Docker-Content-Digest), or undefined when it has no such tag. */
async function registryDigest(p: Peers, repo: string, tag: string): Promise<string | undefined> {
  const head = await httpRequest(`${p.registry.url}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { ...p.auth, accept: ACCEPT } });
  if (head.status === 404) return undefined;
  expect(head.status).toBe(200);
  return String(head.headers['docker-content-digest']);
}

/** The digest `docker trust inspect` shows for the tag (hex, as docker prints it). */
async function dockerSigned(p: Peers, gun: string, tag: string): Promise<string | undefined> {
  const inspected = JSON.parse(ok(await p.docker(['trust', 'inspect', `${gun}:${tag}`])).stdout);
  return inspected[0].SignedTags.find((t: { SignedTag: string }) => t.SignedTag === tag)?.Digest;
}

const notaryLine = (tag: string, digest: string, size: number) => new RegExp(`^${tag}\\s+${digest.slice('sha256:'.length)}\\s+${size}\\s+targets`, 'm');

describe.each([
  { name: 'open', htpasswd: undefined },
  { name: 'htpasswd', htpasswd: HTPASSWD },
])('sign --from on docker-registry 2.8 ($name) and notary-server', ({ htpasswd }) => {
  let p: Peers;
  beforeAll(async () => {
    p = await startPeers(htpasswd);
  });

  it('an OCI layout is pushed and signed: docker and notary show the digest the registry stores; a second run sends no blob', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/layout`;
    const dir = path.join(tt.workDir, 'layout');
    const image = makeImage({ layers: [randomLayer(4000), randomLayer(300)] });
    await writeOciLayout(dir, [{ item: image, ref: 'v1' }]);

    const r: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${dir}:v1`])).stdout);
    expect(r).toMatchObject({ digest: image.digest, size: image.manifest.length, initialised: true });
    expect(r.pushed).toMatchObject({ source: `oci:${dir}:v1`, manifests: 1, blobs: { uploaded: 3, existing: 0 } });
    expect(await registryDigest(p, 'team/layout', 'v1')).toBe(image.digest);
    expect(await dockerSigned(p, gun, 'v1')).toBe(image.digest.slice('sha256:'.length));
    expect(ok(await p.notary(['list', gun])).stdout).toMatch(notaryLine('v1', image.digest, image.manifest.length));

    // Again, to another tag of the same repository: every blob is there already.
    const again: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1-again`, '--from', `oci:${dir}:v1`])).stdout);
    expect(again.digest).toBe(image.digest);
    expect(again.pushed!.blobs).toMatchObject({ uploaded: 0, existing: 3, bytesSent: 0 });
    const text = ok(await tt(['sign', `${gun}:v1-third`, '--from', `oci:${dir}`])).stdout;
    expect(text).toMatch(/Pushed no blob \(3 already there\)/);
    expect(text).toContain(`Successfully signed ${gun}:v1-third`);
    expect(await registryDigest(p, 'team/layout', 'v1-third')).toBe(image.digest);
  });

  it('a tag the registry already has with another digest is moved, and the output says which digest it replaced', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/moved`;
    const first = makeImage({ layers: [randomLayer(400)] });
    const second = makeImage({ layers: [randomLayer(500)] });
    await writeOciLayout(path.join(tt.workDir, 'moved-1'), [{ item: first, ref: 'v1' }]);
    await writeOciLayout(path.join(tt.workDir, 'moved-2'), [{ item: second, ref: 'v1' }]);
    const r1: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${tt.workDir}/moved-1`])).stdout);
    expect(r1.pushed!.replaced).toBeUndefined();
    const text = ok(await tt(['sign', `${gun}:v1`, '--from', `oci:${tt.workDir}/moved-2`])).stdout;
    expect(text).toContain(`from oci:${tt.workDir}/moved-2 to ${gun}:v1, replacing ${first.digest} that the tag pointed to before`);
    expect(await registryDigest(p, 'team/moved', 'v1')).toBe(second.digest);
    const r3: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${tt.workDir}/moved-1`])).stdout);
    expect(r3.pushed!.replaced).toBe(second.digest);
    // The same image again replaces nothing.
    const r4: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${tt.workDir}/moved-1`])).stdout);
    expect(r4.pushed!.replaced).toBeUndefined();
  });

  it('--meta with --from: the file is a blob of the same repository, recorded with the signature', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/withmeta`;
    const dir = path.join(tt.workDir, 'withmeta');
    await writeOciLayout(dir, [{ item: makeImage({ layers: [randomLayer(500)] }), ref: 'v1' }]);
    const sbom = path.join(tt.workDir, 'sbom.json');
    writeFileSync(sbom, '{"spdx":"2.3"}');
    const r: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${dir}:v1`, '--meta', `sbom:${sbom}`])).stdout);
    expect(r.custom!.sbom!.digest).toBe(sha256(Buffer.from('{"spdx":"2.3"}')));
    const blob = await httpRequest(`${registry.url}/v2/team/withmeta/blobs/${r.custom!.sbom!.digest}`, { headers: p.auth });
    expect(blob.status).toBe(200);
    expect(blob.text()).toBe('{"spdx":"2.3"}');
    expect(ok(await p.notary(['list', gun])).stdout).toMatch(notaryLine('v1', r.digest, r.size));
  });

  it('a docker save archive (legacy form) is pushed and signed with the digest the registry reports, the same on every run', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/saved`;
    const file = path.join(tt.workDir, 'saved.tar');
    await writeDockerSaveLegacy(file, [{ image: makeImage({ layers: [randomLayer(2500)] }), repoTags: ['team/saved:v1'] }]);
    const r: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `docker-archive:${file}`])).stdout);
    const stored = await registryDigest(p, 'team/saved', 'v1');
    expect(r.digest).toBe(stored);
    expect(r.pushed!.blobs.uploaded).toBe(2);
    expect(await dockerSigned(p, gun, 'v1')).toBe(stored!.slice('sha256:'.length));
    expect(ok(await p.notary(['list', gun])).stdout).toMatch(notaryLine('v1', r.digest, r.size));
    // The conversion is stable: the same archive pushed again is the same manifest, and no blob is sent.
    const again: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `docker-archive:${file}`])).stdout);
    expect(again.digest).toBe(stored);
    expect(again.pushed!.blobs.uploaded).toBe(0);
  });

  it('a layout written by skopeo copy is signed with the digest skopeo inspect --raw gives', async () => {
    const skopeo = requireBinary('skopeo');
    const { tt, registry } = p;
    const gun = `${registry.host}/team/skopeo`;
    const archive = path.join(tt.workDir, 'for-skopeo.tar');
    await writeDockerSaveLegacy(archive, [{ image: makeImage({ layers: [randomLayer(3000), randomLayer(100)] }), repoTags: ['app:1.0'] }]);
    const layout = path.join(tt.workDir, 'skopeo-layout');
    ok(await runCommand(skopeo, ['--insecure-policy', 'copy', '--quiet', `docker-archive:${archive}`, `oci:${layout}:v1`]));
    const raw = ok(await runCommand(skopeo, ['inspect', '--raw', `oci:${layout}:v1`])).stdout;
    const reported = `sha256:${createHash('sha256').update(raw).digest('hex')}`;

    const r: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${layout}:v1`])).stdout);
    expect(r.digest).toBe(reported);
    expect(await registryDigest(p, 'team/skopeo', 'v1')).toBe(reported);
    expect(await dockerSigned(p, gun, 'v1')).toBe(reported.slice('sha256:'.length));
    expect(ok(await p.notary(['list', gun])).stdout).toMatch(notaryLine('v1', reported, Buffer.byteLength(raw)));
  });

  it('a multi-platform index is pushed with its images, and the index digest is signed', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/multi`;
    const dir = path.join(tt.workDir, 'multi');
    const amd64 = makeImage({ layers: [randomLayer(700)] });
    const arm64 = makeImage({ layers: [randomLayer(800)], platform: { os: 'linux', architecture: 'arm64' } });
    const index = makeIndex([amd64, arm64]);
    await writeOciLayout(dir, [{ item: index, ref: 'v1' }]);
    const r: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`, '--from', `oci:${dir}:v1`])).stdout);
    expect(r).toMatchObject({ digest: index.digest, size: index.manifest.length, pushed: { manifests: 3, blobs: { uploaded: 4 } } });
    expect(await registryDigest(p, 'team/multi', 'v1')).toBe(index.digest);
    expect(await registryDigest(p, 'team/multi', arm64.digest)).toBe(arm64.digest);
    expect(await dockerSigned(p, gun, 'v1')).toBe(index.digest.slice('sha256:'.length));
  });

  it('a corrupt layout signs nothing and tags nothing: one line naming the blob', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/corrupt`;
    const dir = path.join(tt.workDir, 'corrupt');
    const image = makeImage({ layers: [randomLayer(1500)] });
    await writeOciLayout(dir, [{ item: image, ref: 'v1' }]);
    const victim = sha256(image.layers[0]!).slice('sha256:'.length);
    const file = path.join(dir, 'blobs', 'sha256', victim);
    const bytes = readFileSync(file);
    bytes[600] = bytes[600]! ^ 0xff;
    writeFileSync(file, bytes);

    const r = await tt(['sign', `${gun}:v1`, '--from', `oci:${dir}:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(victim.slice(0, 12));
    expect(r.stdout).not.toMatch(/Successfully signed|Initialized|Pushed/);
    expect(await registryDigest(p, 'team/corrupt', 'v1')).toBeUndefined();
    expect((await p.notary(['list', gun])).code).not.toBe(0); // the repository was never initialised
  });

  it('a host that cannot sign the repository pushes nothing', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/owned`;
    const dir = path.join(tt.workDir, 'owned');
    const image = makeImage({ layers: [randomLayer(600)] });
    await writeOciLayout(dir, [{ item: image, ref: 'v1' }]);
    ok(await tt(['sign', `${gun}:v1`, '--from', `oci:${dir}:v1`]));
    const listed = ok(await p.notary(['list', gun])).stdout;

    const stranger = trustTui({ env: { DOCKER_CONFIG: p.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: p.server.url } });
    const r = await stranger(['sign', `${gun}:v2`, '--from', `oci:${dir}:v1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds no .*key/);
    expect(await registryDigest(p, 'team/owned', 'v2')).toBeUndefined();
    expect(ok(await p.notary(['list', gun])).stdout).toBe(listed);
  });
});

describe('plain sign REPO:TAG with the image only in a docker daemon', () => {
  let p: Peers;
  let daemon: Dockerd;
  beforeAll(async () => {
    daemon = await startDockerd();
    p = await startPeers(undefined, { DOCKER_HOST: daemon.host });
  });

  it('pushes it from the daemon and signs the digest the registry stores; without it, the not-found error names --from', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/daemon`;
    const missing = await tt(['sign', `${gun}:v1`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/);
    expect(missing.stderr).toContain('--from oci:DIR');

    const image = makeImage({ layers: [randomLayer(2000), randomLayer(100)] });
    const archive = path.join(tt.workDir, 'daemon.tar');
    await writeDockerSaveLegacy(archive, [{ image, repoTags: [`${gun}:v1`] }]);
    expect(ok(await daemon.docker(['load', '-i', archive])).stdout).toContain(`Loaded image: ${gun}:v1`);

    const r: SignJson = JSON.parse(ok(await tt(['--json', 'sign', `${gun}:v1`])).stdout);
    // docker keeps the config bytes, so the manifest is the one the test built.
    expect(r).toMatchObject({ digest: image.digest, initialised: true, pushed: { source: `docker-daemon:${gun}:v1`, blobs: { uploaded: 3 } } });
    expect(await registryDigest(p, 'team/daemon', 'v1')).toBe(image.digest);
    expect(await dockerSigned(p, gun, 'v1')).toBe(image.digest.slice('sha256:'.length));
    expect(ok(await p.notary(['list', gun])).stdout).toMatch(notaryLine('v1', image.digest, image.manifest.length));
  });

  it('Ctrl-C mid-push signs nothing, tags nothing and leaves no scratch files', async () => {
    const { tt, registry } = p;
    const gun = `${registry.host}/team/interrupted`;
    const archive = path.join(tt.workDir, 'interrupted.tar.gz');
    // Compressed: opening it decompresses into a scratch directory under TMPDIR.
    await writeDockerSaveLegacy(archive, [{ image: makeImage({ layers: [randomLayer(24 * 1024 * 1024)] }), repoTags: ['big:1'] }], { gzip: true });
    const tmp = await scratch('interrupted-tmp');
    const child = spawn(process.execPath, [CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, 'sign', `${gun}:v1`, '--from', `docker-archive:${archive}`], {
      env: { ...process.env, TMPDIR: tmp, DOCKER_CONFIG: p.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: p.server.url, DOCKER_HOST: daemon.host },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    // Interrupted once the image is being opened (its scratch directory exists).
    for (let i = 0; i < 400 && readdirSync(tmp).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(readdirSync(tmp)).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(readdirSync(tmp)).toEqual([]);
    expect(await registryDigest(p, 'team/interrupted', 'v1')).toBeUndefined();
    expect((await p.notary(['list', gun])).code).not.toBe(0); // never initialised
  });
});
