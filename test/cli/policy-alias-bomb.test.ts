/**
 * A policy file whose YAML aliases would multiply without end (the "billion laughs" file) is refused
 * at once by every command that reads a policy, in one line of trust-tui's own: the file, the cause
 * and what to do, never the YAML parser's words.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BILLION_LAUGHS } from '../helpers/alias-bomb.js';
import { trustTui } from '../helpers/trust-tui.js';

describe('a policy file that is an alias bomb', () => {
  const tt = trustTui();
  const file = path.join(tt.workDir, 'laughs.yaml');
  writeFileSync(file, BILLION_LAUGHS);
  const server = ['--server', 'https://127.0.0.1:9'];

  it.each([
    ['policy plan', ['policy', 'plan', '-f', file, ...server]],
    ['policy check', ['policy', 'check', '-f', file, 'registry.example.com/team/app:v1', ...server]],
    ['policy apply', ['policy', 'apply', '-f', file, '-y', ...server]],
    ['verify --policy', ['verify', '--policy', file, 'registry.example.com/team/app:v1', ...server]],
  ])('%s: one line naming the file, too many aliases and what to do, exit 1', async (_command, args) => {
    const r = await tt(args, { timeoutMs: 15_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(new RegExp(`^trust-tui: ${file}: too many aliases: .* — write the repeated parts out`)), '']);
    expect(r.stderr).not.toMatch(/resource exhaustion|Excessive/);
  });
});
