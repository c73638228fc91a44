/** The push progress renderer, on a fake terminal and on a pipe. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPushProgress, formatSize } from '../../src/cli/push-progress.js';
import type { BlobPushState, PushProgressEvent } from '../../src/registry/push-types.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

/** What a terminal shows after the writes: cursor-up and erase-line applied to a list of lines. */
function screen(writes: string[]): string[] {
  const rows: string[] = [];
  let row = 0;
  for (const text of writes) {
    for (const token of text.split(/(\x1b\[\d*A|\x1b\[2K|\r|\n)/).filter(Boolean)) {
      const up = /^\x1b\[(\d*)A$/.exec(token);
      if (up) row -= Number(up[1] || 1);
      else if (token === '\x1b[2K') rows[row] = '';
      else if (token === '\n') row++;
      else if (token !== '\r') rows[row] = (rows[row] ?? '') + token;
    }
  }
  return rows;
}

const blob = (digest: string, state: BlobPushState, sent: number, from?: string): PushProgressEvent => ({
  kind: 'blob', digest, size: 200_000_000, state, sent, ...(from ? { from } : {}),
});

describe('createPushProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows one line per blob, updated in place, like docker push', () => {
    const stream = fakeStream(true);
    const progress = createPushProgress(stream);
    progress.onProgress(blob(A, 'uploading', 12_300_000));
    progress.onProgress(blob(B, 'exists', 200_000_000));
    progress.onProgress(blob(C, 'mounted', 200_000_000, 'team/base'));
    vi.advanceTimersByTime(200);
    expect(screen(stream.writes)).toEqual(['aaaaaaaaaaaa: Pushing  12.3 MB / 200.0 MB', 'bbbbbbbbbbbb: Layer already exists', 'cccccccccccc: Mounted from team/base']);
    progress.onProgress(blob(A, 'pushed', 200_000_000));
    progress.finish();
    expect(screen(stream.writes)).toEqual(['aaaaaaaaaaaa: Pushed', 'bbbbbbbbbbbb: Layer already exists', 'cccccccccccc: Mounted from team/base']);
  });

  it('redraws at most about 10 times a second however many events arrive', () => {
    const stream = fakeStream(true);
    const progress = createPushProgress(stream);
    for (let i = 0; i < 1000; i++) {
      progress.onProgress(blob(A, 'uploading', i * 200_000));
      vi.advanceTimersByTime(1); // 1000 events in one second
    }
    progress.finish();
    expect(stream.writes.length).toBeGreaterThanOrEqual(9);
    expect(stream.writes.length).toBeLessThanOrEqual(12);
    expect(screen(stream.writes)).toEqual(['aaaaaaaaaaaa: Pushing  199.8 MB / 200.0 MB']);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const stream = fakeStream(false);
    const progress = createPushProgress(stream);
    progress.onProgress(blob(A, 'uploading', 1));
    vi.advanceTimersByTime(500);
    progress.finish();
    expect(stream.writes).toEqual([]);
  });

  it('formats sizes in decimal units', () => {
    expect([formatSize(999), formatSize(12_345), formatSize(200_000_000), formatSize(2_500_000_000)]).toEqual(['999 B', '12.3 kB', '200.0 MB', '2.5 GB']);
  });
});
