// What `docker push` shows while it pushes, for the command line without Ink: one line per blob
// (`3f4e5d6c7b8a: Pushing  12.3 MB / 200.0 MB`, `Layer already exists`, `Mounted from team/base`),
// rewritten in place on a terminal at most 10 times a second. When stderr is not a terminal
// nothing is written during the push (a script gets the caller's one summary line).
import type { PushProgressEvent } from '../registry/push-types.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface PushProgress {
  onProgress(event: PushProgressEvent): void;
  /** Draws the final state (on a terminal) and stops redrawing. */
  finish(): void;
}

export const REDRAW_INTERVAL_MS = 100;

export function createPushProgress(stream: ProgressStream): PushProgress {
  if (!stream.isTTY) return { onProgress() {}, finish() {} };
  const lines = new Map<string, string>();
  let drawnLines = 0;
  let lastDraw = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;

  const draw = () => {
    timer = undefined;
    lastDraw = Date.now();
    // Back to the first line drawn, then every line again (erased first: a line may get shorter).
    let text = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    for (const line of lines.values()) text += `\r\x1b[2K${line}\n`;
    drawnLines = lines.size;
    stream.write(text);
  };

  return {
    onProgress(event) {
      if (finished || event.kind !== 'blob') return;
      lines.set(event.digest, `${shortDigest(event.digest)}: ${describe(event)}`);
      if (timer) return;
      const wait = REDRAW_INTERVAL_MS - (Date.now() - lastDraw);
      if (wait <= 0) draw();
      else timer = setTimeout(draw, wait);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      if (lines.size > 0) draw();
    },
  };
}

function describe(event: PushProgressEvent & { kind: 'blob' }): string {
  switch (event.state) {
    case 'checking':
      return 'Preparing';
    case 'exists':
      return 'Layer already exists';
    case 'mounted':
      return event.from ? `Mounted from ${event.from}` : 'Mounted';
    case 'uploading':
      return `Pushing  ${formatSize(event.sent)} / ${formatSize(event.size)}`;
    case 'retrying':
      return 'Retrying';
    case 'pushed':
      return 'Pushed';
  }
}

/** `sha256:3f4e5d6c7b8a…` -> `3f4e5d6c7b8a`, as docker shows layers. */
function shortDigest(digest: string): string {
  return (digest.split(':')[1] ?? digest).slice(0, 12);
}

/** Decimal units with one decimal, as docker's progress (go-units HumanSize). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
