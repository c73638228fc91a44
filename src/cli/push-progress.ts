// Placeholder for issue 12's terminal push progress (engineer B's module replaces this file at merge).
import type { PushProgressEvent } from '../registry/push-types.js';

export interface PushProgress {
  onProgress(event: PushProgressEvent): void;
  /** Leaves the last frame on the terminal. */
  done(): void;
}

export function createPushProgress(_stream: NodeJS.WriteStream): PushProgress {
  throw new Error('not implemented');
}
