// A push as the sign dialog shows it: per blob, bytes acknowledged of its size and what happened to
// it; folded from the push's progress events (src/registry/push-types.ts) and handed to the screen
// as a snapshot at a bounded rate (the store throttles).
import type { BlobPushState, PushProgressEvent } from '../../registry/push-types.js';

export interface BlobView {
  digest: string;
  size: number;
  sent: number;
  state: BlobPushState;
}

export interface PushView {
  /** In the order the push first reported them. */
  blobs: BlobView[];
  /** Manifests stored so far; the last one stored is the root: then only signing is left. */
  manifests: number;
}

export const emptyPushView = (): PushView => ({ blobs: [], manifests: 0 });

/** Blobs the registry has now (sent whole, already there, or mounted). */
export const isBlobDone = (b: BlobView): boolean => b.state === 'pushed' || b.state === 'exists' || b.state === 'mounted';

/** `view` with `event` applied (a new object; `view` is not changed). */
export function foldPushEvent(view: PushView, event: PushProgressEvent): PushView {
  if (event.kind === 'manifest') return { ...view, manifests: view.manifests + 1 };
  const blob: BlobView = { digest: event.digest, size: event.size, sent: event.sent, state: event.state };
  const at = view.blobs.findIndex((b) => b.digest === event.digest);
  return { ...view, blobs: at === -1 ? [...view.blobs, blob] : view.blobs.map((b, i) => (i === at ? blob : b)) };
}

/** Totals for the headline: blobs done of known, bytes sent of all bytes. */
export function pushTotals(view: PushView): { done: number; count: number; sent: number; bytes: number } {
  return {
    done: view.blobs.filter(isBlobDone).length,
    count: view.blobs.length,
    sent: view.blobs.reduce((sum, b) => sum + (b.state === 'exists' || b.state === 'mounted' ? 0 : b.sent), 0),
    bytes: view.blobs.reduce((sum, b) => sum + (b.state === 'exists' || b.state === 'mounted' ? 0 : b.size), 0),
  };
}
