/**
 * The registry client against the REAL docker-registry (distribution 2.8) on loopback: plain HTTP,
 * HTTPS with the fixture CA, and htpasswd Basic auth.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, MEDIA_TYPES } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import {
  httpRequest,
  makeScratchDir,
  startRegistry,
  stopAllPeers,
  type Registry,
} from '../helpers/peers.js';
import { freePort, LOOPBACK } from '../helpers/ports.js';

afterAll(stopAllPeers);

const sha256 = (data: Uint8Array | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** bcrypt("s3cret", cost 5), made once with bcryptjs; docker-registry's htpasswd needs bcrypt. */
const HTPASSWD = 'alice:$2b$05$reb4v1090gcSmgUJM13/j.JAKPSYFJFoRf1huMtRvktiUyeK56rie\n';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Pushed {
  manifest: Uint8Array;
  index: Uint8Array;
  dockerManifest: Uint8Array;
}

/** Pushes blobs and manifests with plain HTTP requests (independent of the client under test). */
async function pushImage(baseUrl: string, repo: string, headers: Record<string, string> = {}, caFile?: string): Promise<Pushed> {
  const pushBlob = async (bytes: Uint8Array): Promise<{ digest: string; size: number }> => {
    const start = await httpRequest(`${baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers, caFile });
    expect(start.status).toBe(202);
    const location = new URL(String(start.headers.location), baseUrl);
    location.searchParams.set('digest', sha256(bytes));
    const put = await httpRequest(location.toString(), {
      method: 'PUT',
      body: bytes,
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      caFile,
    });
    expect(put.status, put.text()).toBe(201);
    return { digest: sha256(bytes), size: bytes.length };
  };
  const pushManifest = async (tag: string, bytes: Uint8Array, mediaType: string): Promise<void> => {
    const put = await httpRequest(`${baseUrl}/v2/${repo}/manifests/${tag}`, {
      method: 'PUT',
      body: bytes,
      headers: { ...headers, 'content-type': mediaType },
      caFile,
    });
    expect(put.status, put.text()).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(sha256(bytes));
  };

  const config = await pushBlob(utf8(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = await pushBlob(utf8(`layer of ${repo} ${Date.now()}`));
  // Indented JSON on purpose: the digest is of the bytes as pushed, not of any canonical form.
  const manifest = utf8(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      },
      null,
      3,
    ),
  );
  await pushManifest('v1', manifest, MEDIA_TYPES.ociManifest);
  const index = utf8(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [
        { mediaType: MEDIA_TYPES.ociManifest, digest: sha256(manifest), size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    }),
  );
  await pushManifest('multi', index, MEDIA_TYPES.ociIndex);
  const dockerManifest = utf8(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifest,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', ...layer }],
    }),
  );
  await pushManifest('docker-v2', dockerManifest, MEDIA_TYPES.dockerManifest);
  return { manifest, index, dockerManifest };
}

describe('docker-registry over plain HTTP on loopback', () => {
  let registry: Registry;
  let pushed: Pushed;
  let client: RegistryClient;
  const ref = (suffix: string) => parseReference(`${registry.host}/team/app${suffix}`);

  beforeAll(async () => {
    registry = await startRegistry();
    pushed = await pushImage(registry.url, 'team/app');
    // An empty DOCKER_CONFIG: no credentials, no TLS directory.
    client = new RegistryClient({ dockerConfigDir: await makeScratchDir('registry-client-config') });
  });
  afterAll(() => registry?.stop());

  it('resolves tags to the sha256 and byte length of exactly the pushed manifest bytes', async () => {
    // The default for loopback tries https first; this registry only speaks http.
    expect(await client.resolve(ref(':v1'))).toEqual({
      digest: sha256(pushed.manifest),
      size: pushed.manifest.length,
      mediaType: MEDIA_TYPES.ociManifest,
    });
    expect(await client.resolve(ref(':multi'))).toEqual({
      digest: sha256(pushed.index),
      size: pushed.index.length,
      mediaType: MEDIA_TYPES.ociIndex,
    });
    expect(await client.resolve(ref(':docker-v2'))).toEqual({
      digest: sha256(pushed.dockerManifest),
      size: pushed.dockerManifest.length,
      mediaType: MEDIA_TYPES.dockerManifest,
    });
  });

  it('resolves a digest reference, and refuses a digest the registry does not have', async () => {
    const digest = sha256(pushed.index);
    expect((await client.resolve(ref(`@${digest}`))).size).toBe(pushed.index.length);
    await expect(client.resolve(ref(`@${sha256('nothing')}`))).rejects.toThrow(
      `manifest ${sha256('nothing')} not found in ${registry.host}/team/app`,
    );
  });

  it('says which tag is missing, also for an unknown repository', async () => {
    await expect(client.resolve(ref(':v9'))).rejects.toThrow(`tag v9 not found in ${registry.host}/team/app`);
    await expect(client.resolve(parseReference(`${registry.host}/nobody/here:v1`))).rejects.toThrow(
      `tag v1 not found in ${registry.host}/nobody/here`,
    );
  });

  it('uploads a blob for --meta that reads back byte for byte, and accepts it twice', async () => {
    const bytes = utf8(JSON.stringify({ sbom: 'spdx', created: Date.now() }));
    const uploaded = await client.uploadBlob(ref(''), bytes);
    expect(uploaded).toEqual({ digest: sha256(bytes), size: bytes.length });
    expect(Buffer.from(await client.fetchBlob(ref(''), uploaded.digest))).toEqual(Buffer.from(bytes));
    const raw = await httpRequest(`${registry.url}/v2/team/app/blobs/${uploaded.digest}`);
    expect(raw.status).toBe(200);
    expect(await client.uploadBlob(ref(''), bytes)).toEqual(uploaded);
  });

  it('refuses plain http when told to use https only', async () => {
    const strict = new RegistryClient({ loopbackScheme: 'https', dockerConfigDir: await makeScratchDir('strict') });
    await expect(strict.resolve(ref(':v1'))).rejects.toThrow(`cannot reach registry ${registry.host}`);
  });

  it('reports an unreachable registry', async () => {
    const port = await freePort();
    await expect(client.resolve(parseReference(`${LOOPBACK}:${port}/team/app:v1`))).rejects.toThrow(
      `cannot reach registry ${LOOPBACK}:${port}`,
    );
  });
});

describe('docker-registry over HTTPS with the fixture CA', () => {
  let registry: Registry;
  let pushed: Pushed;

  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
    pushed = await pushImage(registry.url, 'team/app', {}, registry.caFile);
  });
  afterAll(() => registry?.stop());

  it('trusts the CA from $DOCKER_CONFIG/tls/<host:port>/ca.crt', async () => {
    const dockerConfig = await makeScratchDir('registry-tls-config');
    await mkdir(path.join(dockerConfig, 'tls', registry.host), { recursive: true });
    await writeFile(path.join(dockerConfig, 'tls', registry.host, 'ca.crt'), await readFile(registry.caFile!, 'utf8'));
    const client = new RegistryClient({ dockerConfigDir: dockerConfig });
    expect((await client.resolve(parseReference(`${registry.host}/team/app:v1`))).digest).toBe(sha256(pushed.manifest));
  });

  it('fails with a TLS error naming the registry when the CA is unknown', async () => {
    const client = new RegistryClient({ dockerConfigDir: await makeScratchDir('registry-no-ca') });
    await expect(client.resolve(parseReference(`${registry.host}/team/app:v1`))).rejects.toThrow(
      `TLS failure talking to registry ${registry.host}`,
    );
  });
});

describe('docker-registry with htpasswd Basic auth', () => {
  let registry: Registry;
  let pushed: Pushed;

  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: HTPASSWD });
    pushed = await pushImage(registry.url, 'team/app', { authorization: basic('alice', 's3cret') });
  });
  afterAll(() => registry?.stop());

  async function clientWithAuths(auths: Record<string, { auth: string }>): Promise<RegistryClient> {
    const dockerConfig = await makeScratchDir('registry-auth-config');
    await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths }));
    return new RegistryClient({ dockerConfigDir: dockerConfig });
  }

  it('refuses without credentials, with the docker login hint', async () => {
    const client = await clientWithAuths({});
    await expect(client.resolve(parseReference(`${registry.host}/team/app:v1`))).rejects.toMatchObject({
      message: `not authorized to read ${registry.host}/team/app (401 from registry ${registry.host})`,
      hint: { cli: `run \`docker login ${registry.host}\`` },
    });
  });

  it('refuses a wrong password the same way', async () => {
    const client = await clientWithAuths({ [registry.host]: { auth: Buffer.from('alice:wrong').toString('base64') } });
    await expect(client.resolve(parseReference(`${registry.host}/team/app:v1`))).rejects.toThrow(/401 from registry/);
  });

  it('answers the Basic challenge with the credentials of config.json: resolve and upload', async () => {
    const client = await clientWithAuths({ [registry.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } });
    const ref = parseReference(`${registry.host}/team/app:multi`);
    expect(await client.resolve(ref)).toEqual({
      digest: sha256(pushed.index),
      size: pushed.index.length,
      mediaType: MEDIA_TYPES.ociIndex,
    });
    const bytes = utf8('attestation bytes');
    const blob = await client.uploadBlob(ref, bytes);
    expect(Buffer.from(await client.fetchBlob(ref, blob.digest)).toString()).toBe('attestation bytes');
  });
});

