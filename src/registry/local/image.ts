// An image that exists only on this machine — an OCI image layout, an OCI or `docker save` archive,
// or the docker daemon's image store — seen the way a registry push needs it: the manifests (bytes
// as they will be pushed, so their digests are what gets signed) and the blobs they refer to, each
// streamed from disk rather than read whole.
import type { Readable } from 'node:stream';
import { RegistryError } from '../errors.js';

/** How `--from` names a local image (the transports skopeo and containers/image use). */
export type LocalSourceKind = 'oci' | 'oci-archive' | 'docker-archive' | 'docker-daemon';

export interface LocalSourceSpec {
  kind: LocalSourceKind;
  /** A directory (oci), an archive file (oci-archive, docker-archive), or an image name (docker-daemon). */
  location: string;
  /** oci/oci-archive: the `org.opencontainers.image.ref.name` to pick; docker-archive: an image (`repo:tag`) when the archive holds several. */
  ref?: string;
  /** What the user typed, for messages: `oci:build/app:1.0`. */
  input: string;
}

/** A manifest or index, as it will be pushed. */
export interface LocalManifest {
  /** `sha256:<hex>` of `bytes`. */
  digest: string;
  size: number;
  mediaType: string;
  bytes: Uint8Array;
}

/** A config or layer blob, streamed from disk. */
export interface LocalBlob {
  digest: string;
  size: number;
  mediaType: string;
  /**
   * The blob's bytes from `offset` (default 0) to the end. Read from 0, the stream fails with a
   * LocalImageError naming the blob and where it came from when the bytes do not hash to `digest`
   * or are not `size` long, so a corrupt blob is never sent as if it were good.
   */
  open(offset?: number): Readable;
}

export interface LocalImage {
  /** The `--from` input, for messages. */
  source: string;
  /** The manifest to tag and sign: an image manifest, or an index for a multi-platform image. */
  root: LocalManifest;
  /** Manifests below the root (an index's entries), ordered so each comes after what it refers to; pushed by digest before the root. */
  children: LocalManifest[];
  /** Every blob the manifests refer to (configs and layers), each once. Sizes were checked when opened. */
  blobs: LocalBlob[];
  /** Removes what opening made (a daemon export, a decompressed archive). Safe to call twice. */
  close(): Promise<void>;
}

/** A local image that cannot be used: the message names what and where (one line); the hint what to do. */
export class LocalImageError extends RegistryError {
  override name = 'LocalImageError';
}
