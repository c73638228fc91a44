/**
 * Builds local images for tests, independently of src/registry/local: small random images, OCI
 * image layout directories, OCI archives, and `docker save` archives in the legacy form
 * (manifest.json + `<id>/layer.tar`) and the docker 25+ form (that plus an OCI layout).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (digest: string) => digest.slice('sha256:'.length);

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

export interface Platform {
  os: string;
  architecture: string;
}

export interface TestImage {
  kind: 'manifest';
  platform: Platform;
  config: Buffer;
  /** Uncompressed layer tars; each one's digest is also its diff_id. */
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
}

export interface TestIndex {
  kind: 'index';
  images: TestImage[];
  manifest: Buffer;
  digest: string;
}

/** Every blob a test image or index stores: manifests, configs, layers. */
export function blobsOf(item: TestImage | TestIndex): Buffer[] {
  if (item.kind === 'index') return [item.manifest, ...item.images.flatMap(blobsOf)];
  return [item.manifest, item.config, ...item.layers];
}

// ---- tar writing (ustar, with a pax `path` record for names over 100 bytes) ----

function header(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

export interface TarItem {
  name: string;
  data?: Buffer;
  /** A symbolic link to this target instead of data. */
  symlink?: string;
}

/** A tar archive of the items, in order, ending with two zero blocks. */
export function tar(items: TarItem[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    if (Buffer.byteLength(item.name) > 100) {
      const record = (body: string) => {
        let len = body.length + 3;
        while (`${len} ${body}\n`.length !== len) len = `${len} ${body}\n`.length;
        return Buffer.from(`${len} ${body}\n`);
      };
      const pax = record(`path=${item.name}`);
      parts.push(header('PaxHeader', pax.length, 'x'), pax, pad(pax.length));
    }
    if (item.symlink !== undefined) {
      const h = header(item.name.slice(0, 100), 0, '2');
      h.write(item.symlink, 157, 100);
      // Recompute the checksum after writing the link name.
      h.write('        ', 148);
      let sum = 0;
      for (const b of h) sum += b;
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      parts.push(h);
      continue;
    }
    const data = item.data ?? Buffer.alloc(0);
    parts.push(header(item.name.slice(0, 100), data.length), data, pad(data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

// ---- images ----

/** A layer: a real tar holding one file of random bytes (docker load unpacks layers). */
export function randomLayer(size = 2048): Buffer {
  return tar([{ name: `file-${randomBytes(4).toString('hex')}`, data: randomBytes(size) }]);
}

export interface ImageOptions {
  layers?: Buffer[];
  platform?: Platform;
  /** Manifest annotations (a manifest that a docker-save conversion could not reproduce). */
  annotations?: Record<string, string>;
}

export function makeImage(options: ImageOptions = {}): TestImage {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers = options.layers ?? [randomLayer(), randomLayer(1000)];
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      config: { Env: ['PATH=/usr/bin:/bin'] },
      rootfs: { type: 'layers', diff_ids: layers.map(sha256) },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: sha256(l), size: l.length })),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    }),
  );
  return { kind: 'manifest', platform, config, layers, manifest, digest: sha256(manifest) };
}

/** A multi-platform index over the images. */
export function makeIndex(images: TestImage[]): TestIndex {
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((i) => ({ mediaType: OCI_MANIFEST, digest: i.digest, size: i.manifest.length, platform: i.platform })),
    }),
  );
  return { kind: 'index', images, manifest, digest: sha256(manifest) };
}

export interface LayoutEntry {
  item: TestImage | TestIndex;
  /** `org.opencontainers.image.ref.name`. */
  ref?: string;
  annotations?: Record<string, string>;
}

/** The files of an OCI image layout holding the entries: `oci-layout`, `index.json`, `blobs/sha256/…`. */
export function layoutItems(entries: LayoutEntry[]): TarItem[] {
  const blobs = new Map<string, Buffer>();
  for (const e of entries) for (const b of blobsOf(e.item)) blobs.set(hex(sha256(b)), b);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((e) => ({
      mediaType: e.item.kind === 'index' ? OCI_INDEX : OCI_MANIFEST,
      digest: e.item.digest,
      size: e.item.manifest.length,
      ...(e.ref !== undefined || e.annotations ? { annotations: { ...e.annotations, ...(e.ref !== undefined ? { 'org.opencontainers.image.ref.name': e.ref } : {}) } } : {}),
    })),
  };
  return [
    { name: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    ...[...blobs].map(([h, data]) => ({ name: `blobs/sha256/${h}`, data })),
  ];
}

