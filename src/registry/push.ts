// Pushes a local image (src/registry/local/image.ts) to a registry as docker push does: every blob
// is asked for first (HEAD) and skipped when present, mounted from another repository of the same
// registry when this machine knows one that has it (mount-sources.ts, plus `mountFrom`), otherwise
// streamed (blob-upload.ts: chunked, resumed, retried), a few at a time. Then the index's
// manifests by digest, the root manifest by tag last, and the digest and size the registry
// reports for the tag must be the local ones. Nothing about signing happens here.
import { defaultCacheDir } from '../config/paths.js';
import type { RegistryClient } from './client.js';
import { RegistryError, RegistryRequestError } from './errors.js';
import type { LocalBlob, LocalImage, LocalManifest } from './local/image.js';
import { MountSources } from './mount-sources.js';
import type { BlobPushState, PushProgressEvent, PushResult } from './push-types.js';
import type { TaggedReference } from './reference.js';

export const DEFAULT_PUSH_CONCURRENCY = 3;
/** Mount sources tried per blob before uploading it (each refused mount costs a request). */
export const MAX_MOUNT_ATTEMPTS = 3;

export interface PushOptions {
  onProgress?(event: PushProgressEvent): void;
  /** Blobs larger than this are sent in PATCH chunks of this size (default 16 MiB). */
  chunkBytes?: number;
  /** Blobs in flight at once (default 3, as docker's max-concurrent-uploads). */
  concurrency?: number;
  /** Repositories of the same registry to try mounting blobs from, before the remembered ones. */
  mountFrom?: string[];
  /** Where the record of pushed blobs lives (default trust-tui's cache directory). */
  cacheDir?: string;
  /** Cancels the push: blobs in flight are dropped and no manifest is pushed after it fired. */
  signal?: AbortSignal;
}

/** The push did not end with the registry holding exactly the local image. */
export class PushError extends RegistryError {
  override name = 'PushError';
}

export async function pushImage(
  client: RegistryClient,
  reference: TaggedReference,
  image: LocalImage,
  options: PushOptions = {},
): Promise<PushResult> {
  const emit = options.onProgress ?? (() => {});
  const sources = await MountSources.open(options.cacheDir ?? defaultCacheDir(), reference.registryHost);
  const blobs = { uploaded: 0, existing: 0, mounted: 0, bytesSent: 0 };
  const abort = new AbortController();
  const cancelled = options.signal;
  const onCancel = () => abort.abort(cancelled?.reason);
  cancelled?.addEventListener('abort', onCancel, { once: true });

  const pushOne = async (blob: LocalBlob): Promise<void> => {
    const signal = abort.signal;
    signal.throwIfAborted();
    const event = (state: BlobPushState, sent: number, from?: string) =>
      emit({ kind: 'blob', digest: blob.digest, size: blob.size, state, sent, ...(from ? { from } : {}) });
    event('checking', 0);
    if (await client.blobExists(reference, blob.digest, signal)) {
      blobs.existing++;
      sources.remember(blob.digest, reference.path);
      event('exists', blob.size);
      return;
    }
    const mounted = await tryMounts(client, reference, blob, mountCandidates(reference, blob, sources, options.mountFrom), signal);
    if (mounted.from) {
      blobs.mounted++;
      sources.remember(blob.digest, reference.path);
      event('mounted', blob.size, mounted.from);
      return;
    }
    event('uploading', 0);
    await client.pushBlob(reference, blob, {
      ...(options.chunkBytes ? { chunkBytes: options.chunkBytes } : {}),
      ...(mounted.location ? { location: mounted.location } : {}),
      onProgress: (sent) => event('uploading', sent),
      onRetry: () => event('retrying', 0),
      signal,
    });
    blobs.uploaded++;
    blobs.bytesSent += blob.size;
    sources.remember(blob.digest, reference.path);
    event('pushed', blob.size);
  };

  try {
    await inPool(image.blobs, Math.max(1, options.concurrency ?? DEFAULT_PUSH_CONCURRENCY), pushOne, abort);
  } finally {
    cancelled?.removeEventListener('abort', onCancel);
    await sources.save();
  }

  for (const child of image.children) {
    cancelled?.throwIfAborted();
    const stored = await client.pushManifest(reference, child.digest, child.bytes, child.mediaType);
    if (stored.digest !== child.digest) throw mismatch(reference, image, child, stored.digest, child.digest);
    emit({ kind: 'manifest', digest: child.digest, size: child.size, mediaType: child.mediaType, target: child.digest });
  }
  const root = image.root;
  // The tag is the last thing pushed: a cancelled push leaves only blobs (and child manifests) behind.
  cancelled?.throwIfAborted();
  const stored = await client.pushManifest(reference, reference.tag, root.bytes, root.mediaType);
  if (stored.digest !== root.digest) throw mismatch(reference, image, root, stored.digest, reference.tag);
  // What gets signed is what the registry now serves for the tag: read it back.
  const served = await client.describePushed(reference, reference.tag);
  if (served.digest !== root.digest || served.size !== root.size) {
    throw new PushError(
      `registry ${reference.registryHost} serves ${reference.gun}:${reference.tag} as ${served.digest} (${served.size} bytes), not the pushed ${root.digest} (${root.size} bytes) from ${image.source}`,
      { hint: 'another push to the same tag may have run meanwhile; push again' },
    );
  }
  emit({ kind: 'manifest', digest: root.digest, size: root.size, mediaType: root.mediaType, target: reference.tag });
  return { digest: served.digest, size: served.size, mediaType: root.mediaType, blobs, manifests: image.children.length + 1 };
}

function mismatch(reference: TaggedReference, image: LocalImage, manifest: LocalManifest, reported: string, target: string): PushError {
  return new PushError(
    `registry ${reference.registryHost} stored the manifest for ${reference.gun}:${target} as ${reported}, not ${manifest.digest} as computed from ${image.source}`,
    { hint: 'the registry rewrote the manifest; nothing was signed' },
  );
}

function mountCandidates(reference: TaggedReference, blob: LocalBlob, sources: MountSources, mountFrom: string[] = []): string[] {
  const all = [...mountFrom, ...sources.sources(blob.digest)].filter((repository) => repository !== reference.path);
  return [...new Set(all)].slice(0, MAX_MOUNT_ATTEMPTS);
}

/**
 * Tries each candidate in turn. A refused mount (202) opens an upload session: it is dropped when
 * another candidate follows, else kept for the upload.
 */
async function tryMounts(
  client: RegistryClient,
  reference: TaggedReference,
  blob: LocalBlob,
  candidates: string[],
  signal: AbortSignal,
): Promise<{ from?: string; location?: string }> {
  for (const [i, from] of candidates.entries()) {
    let answer: Awaited<ReturnType<RegistryClient['mountBlob']>>;
    try {
      answer = await client.mountBlob(reference, blob.digest, from, signal);
    } catch (e) {
      // A source we may not read (401/403) or that the registry does not know: try the next, then upload.
      if (e instanceof RegistryRequestError && e.status !== undefined && e.status < 500) continue;
      throw e;
    }
    if (answer.mounted) return { from };
    if (i < candidates.length - 1) await client.cancelUpload(reference, answer.location);
    else return { location: answer.location };
  }
  return {};
}

/**
 * Runs `work` on every item, at most `limit` at once. The first failure aborts the others (their
 * requests end and their upload sessions are cancelled) and is what this rejects with.
 */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, abort: AbortController): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (e) {
        if (!failure) {
          failure = { error: e };
          abort.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
