// `docker save` archives. Two forms:
// - docker 25 and later also write an OCI layout into the tar (`oci-layout`, `index.json`,
//   `blobs/sha256/…`): the image's own manifest is used, so its original digest is kept;
// - older ones have only `manifest.json` (Config + Layers paths) and `repositories`: an OCI image
//   manifest is built from the config file and the uncompressed layer tars (moby
//   image/tarexport/save.go writes these; docs/local-images.md says why OCI and why the digest is stable).
import { parseReference } from '../reference.js';
import { sha256Digest, type BlobFile } from './blob.js';
import type { OpenedArchive } from './archive.js';
import { LocalImageError, type LocalManifest } from './image.js';
import { MANIFEST_SIZE_CAP, MEDIA_TYPES, readJson, readLayoutIndex, readManifestTree, REF_NAME, type Descriptor, type ManifestTree } from './oci-layout.js';

/** Image configs carry the build history; generous, yet bounded. */
const CONFIG_SIZE_CAP = 16 << 20;
const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';

interface SavedImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** `app:1.0` -> `docker.io/library/app:1.0`; a name without tag means `:latest`, as for docker. */
function normalizedName(name: string): string | undefined {
  try {
    const r = parseReference(name);
    return `${r.gun}:${r.tag ?? 'latest'}`;
  } catch {
    return undefined;
  }
}

function isSavedImage(x: unknown): x is SavedImage {
  const o = x as SavedImage;
  return typeof o === 'object' && o !== null && typeof o.Config === 'string' && Array.isArray(o.Layers) && o.Layers.every((l) => typeof l === 'string');
}

function label(image: SavedImage): string {
  return image.RepoTags?.length ? image.RepoTags.join(' ') : `untagged ${image.Config}`;
}

function pickImage(images: SavedImage[], ref: string | undefined, origin: string): { image: SavedImage; name?: string } {
  if (ref === undefined) {
    if (images.length === 1) return { image: images[0]!, name: images[0]!.RepoTags?.[0] };
    throw new LocalImageError(`${origin} holds ${images.length} images (${images.map(label).join(', ')}); say which one`, {
      hint: `add the image after a colon: ${origin}:REPO:TAG`,
    });
  }
  const wanted = normalizedName(ref);
  const image = images.find((i) => i.RepoTags?.some((t) => normalizedName(t) === wanted));
  if (image === undefined) {
    throw new LocalImageError(`${origin}: no image ${ref} in the archive (it has: ${images.map(label).join(', ') || 'nothing'})`, {
      hint: 'use one of the names listed after the last colon',
    });
  }
  return { image, name: ref };
}

/** docker 25+: the index.json entry of the picked image, by its name or else by its config digest. */
async function findLayoutEntry(archive: OpenedArchive, image: SavedImage, name: string | undefined, origin: string): Promise<Descriptor | undefined> {
  const entries = await readLayoutIndex(archive.files, origin);
  const wanted = name === undefined ? undefined : normalizedName(name);
  if (wanted !== undefined) {
    const named = entries.find((e) => {
      const full = e.annotations?.[IMAGE_NAME_ANNOTATION];
      return full !== undefined && normalizedName(full) === wanted;
    });
    if (named) return named;
  }
  const configDigest = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(image.Config)?.[1];
  if (configDigest === undefined) return undefined;
  for (const entry of entries) {
    if (entry.mediaType !== MEDIA_TYPES.ociManifest && entry.mediaType !== MEDIA_TYPES.dockerManifest) continue;
    const file = `blobs/${entry.digest.replace(':', '/')}`;
    if ((await archive.files.size(file)) === undefined) continue;
    const manifest = (await readJson(archive.files, file, MANIFEST_SIZE_CAP, origin)) as { config?: { digest?: string } };
    if (manifest?.config?.digest === `sha256:${configDigest}`) return entry;
  }
  // Untagged images may still carry a ref name only.
  return entries.length === 1 && entries[0]!.annotations?.[REF_NAME] === undefined ? entries[0] : undefined;
}

/** The legacy form: an OCI manifest over the config file and the layer tars, byte-for-byte the same on every run. */
async function buildManifest(archive: OpenedArchive, image: SavedImage, origin: string): Promise<ManifestTree> {
  const { files } = archive;
  if ((await files.size(image.Config)) === undefined) throw new LocalImageError(`${origin}: the config ${image.Config} named in manifest.json is not in the archive`);
  const configBytes = await files.read(image.Config, CONFIG_SIZE_CAP);
  let diffIds: unknown;
  try {
    diffIds = JSON.parse(configBytes.toString('utf8'))?.rootfs?.diff_ids;
  } catch (e) {
    throw new LocalImageError(`${origin}: the config ${files.describe(image.Config)} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(diffIds) || diffIds.length !== image.Layers.length || !diffIds.every((d) => typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d))) {
    throw new LocalImageError(
      `${origin}: the config of ${label(image)} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} layer digests (rootfs.diff_ids) for ${image.Layers.length} layers in manifest.json`,
    );
  }
  const config: BlobFile = { digest: sha256Digest(configBytes), size: configBytes.length, mediaType: MEDIA_TYPES.ociConfig, name: image.Config };
  const layers: BlobFile[] = [];
  for (const [i, layerPath] of image.Layers.entries()) {
    const size = await files.size(layerPath);
    if (size === undefined) throw new LocalImageError(`${origin}: layer ${layerPath} named in manifest.json is not in the archive`);
    // Docker saves layers uncompressed, so the layer's digest is its diff_id; the bytes are
    // hashed against it as they are streamed (LocalBlob.open), not read twice here.
    layers.push({ digest: diffIds[i] as string, size, mediaType: MEDIA_TYPES.ociLayer, name: layerPath });
  }
  const descriptor = (b: BlobFile) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: descriptor(config), layers: layers.map(descriptor) }),
  );
  const root: LocalManifest = { digest: sha256Digest(bytes), size: bytes.length, mediaType: MEDIA_TYPES.ociManifest, bytes };
  const blobs = new Map([config, ...layers].map((b) => [b.digest, b]));
  return { root, children: [], blobs: [...blobs.values()] };
}

export async function readDockerArchive(archive: OpenedArchive, ref: string | undefined, origin: string): Promise<ManifestTree> {
  if (!archive.has('manifest.json')) {
    throw new LocalImageError(`${origin} is not a docker save archive: it has no manifest.json`, {
      hint: archive.has('oci-layout') ? `it is an OCI archive: use oci-archive:${origin.replace(/^docker-archive:/, '')}` : 'write one with `docker save IMAGE -o FILE.tar`',
    });
  }
  const images = await readJson(archive.files, 'manifest.json', MANIFEST_SIZE_CAP, origin);
  if (!Array.isArray(images) || !images.every(isSavedImage)) throw new LocalImageError(`${origin}: manifest.json is not a list of images with Config and Layers`);
  const { image, name } = pickImage(images, ref, origin);
  if (archive.has('oci-layout') && archive.has('index.json')) {
    const entry = await findLayoutEntry(archive, image, name, origin);
    if (entry !== undefined) return readManifestTree(archive.files, entry, origin);
  }
  return buildManifest(archive, image, origin);
}
