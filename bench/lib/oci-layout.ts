// An OCI image layout (oci-layout, index.json, blobs/sha256/…) with one random, incompressible
// layer, for the push benchmark and the bounded-memory test.
// Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes an OCI image layout (oci-layout, index.json, blobs/sha256/…) with one random layer. */
export async function writeLayout(dir: string, layerBytes: number): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const putBlob = async (bytes: Buffer) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  // The layer is written in 1 MiB pieces, hashed on the way.
  const hash = createHash('sha256');
  const temp = path.join(blobs, 'layer.tmp');
  const out = createWriteStream(temp);
  for (let left = layerBytes; left > 0; left -= 1 << 20) {
    const piece = randomBytes(Math.min(left, 1 << 20));
    hash.update(piece);
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const layerHex = hash.digest('hex');
  await rename(temp, path.join(blobs, layerHex));
  const config = await putBlob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] } })));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerHex}`, size: layerBytes }],
    }),
  );
  const root = await putBlob(manifest);
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...root, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
}

