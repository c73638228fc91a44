/**
 * Smoke tests of the interop fixture against the REAL peers. They also document, for the team,
 * how notary 0.7, the docker CLI 28 and docker-registry 2.8 behave on loopback.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  httpRequest,
  makePki,
  makeScratchDir,
  notaryCli,
  requireBinary,
  runCommand,
  startNotaryServer,
  startRegistry,
  stopAllPeers,
  type NotaryRunner,
  type NotaryServer,
  type Registry,
  type RunResult,
} from '../helpers/peers.js';

afterAll(stopAllPeers);

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Fails with the command's output, which is what one needs to see when a peer disagrees. */
function expectSuccess(result: RunResult): RunResult {
  expect(result, `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toMatchObject({ code: 0 });
  return result;
}

/** The row of `notary list` for one tag: NAME DIGEST SIZE ROLE. */
function listRow(listOutput: string, tag: string): { digest: string; size: number; role: string } | undefined {
  for (const line of listOutput.split('\n')) {
    const [name, digest, size, role] = line.trim().split(/\s+/);
    if (name === tag && digest && size && role) return { digest, size: Number(size), role };
  }
  return undefined;
}

/** Key type of the server-held key of `role`, as listed in the client's cached root.json. */
async function cachedRootKeyType(trustDir: string, gun: string, role: 'timestamp' | 'snapshot'): Promise<string> {
  const file = path.join(trustDir, 'tuf', gun, 'metadata', 'root.json');
  const root = JSON.parse(await readFile(file, 'utf8')) as {
    signed: { roles: Record<string, { keyids: string[] }>; keys: Record<string, { keytype: string }> };
  };
  const keyId = root.signed.roles[role]?.keyids[0] ?? '';
  return root.signed.keys[keyId]?.keytype ?? `no ${role} key in root.json`;
}

async function newNotaryClient(server: NotaryServer): Promise<NotaryRunner> {
  const home = await makeScratchDir('notary-home');
  return notaryCli(path.join(home, 'trust'), server.url, server.caFile);
}

describe('notary-server with the local signing service', () => {
  let server: NotaryServer;
  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
  });
  afterAll(() => server?.stop());

  it('answers its health check over TLS issued by the fixture CA', async () => {
    const health = await httpRequest(`${server.url}/_notary_server/health`, { caFile: server.caFile });
    expect(health.status).toBe(200);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('publishes a target through a delegation with a server-managed snapshot (notary CLI)', async () => {
    const notary = await newNotaryClient(server);
    const gun = 'example.com/app';
    const inWorkDir = (file: string): string => path.join(notary.workDir, file);

    expect(expectSuccess(await notary(['init', gun, '-p'])).stdout).toContain(
      `Successfully published changes for repository ${gun}`,
    );
    expect(expectSuccess(await notary(['key', 'rotate', gun, 'snapshot', '-r'])).stdout).toContain(
      `Successfully rotated snapshot key for repository ${gun}`,
    );

    const openssl = requireBinary('openssl');
    expectSuccess(
      await runCommand(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'releases.key'], {
        cwd: notary.workDir,
      }),
    );
    expectSuccess(
      await runCommand(openssl, ['req', '-new', '-x509', '-key', 'releases.key', '-out', 'releases.crt', '-days', '30', '-subj', '/CN=releases'], {
        cwd: notary.workDir,
      }),
    );
    expectSuccess(await notary(['key', 'import', inWorkDir('releases.key'), '-r', 'targets/releases']));
    expectSuccess(await notary(['delegation', 'add', gun, 'targets/releases', inWorkDir('releases.crt'), '--all-paths', '-p']));

    const content = 'hello\n';
    await writeFile(inWorkDir('hello.txt'), content);
    expectSuccess(await notary(['add', gun, 'v1.0', inWorkDir('hello.txt'), '-r', 'targets/releases', '-p']));

    const list = expectSuccess(await notary(['list', gun])).stdout;
    expect(listRow(list, 'v1.0')).toEqual({ digest: sha256Hex(content), size: 6, role: 'targets/releases' });
    // Documented quirk: the local signing service always uses ED25519 for server-held keys.
    expect(await cachedRootKeyType(notary.trustDir, gun, 'timestamp')).toBe('ed25519');
    expect(await cachedRootKeyType(notary.trustDir, gun, 'snapshot')).toBe('ed25519');
  });

  it('serves docker CLI trust commands without a daemon, verifying TLS for a non-loopback repo name', async () => {
    const repo = 'registry.example.com/team/app';
    const dockerHome = await makeScratchDir('docker-home');
    const docker = dockerCli(path.join(dockerHome, 'config'), server.url, server.caFile);
    await mkdir(path.join(docker.workDir, 'keys'));

    const generated = expectSuccess(await docker(['trust', 'key', 'generate', 'alice', '--dir', 'keys']));
    expect(generated.stdout).toContain('Successfully generated and loaded private key');
    expect(await readFile(path.join(docker.workDir, 'keys', 'alice.pub'), 'utf8')).toContain('role: alice');

    const added = expectSuccess(await docker(['trust', 'signer', 'add', '--key', 'keys/alice.pub', 'alice', repo]));
    expect(added.stdout).toContain(`Successfully added signer: alice to ${repo}`);

    const inspected = JSON.parse(expectSuccess(await docker(['trust', 'inspect', repo])).stdout) as Array<{
      Name: string;
      SignedTags: unknown[];
      Signers: Array<{ Name: string; Keys: Array<{ ID: string }> }>;
    }>;
    expect(inspected).toHaveLength(1);
    expect(inspected[0]).toMatchObject({ Name: repo, SignedTags: [] });
    const signers = inspected[0]?.Signers ?? [];
    expect(signers.map((signer) => signer.Name)).toEqual(['alice']);
    const aliceKeyId = signers[0]?.Keys[0]?.ID ?? '';
    expect(aliceKeyId).toMatch(/^[0-9a-f]{64}$/);
    // The private key file is named after the key ID that the delegation lists.
    const privateDir = path.join(docker.trustDir, 'private');
    expect(await readdir(privateDir)).toContain(`${aliceKeyId}.key`);
    expect(await readFile(path.join(privateDir, `${aliceKeyId}.key`), 'utf8')).toContain('role: alice');

    // Without the CA in $DOCKER_CONFIG/tls/<host:port>/ the same read fails: TLS is really verified.
    const strangerHome = await makeScratchDir('docker-home');
    const stranger = dockerCli(path.join(strangerHome, 'config'), server.url, server.caFile);
    await rm(stranger.caFile);
    const refused = await stranger(['-D', 'trust', 'inspect', repo]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`no signatures or cannot access ${repo}`);
    expect(refused.stderr).toContain('x509: certificate signed by unknown authority');
  });
});

describe('notary-server with a remote notary-signer (mutual TLS)', () => {
  let server: NotaryServer;
  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'remote' });
  });
  afterAll(() => server?.stop());

  it('initialises a repository and lists a published target; the server keys are ECDSA', async () => {
    const notary = await newNotaryClient(server);
    const gun = 'example.com/remote';
    expectSuccess(await notary(['init', gun, '-p']));

    const content = '{"fake":"manifest"}\n';
    await writeFile(path.join(notary.workDir, 'm.json'), content);
    expectSuccess(await notary(['add', gun, 'v1', path.join(notary.workDir, 'm.json'), '-p']));

    const list = expectSuccess(await notary(['list', gun])).stdout;
    expect(listRow(list, 'v1')).toEqual({ digest: sha256Hex(content), size: content.length, role: 'targets' });
    expect(await cachedRootKeyType(notary.trustDir, gun, 'timestamp')).toBe('ecdsa');
    // The timestamp was signed by notary-signer, not in-process.
    expect(server.signerLogs()).toContain('CreateKey');
  });
});

describe('docker-registry', () => {
  const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

  async function pushBlob(registry: Registry, name: string, bytes: Buffer): Promise<string> {
    const digest = `sha256:${sha256Hex(bytes)}`;
    const started = await httpRequest(`${registry.url}/v2/${name}/blobs/uploads/`, {
      method: 'POST',
      caFile: registry.caFile,
    });
    expect(started.status).toBe(202);
    const location = new URL(String(started.headers.location), registry.url);
    location.searchParams.set('digest', digest);
    const finished = await httpRequest(location.href, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      caFile: registry.caFile,
    });
    expect(finished.status).toBe(201);
    expect(finished.headers['docker-content-digest']).toBe(digest);
    return digest;
  }

  it.each([
    { tls: false, scheme: 'http' },
    { tls: true, scheme: 'https' },
  ])('stores an OCI image manifest and serves it by tag with its digest ($scheme)', async ({ tls, scheme }) => {
    const registry = await startRegistry({ tls });
    try {
      expect(registry.url).toBe(`${scheme}://${registry.host}`);
      const name = 'team/app';
      const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
      const layer = Buffer.from('not really a tarball');
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: await pushBlob(registry, name, config),
            size: config.length,
          },
          layers: [
            {
              mediaType: 'application/vnd.oci.image.layer.v1.tar',
              digest: await pushBlob(registry, name, layer),
              size: layer.length,
            },
          ],
        }),
      );
      const manifestDigest = `sha256:${sha256Hex(manifest)}`;

      const put = await httpRequest(`${registry.url}/v2/${name}/manifests/v1`, {
        method: 'PUT',
        headers: { 'content-type': OCI_MANIFEST },
        body: manifest,
        caFile: registry.caFile,
      });
      expect(put.status, put.text()).toBe(201);

      const got = await httpRequest(`${registry.url}/v2/${name}/manifests/v1`, {
        headers: { accept: OCI_MANIFEST },
        caFile: registry.caFile,
      });
      expect(got.status).toBe(200);
      expect(got.headers['docker-content-digest']).toBe(manifestDigest);
      expect(got.body.equals(manifest)).toBe(true);
    } finally {
      await registry.stop();
    }
    expect(existsSync(registry.dir)).toBe(false);
  });
});

describe('the fixture itself', () => {
  it('fails (never skips) with install advice when a peer binary is missing', () => {
    expect(() => requireBinary('notary-server-that-does-not-exist')).toThrow(
      "notary-server-that-does-not-exist not found: run the README's test command (it installs Debian's notary and docker-registry)",
    );
    expect(requireBinary('notary')).toMatch(/notary$/);
  });

  it('kills a command that outlives its timeout and reports it', async () => {
    const started = Date.now();
    await expect(runCommand(requireBinary('sleep'), ['30'], { timeoutMs: 200 })).rejects.toThrow(
      /sleep 30 timed out after 200 ms/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails with the peer output when a server cannot start', async () => {
    const home = await makeScratchDir('bad-pki');
    const pki = await makePki(path.join(home, 'pki'));
    const brokenPki = { ...pki, serverCert: path.join(home, 'missing.crt') };
    await expect(startNotaryServer({ signer: 'local', pki: brokenPki })).rejects.toThrow(
      /notary-server exited during startup[\s\S]*--- notary-server output ---[\s\S]*missing\.crt/,
    );
  });
});