/** Writes tar items as files under `dir` (symlinks are not supported here). */
export async function writeItems(dir: string, items: TarItem[]): Promise<void> {
  for (const item of items) {
    const file = path.join(dir, ...item.name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, item.data ?? Buffer.alloc(0));
  }
}

/** An OCI image layout directory. */
export async function writeOciLayout(dir: string, entries: LayoutEntry[]): Promise<void> {
  await writeItems(dir, layoutItems(entries));
}

/** An OCI archive (a layout in a tar), gzip-compressed on request. */
export async function writeOciArchive(file: string, entries: LayoutEntry[], options: { gzip?: boolean } = {}): Promise<void> {
  const bytes = tar(layoutItems(entries));
  await writeFile(file, options.gzip ? gzipSync(bytes) : bytes);
}

export interface SavedImage {
  image: TestImage;
  /** `repo:tag` names, as `docker save` lists them in RepoTags. */
  repoTags: string[];
}

/** The items of a legacy `docker save` archive (docker before 25): manifest.json, repositories, `<id>/layer.tar`. */
export function dockerSaveLegacyItems(images: SavedImage[], options: { linkRepeatedLayers?: boolean } = {}): TarItem[] {
  const items: TarItem[] = [];
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const written = new Map<string, string>();
  for (const { image, repoTags } of images) {
    const layerPaths: string[] = [];
    let parent = '';
    for (const layer of image.layers) {
      // Legacy layer IDs are a chain hash; any stable, distinct name does here.
      const id = hex(sha256(Buffer.from(`${parent}|${sha256(layer)}`)));
      const layerPath = `${id}/layer.tar`;
      const first = written.get(sha256(layer));
      if (first !== undefined && options.linkRepeatedLayers) {
        items.push({ name: `${id}/VERSION`, data: Buffer.from('1.0') }, { name: layerPath, symlink: `../${first}` });
      } else if (!items.some((i) => i.name === layerPath)) {
        items.push({ name: `${id}/VERSION`, data: Buffer.from('1.0') }, { name: `${id}/json`, data: Buffer.from(JSON.stringify({ id })) }, { name: layerPath, data: layer });
        written.set(sha256(layer), layerPath);
      }
      layerPaths.push(layerPath);
      parent = id;
    }
    const configName = `${hex(sha256(image.config))}.json`;
    if (!items.some((i) => i.name === configName)) items.push({ name: configName, data: image.config });
    manifest.push({ Config: configName, RepoTags: repoTags, Layers: layerPaths });
    for (const t of repoTags) {
      const [repo, tag] = [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)];
      repositories[repo] = { ...repositories[repo], [tag]: parent };
    }
  }
  items.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }, { name: 'repositories', data: Buffer.from(JSON.stringify(repositories)) });
  return items;
}

/** `docker save` output of docker before 25. */
export async function writeDockerSaveLegacy(file: string, images: SavedImage[], options: { gzip?: boolean; linkRepeatedLayers?: boolean } = {}): Promise<void> {
  const bytes = tar(dockerSaveLegacyItems(images, options));
  await writeFile(file, options.gzip ? gzipSync(bytes) : bytes);
}

/** Docker's full name for a RepoTag: `app:1.0` -> `docker.io/library/app:1.0`. */
export function dockerFullName(repoTag: string): string {
  const name = repoTag.includes('/') ? repoTag : `library/${repoTag}`;
  const first = name.split('/')[0]!;
  return /[.:]|^localhost$/.test(first) ? name : `docker.io/${name}`;
}

/** `docker save` output of docker 25+: manifest.json pointing into an OCI layout of the same tar. */
export async function writeDockerSave25(file: string, images: SavedImage[]): Promise<void> {
  const entries: LayoutEntry[] = images.flatMap(({ image, repoTags }) =>
    repoTags.length === 0
      ? [{ item: image }]
      : repoTags.map((t) => ({ item: image, ref: t.slice(t.lastIndexOf(':') + 1), annotations: { 'io.containerd.image.name': dockerFullName(t) } })),
  );
  const manifest = images.map(({ image, repoTags }) => ({
    Config: `blobs/sha256/${hex(sha256(image.config))}`,
    RepoTags: repoTags,
    Layers: image.layers.map((l) => `blobs/sha256/${hex(sha256(l))}`),
  }));
  const items = [...layoutItems(entries), { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }];
  await writeFile(file, tar(items));
}
