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

// The warnings said while a command runs on an Io, in order: one run of a command has its own Io
// (see run in program.ts), so they are that command's.
const warningsSaid = new WeakMap<Io, string[]>();

/** A warning of the command running on `io`: said once on stderr, and carried in --json's `warnings`. */
export function warn(io: Io, message: string): void {
  const said = warningsSaid.get(io) ?? [];
  if (said.includes(message)) return;
  warningsSaid.set(io, [...said, message]);
  io.stderr(`WARNING: ${message}\n`);
}

/**
 * `data` with the warnings said so far added to its `warnings` (made when there are any). A list
 * (`key list`; `inspect` prints docker's) has no place for them: they stay on stderr alone.
 */
function withWarnings(io: Io, data: unknown): unknown {
  const said = warningsSaid.get(io) ?? [];
  if (said.length === 0 || typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const own = (data as { warnings?: unknown }).warnings;
  const before: unknown[] = Array.isArray(own) ? own : [];
  return { ...data, warnings: [...before, ...said.filter((w) => !before.includes(w))] };
}

/** Prints `data` as JSON with --json (with the command's warnings), otherwise the text `render` returns (a trailing newline is added). */
export function emit(io: Io, g: GlobalOptions, data: unknown, render: () => string): void {
  if (g.json) io.stdout(JSON.stringify(withWarnings(io, data), null, 2) + '\n');
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
