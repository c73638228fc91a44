// The OCI image layout (OCI image-spec, "OCI Image Layout Specification"): an `oci-layout` file,
// `index.json`, and content-addressed `blobs/<alg>/<hex>`. Read from a directory or an archive.
import { sha256Digest, SHA256_DIGEST, type BlobFile } from './blob.js';
import type { SourceFiles } from './files.js';
import { LocalImageError, type LocalManifest } from './image.js';

/** Manifests and indexes are small; a larger one is not a manifest (distribution-spec allows 4 MiB). */
export const MANIFEST_SIZE_CAP = 4 << 20;

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);

export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** What a manifest tree needs pushed: the root, the manifests below it, and the blobs. */
export interface ManifestTree {
  root: LocalManifest;
  children: LocalManifest[];
  blobs: BlobFile[];
}

export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

function isDescriptor(d: unknown): d is Descriptor {
  const o = d as Descriptor;
  return typeof o === 'object' && o !== null && typeof o.digest === 'string' && Number.isSafeInteger(o.size) && o.size >= 0;
}

export async function readJson(files: SourceFiles, name: string, cap: number, origin: string): Promise<unknown> {
  const bytes = await files.read(name, cap);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new LocalImageError(`${files.describe(name)} in ${origin} is not valid JSON: ${(e as Error).message}`);
  }
}

function platformOf(d: Descriptor): string {
  const p = d.platform;
  return p?.os ? `(${p.os}/${p.architecture ?? '?'}${p.variant ? `/${p.variant}` : ''})` : '';
}

function describeEntry(d: Descriptor): string {
  return [d.annotations?.[REF_NAME] ?? d.digest, platformOf(d)].filter(Boolean).join(' ');
}

/** Checks a blob that a manifest names: a sha256 digest, and a file of the recorded size. */
async function checkBlobFile(files: SourceFiles, d: Descriptor, origin: string, parent: string): Promise<string> {
  if (!SHA256_DIGEST.test(d.digest)) throw new LocalImageError(`${origin}: ${parent} refers to "${d.digest}", which is not a sha256 digest`);
  const name = blobPath(d.digest);
  const size = await files.size(name);
  if (size === undefined) {
    throw new LocalImageError(`${origin}: blob ${d.digest} is missing (${files.describe(name)}), referred to by ${parent}`, {
      hint: 'the layout is incomplete; write the image again (or copy it with all its platforms)',
    });
  }
  if (size !== d.size) throw new LocalImageError(`${origin}: blob ${d.digest} is ${size} bytes, ${d.size} expected (${files.describe(name)})`);
  return name;
}

/**
 * Reads the manifest `top` refers to and everything below it, checking each manifest's digest and
 * size against its descriptor and that every blob file exists with the size recorded.
 */
