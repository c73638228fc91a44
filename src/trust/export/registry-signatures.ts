// Signatures stored in a registry next to an image: reading the `.sig` image and the referrers of a
// manifest, and adding one signature by read-modify-write that keeps every foreign layer, referrer
// and index entry. Registries without the referrers API (distribution 2.8) get the referrers tag
// schema's `sha256-<hex>` index, maintained here as go-containerregistry's fallback does. After
// each write the result is read back; a lost update (another writer in between) is retried.
import { RegistryClient, referrersFallbackTag, type ReferrerDescriptor } from '../../registry/client.js';
import { RegistryRequestError } from '../../registry/errors.js';
import type { ImageReference } from '../../registry/reference.js';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  describe,
  JWS_ENVELOPE,
  NOTATION_ARTIFACT,
  OCI_EMPTY_BYTES,
  OCI_INDEX,
  OCI_MANIFEST,
  referrersIndexWith,
  signatureImageWith,
  signatureTag,
  type Descriptor,
} from './formats.js';

export const WRITE_ATTEMPTS = 3;
/** The settle time before the final check: at least this, and several of our longest write windows. */
const MIN_SETTLE_MS = 1000;
const SETTLE_WINDOWS = 4;
/** Two writers started together must not check (and rewrite) in lockstep. */
const SETTLE_JITTER_MS = 300;
const SERVER_ERROR_ATTEMPTS = 3;
/** cosign refuses `.sig` images with more layers (pkg/oci/internal/signature/layer.go). */
export const MAX_SIGNATURE_LAYERS = 1000;

export type ReferrerKind = 'bundle' | 'notation';

/** One signature found in the registry, with its bytes (payload, bundle or envelope). */
export interface StoredSignature {
  layer: Descriptor;
  bytes: Uint8Array;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function layersOf(manifest: Record<string, unknown> | undefined): Descriptor[] {
  const layers = manifest?.layers;
  return Array.isArray(layers) ? layers.filter((l): l is Descriptor => isObject(l) && typeof l.digest === 'string') : [];
}

const isBundleType = (mediaType: unknown) => typeof mediaType === 'string' && mediaType.startsWith('application/vnd.dev.sigstore.bundle');

function isArtifactOf(kind: ReferrerKind, artifactType: string): boolean {
  return kind === 'bundle' ? isBundleType(artifactType) : artifactType === NOTATION_ARTIFACT;
}

/** Does a referrer manifest hold a signature of this kind (by cosign's and notation's reading rules)? */
function kindOf(manifest: Record<string, unknown>): ReferrerKind | undefined {
  const layers = layersOf(manifest);
  if (layers.length !== 1) return undefined;
  const layerType = layers[0]!.mediaType;
  // cosign GetBundles: a single layer of a Sigstore bundle type, whatever the artifact type says.
  if (isBundleType(layerType)) return 'bundle';
  // notation-go: artifactType, or (older form) the config media type, names a Notary signature.
  const artifactType = manifest.artifactType ?? (isObject(manifest.config) ? manifest.config.mediaType : undefined);
  if (artifactType === NOTATION_ARTIFACT && layerType === JWS_ENVELOPE) return 'notation';
  return undefined;
}

/** The signatures next to one repository's manifests. Reads are cached per digest until a write. */
export class RegistrySignatures {
  readonly #cache = new Map<string, Promise<unknown>>();

  constructor(
    readonly client: RegistryClient,
    readonly reference: ImageReference,
  ) {}

  #cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    let hit = this.#cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = read();
      this.#cache.set(key, hit);
      hit.catch(() => this.#cache.delete(key));
    }
    return hit;
  }

