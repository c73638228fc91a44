/**
 * A tiny LocalImage builder for push tests, independent of trust-tui's own readers: blobs are files
 * in a scratch directory, streamed with the same contract (read from 0, a stream whose bytes do not
 * hash to the digest fails at its end with a LocalImageError).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { LocalImageError, type LocalBlob, type LocalImage, type LocalManifest } from '../../src/registry/local/image.js';

export const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface BuiltImage extends LocalImage {
  /** Blob bytes by digest, for comparing with what the registry serves. */
  contents: Map<string, Buffer>;
  /** Layer files by digest (to corrupt one). */
  files: Map<string, string>;
}

/** Writes `layers` and a config to `dir` and returns the OCI image made of them. */
export async function buildLocalImage(dir: string, layers: Buffer[], label = 'test'): Promise<BuiltImage> {
  await mkdir(dir, { recursive: true });
  const contents = new Map<string, Buffer>();
  const files = new Map<string, string>();
  const blobs: LocalBlob[] = [];
  const add = async (bytes: Buffer, mediaType: string) => {
    const digest = sha256(bytes);
    const file = path.join(dir, digest.replace(':', '-'));
    await writeFile(file, bytes);
    contents.set(digest, bytes);
    files.set(digest, file);
    const blob: LocalBlob = { digest, size: bytes.length, mediaType, open: (offset = 0) => openChecked(file, digest, bytes.length, offset) };
    blobs.push(blob);
    return { mediaType, digest, size: bytes.length };
  };
  const config = await add(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { label } }, rootfs: { type: 'layers', diff_ids: layers.map(sha256) } })),
    'application/vnd.oci.image.config.v1+json',
  );
  const layerDescriptors = [];
  for (const layer of layers) layerDescriptors.push(await add(layer, 'application/vnd.oci.image.layer.v1.tar'));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: layerDescriptors }));
  const root: LocalManifest = { digest: sha256(bytes), size: bytes.length, mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes };
  return { source: `oci:${dir}`, root, children: [], blobs, contents, files, close: async () => {} };
}

function openChecked(file: string, digest: string, size: number, offset: number): Readable {
  const stream = createReadStream(file, { start: offset });
  if (offset > 0) return stream;
  const hash = createHash('sha256');
  let length = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      length += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      const actual = `sha256:${hash.digest('hex')}`;
      done(actual === digest && length === size ? null : new LocalImageError(`blob ${digest} in ${file} is corrupt: its bytes hash to ${actual}`));
    },
  });
  stream.on('error', (e) => check.destroy(e));
  return stream.pipe(check);
}

/** Deterministic pseudo-random bytes (incompressible, different per seed). */
export function randomish(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, Math.min(i, size - 4));
  }
  return out;
}
