/**
 * A confirmation whose input ends (</dev/null, a closed pipe) is an error, exit 1, with one line that
 * says nothing was changed and to pass -y; a typed refusal stays a cancellation, exit 3.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hermeticEnv } from '../helpers/proc.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

const REPO = 'registry.example.com/team/app';

describe('end of input at a confirmation', () => {
  it('exits 1 naming -y; a typed "n" or an empty line exits 3', async () => {
    const tt = trustTui();
    const ended = await tt(['revoke', REPO, '--local-only'], { input: '' });
    expect(ended.code, ended.stderr).toBe(1);
    const lines = ended.stderr.trim().split('\n');
    expect(lines[0]).toBe(`Delete the local trust data of ${REPO}? Type y to confirm [y/N] `);
    expect(lines.slice(1)).toEqual(['trust-tui: no answer because standard input ended: nothing was changed — pass -y (--yes) to confirm without a prompt']);
    for (const input of ['n\n', '\n']) {
      const refused = await tt(['revoke', REPO, '--local-only'], { input });
      expect(refused.code, refused.stderr).toBe(3);
      expect(refused.stderr).toContain(`revoke of ${REPO} cancelled: nothing was changed`);
    }
  });

  it('Ctrl-C at the question on a terminal is a refusal: exit 3, nothing changed', async () => {
    const tt = trustTui();
    const r = await typeWhenAsked(tt, ['revoke', REPO, '--local-only'], 'Type y to confirm [y/N] ', '\u0003');
    expect(r.code, r.shown).toBe(3);
    expect(r.shown).toContain(`trust-tui: revoke of ${REPO} cancelled: nothing was changed`);
  });
});

/** Runs the CLI on a pseudo-terminal (script(1)) and types `keys` once `prompt` shows. */
function typeWhenAsked(tt: TrustTuiRunner, args: string[], prompt: string, keys: string): Promise<{ code: number | null; shown: string }> {
  const argv = [process.execPath, CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, ...args];
  // exec: the terminal's Ctrl-C reaches the shell script(1) starts too, and dash (SHELL unset) then
  // kills itself with SIGINT after the CLI exits, reporting 130 whatever the CLI chose.
  const child = spawn('script', ['-qec', `exec ${argv.map((a) => `'${a}'`).join(' ')}`, '/dev/null'], { cwd: tt.workDir, env: hermeticEnv({ TERM: 'dumb' }) });
  let shown = '';
  let typed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    if (!typed && shown.includes(prompt)) {
      typed = true;
      child.stdin.write(keys);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, shown: shown.replace(/\r\n/g, '\n') });
    });
  });
}