  #forget(digest: string): void {
    for (const key of [...this.#cache.keys()]) if (key.endsWith(digest)) this.#cache.delete(key);
  }

  /** Every layer of the `.sig` image of `digest` with its payload (none when there is no such image). */
  signatureLayers(digest: string): Promise<StoredSignature[]> {
    return this.#cached(`sig ${digest}`, async () => {
      const image = await this.#retrying(() => this.client.fetchManifest(this.reference, signatureTag(digest)));
      const layers = layersOf(image ? parseObject(image.bytes) : undefined);
      return Promise.all(layers.map(async (layer) => ({ layer, bytes: await this.#retrying(() => this.client.fetchBlob(this.reference, layer.digest)) })));
    });
  }

  /** The signatures of one kind among the referrers of `digest`. */
  referrerSignatures(digest: string, kind: ReferrerKind): Promise<StoredSignature[]> {
    return this.#cached(`${kind} ${digest}`, async () => {
      const { manifests } = await this.#retrying(() => this.client.referrers(this.reference, digest));
      const found: StoredSignature[] = [];
      for (const entry of manifests) {
        // The index says the artifact type; an entry saying another one is not fetched.
        if (entry.artifactType && !isArtifactOf(kind, entry.artifactType)) continue;
        const manifest = await this.#retrying(() => this.client.fetchManifest(this.reference, entry.digest));
        const parsed = manifest ? parseObject(manifest.bytes) : undefined;
        if (!parsed || kindOf(parsed) !== kind) continue;
        const layer = layersOf(parsed)[0]!;
        found.push({ layer, bytes: await this.#retrying(() => this.client.fetchBlob(this.reference, layer.digest)) });
      }
      return found;
    });
  }

  /**
   * Adds one layer (signature) to the `.sig` image of `digest`, keeping every other layer. The image
   * is read back; when the layer is missing (another writer replaced the image meanwhile), again.
   * Blobs go up first, so the read-modify-write of the tag itself is as short as it can be.
   */
  async addSignatureLayer(digest: string, layer: Descriptor, payload: Uint8Array): Promise<void> {
    const tag = signatureTag(digest);
    await this.#retrying(() => this.client.uploadBlob(this.reference, payload));
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const started = Date.now();
      const current = await this.#retrying(() => this.client.fetchManifest(this.reference, tag));
      const parsed = current ? parseObject(current.bytes) : undefined;
      if (current && !parsed) throw new RegistryRequestError(`${this.reference.gun}:${tag} is not a manifest this tool can add a signature to`);
      if (layersOf(parsed).length >= MAX_SIGNATURE_LAYERS) {
        throw new RegistryRequestError(`${this.reference.gun}:${tag} already has ${MAX_SIGNATURE_LAYERS} signatures, the most cosign reads`);
      }
      const next = signatureImageWith(parsed, layer);
      await this.#retrying(() => this.client.uploadBlob(this.reference, next.config));
      await this.#retrying(() => this.client.putManifestAt(this.reference, tag, next.manifest, next.mediaType));
      this.#observeWindow(Date.now() - started);
      this.#forget(digest);
      const written = await this.#retrying(() => this.client.fetchManifest(this.reference, tag));
      const sig = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
      const present = layersOf(written ? parseObject(written.bytes) : undefined).some(
        (l) => l.digest === layer.digest && l.annotations?.[COSIGN_SIGNATURE_ANNOTATION] === sig,
      );
      if (present) return;
    }
    throw lostUpdate(this.reference, tag);
  }

  /**
   * Pushes a referrer manifest (by digest) with its one layer. Without the referrers API the
   * `sha256-<hex>` index gets an entry for it (foreign entries kept), and is read back.
   */
  async addReferrer(subject: Descriptor, manifest: Uint8Array, layerBytes: Uint8Array, artifactType: string, annotations: Record<string, string>): Promise<void> {
    await this.#retrying(() => this.client.uploadBlob(this.reference, OCI_EMPTY_BYTES));
    await this.#retrying(() => this.client.uploadBlob(this.reference, layerBytes));
    const pushed = describe(manifest, OCI_MANIFEST);
    await this.#retrying(() => this.client.putManifestAt(this.reference, pushed.digest, manifest, OCI_MANIFEST));
    this.#forget(subject.digest);
    const entry: ReferrerDescriptor = { ...pushed, artifactType, annotations };
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const started = Date.now();
      const listed = await this.#retrying(() => this.client.referrers(this.reference, subject.digest));
      if (listed.manifests.some((m) => m.digest === pushed.digest)) return;
      // A registry with the API lists what names the subject by itself.
      if (listed.api) return;
      const index = referrersIndexWith(listed.fallbackIndex ? parseObject(listed.fallbackIndex.bytes) : undefined, entry);
      await this.#retrying(() => this.client.putManifestAt(this.reference, referrersFallbackTag(subject.digest), index, OCI_INDEX));
      this.#observeWindow(Date.now() - started);
      this.#forget(subject.digest);
    }
    const last = await this.#retrying(() => this.client.referrers(this.reference, subject.digest));
    if (!last.manifests.some((m) => m.digest === pushed.digest)) throw lostUpdate(this.reference, referrersFallbackTag(subject.digest));
  }

  /**
   * One registry request, again on a 5xx: distribution 2.8 answers 500 ("invalid checksum digest
   * format") to a read of a tag whose link file another writer is rewriting, and now and then to
   * writers uploading the same blob at once. Every request here can be repeated as is (reads;
   * blobs and manifests by digest are content-addressed; a tag is re-read around its write).
   */
  async #retrying<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (e) {
        const status = e instanceof RegistryRequestError ? e.status : undefined;
        if (status === undefined || status < 500 || attempt >= SERVER_ERROR_ATTEMPTS) throw e;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 100)));
      }
    }
  }

  #longestWindowMs = 0;

  #observeWindow(ms: number): void {
    this.#longestWindowMs = Math.max(this.#longestWindowMs, ms);
  }

  /**
   * How long to wait before checking that what this run wrote is still there. Another writer that
   * read the `.sig` image or the fallback index before our write and wrote after it removed our
   * entry (registries such as distribution 2.8 ignore If-Match). Its read-modify-write window ends
   * within about one window of ours, so a read this much later sees any such overwrite.
   */
  settleTimeMs(): number {
    return Math.max(MIN_SETTLE_MS, SETTLE_WINDOWS * this.#longestWindowMs) + Math.floor(Math.random() * SETTLE_JITTER_MS);
  }

  /** Drops every cached read: the next reads see the registry as it is now. */
  forgetAll(): void {
    this.#cache.clear();
  }
}

function lostUpdate(reference: ImageReference, tag: string): RegistryRequestError {
  return new RegistryRequestError(`${reference.gun}:${tag} kept changing while the signature was added (another writer)`, undefined, {
    hint: 'run the export again: what is already there is kept',
  });
}
