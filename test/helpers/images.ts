/**
 * Pushes small OCI images to the real docker-registry with plain HTTP requests (independent of the
 * registry client under test), so tests can sign tags that really exist.
 */
import { createHash } from 'node:crypto';
import { httpRequest } from './http.js';
import type { Registry } from './peers.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function pushBlob(registry: Registry, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await httpRequest(`${registry.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', caFile: registry.caFile });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${start.text()}`);
  const location = new URL(String(start.headers.location), registry.url);
  location.searchParams.set('digest', digest);
  const put = await httpRequest(location.toString(), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
    caFile: registry.caFile,
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${put.text()}`);
  return digest;
}

/** Pushes a one-layer OCI image as `repo:tag`; returns the manifest digest and size docker would sign. */
export async function pushTestImage(registry: Registry, repo: string, tag: string, content = `${repo}:${tag}`): Promise<{ digest: string; size: number }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = Buffer.from(content);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushBlob(registry, repo, config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: await pushBlob(registry, repo, layer), size: layer.length }],
    }),
  );
  const put = await httpRequest(`${registry.url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
    caFile: registry.caFile,
  });
  if (put.status !== 201) throw new Error(`manifest upload: ${put.status} ${put.text()}`);
  return { digest: sha256(manifest), size: manifest.length };
}