export async function readManifestTree(files: SourceFiles, top: Descriptor, origin: string): Promise<ManifestTree> {
  const children: LocalManifest[] = [];
  const blobs = new Map<string, BlobFile>();
  const seenManifests = new Set<string>();

  async function visit(d: Descriptor, parent: string, depth: number): Promise<LocalManifest> {
    if (depth > 8) throw new LocalImageError(`${origin}: indexes nested more than 8 deep at ${d.digest}`);
    const name = await checkBlobFile(files, d, origin, parent);
    const bytes = await files.read(name, MANIFEST_SIZE_CAP);
    if (sha256Digest(bytes) !== d.digest) {
      throw new LocalImageError(`manifest ${d.digest} in ${origin} does not match its digest (${files.describe(name)})`, {
        hint: 'the file was changed or damaged after the image was written; write the image again',
      });
    }
    let parsed: { mediaType?: string; manifests?: unknown[]; config?: unknown; layers?: unknown[] };
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new LocalImageError(`${origin}: manifest ${d.digest} is not valid JSON: ${(e as Error).message}`);
    }
    const mediaType = parsed.mediaType ?? d.mediaType ?? (Array.isArray(parsed.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
    const here = [`manifest ${d.digest}`, platformOf(d)].filter(Boolean).join(' ');
    if (INDEX_TYPES.has(mediaType)) {
      if (!Array.isArray(parsed.manifests) || !parsed.manifests.every(isDescriptor)) throw new LocalImageError(`${origin}: index ${d.digest} has no valid "manifests" list`);
      for (const child of parsed.manifests) {
        if (seenManifests.has(child.digest)) continue;
        seenManifests.add(child.digest);
        children.push(await visit(child, `index ${d.digest}`, depth + 1));
      }
    } else if (MANIFEST_TYPES.has(mediaType)) {
      const layers = parsed.layers ?? [];
      if (!isDescriptor(parsed.config) || !Array.isArray(layers) || !layers.every(isDescriptor)) {
        throw new LocalImageError(`${origin}: manifest ${d.digest} lacks a valid config or layers list`);
      }
      for (const blob of [parsed.config, ...layers]) {
        if (blobs.has(blob.digest)) continue;
        const file = await checkBlobFile(files, blob, origin, here);
        blobs.set(blob.digest, { digest: blob.digest, size: blob.size, mediaType: blob.mediaType ?? 'application/octet-stream', name: file });
      }
    } else {
      throw new LocalImageError(`${origin}: ${d.digest} has media type "${mediaType}", not an image manifest or index`);
    }
    return { digest: d.digest, size: bytes.length, mediaType, bytes };
  }

  const root = await visit(top, 'index.json', 0);
  return { root, children, blobs: [...blobs.values()] };
}

/** `index.json`'s entries, after checking `oci-layout`. */
export async function readLayoutIndex(files: SourceFiles, origin: string): Promise<Descriptor[]> {
  if ((await files.size('oci-layout')) === undefined) {
    throw new LocalImageError(`${origin} is not an OCI image layout: there is no ${files.describe('oci-layout')}`, {
      hint: 'write one with `docker buildx build --output type=oci,tar=false,dest=DIR`, skopeo copy … oci:DIR:TAG, or buildah push … oci:DIR',
    });
  }
  const layout = (await readJson(files, 'oci-layout', 4096, origin)) as { imageLayoutVersion?: unknown };
  const version = layout?.imageLayoutVersion;
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new LocalImageError(`${origin}: ${files.describe('oci-layout')} has imageLayoutVersion ${JSON.stringify(version)}; only 1.x layouts are read`);
  }
  if ((await files.size('index.json')) === undefined) throw new LocalImageError(`${origin}: ${files.describe('index.json')} is missing`);
  const index = (await readJson(files, 'index.json', MANIFEST_SIZE_CAP, origin)) as { manifests?: unknown };
  if (!Array.isArray(index?.manifests) || !index.manifests.every(isDescriptor)) {
    throw new LocalImageError(`${origin}: ${files.describe('index.json')} has no valid "manifests" list`);
  }
  return index.manifests;
}

/** The index.json entry for `ref`, or the only entry when no ref is given. */
export function pickLayoutEntry(entries: Descriptor[], ref: string | undefined, origin: string): Descriptor {
  const names = entries.map(describeEntry);
  if (ref !== undefined) {
    const found = entries.filter((e) => e.annotations?.[REF_NAME] === ref);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw new LocalImageError(`${origin}: index.json has ${found.length} entries named "${ref}"`);
    throw new LocalImageError(`${origin}: no image named "${ref}" in index.json (it has: ${names.join(', ') || 'nothing'})`, {
      hint: 'use one of the names listed after the last colon',
    });
  }
  if (entries.length === 1) return entries[0]!;
  if (entries.length === 0) throw new LocalImageError(`${origin}: index.json lists no image`);
  throw new LocalImageError(`${origin}: index.json lists ${entries.length} images (${names.join(', ')}); say which one`, {
    hint: `add the name after a colon: ${origin}:NAME`,
  });
}

/** An OCI layout (directory or archive contents) -> the manifest tree of the picked entry. */
export async function readOciLayout(files: SourceFiles, ref: string | undefined, origin: string): Promise<ManifestTree> {
  const entries = await readLayoutIndex(files, origin);
  return readManifestTree(files, pickLayoutEntry(entries, ref, origin), origin);
}
