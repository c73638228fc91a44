// Printing results: JSON for scripts (`--json`), text for people. Errors are one line on stderr.
import type { GlobalOptions } from './globals.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** Prints `data` as JSON with --json, otherwise the text `render` returns (a trailing newline is added). */
export function emit(io: Io, g: GlobalOptions, data: unknown, render: () => string): void {
  if (g.json) io.stdout(JSON.stringify(data, null, 2) + '\n');
  else {
    const text = render();
    if (text) io.stdout(text.endsWith('\n') ? text : text + '\n');
  }
}

/** Left-aligned columns separated by three spaces (the layout `docker` and `notary` use). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
