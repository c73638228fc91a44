/**
 * A reader that stops early (`trust-tui … | head -1`) closes the pipe: the command ends quietly, as
 * Unix tools do, instead of crashing with an unhandled EPIPE and a stack trace.
 */
import { spawnSync } from 'node:child_process';
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
});
