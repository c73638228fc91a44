// What a push reports while it runs and when it is done (src/registry/push.ts does the pushing).

export type BlobPushState = 'checking' | 'exists' | 'mounted' | 'uploading' | 'retrying' | 'pushed';

export type PushProgressEvent =
  | {
      kind: 'blob';
      digest: string;
      size: number;
      state: BlobPushState;
      /** Bytes of this blob the registry has acknowledged. */
      sent: number;
      /** state 'mounted': the repository it was mounted from. */
      from?: string;
    }
  | { kind: 'manifest'; digest: string; size: number; mediaType: string; /** Tag or digest it was stored under. */ target: string };

export interface PushResult {
  /** The root manifest's digest and size as the registry stored them (checked against the local ones). */
  digest: string;
  size: number;
  mediaType: string;
  blobs: { uploaded: number; existing: number; mounted: number; bytesSent: number };
  manifests: number;
}
