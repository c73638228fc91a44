/**
 * A reader that stops early (`trust-tui … | head -1`) closes the pipe: the command ends quietly, as
 * Unix tools do, instead of crashing with an unhandled EPIPE and a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(resolve(import.meta.dirname, '../..'), 'dist', 'cli.js');

describe('a closed output pipe', () => {
  it('ends the command without an error when the reader stops after one line', () => {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `node ${cli} --help | head -1`], { encoding: 'utf8' });
    expect(r.stdout).toBe('Usage: trust-tui [options] [command]\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each([['--version'], ['--help'], ['key', 'list']].map((args) => [args.join(' '), args] as const))('an output that cannot be written (a full disk) ends `%s` with one line naming the cause, exit 1', (_name, args) => {
    const dir = mkdtempSync(join(tmpdir(), 'trust-tui-full-'));
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync('node', [cli, '--trust-dir', dir, '--config-dir', dir, ...args], { encoding: 'utf8', stdio: ['ignore', full, 'pipe'], env: { ...process.env, XDG_CACHE_HOME: dir } });
      expect(r.stderr).toBe('trust-tui: cannot write to standard output (ENOSPC: no space left on device, write); check the file or device it goes to\n');
      expect(r.status).toBe(1);
    } finally {
      closeSync(full);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
