/**
 * A command line that asks for nothing a command can do is a usage error a script can see (exit 2):
 * a group without its sub-command (`trust-tui key`, as `git remote foo`) prints the group's help on
 * stderr, and `help` with a topic that is no command says so in one line. Asking for help is not an
 * error (exit 0). The same from a command's own bundle (dist/commands/) and from the whole program
 * (dist/esm/program.js), which answers command lines naming no single command.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { RunCommandLine } from '../../src/cli/entry.js';
import { CLI, trustTui } from '../helpers/trust-tui.js';

/** Commands that hold sub-commands and do nothing themselves, e.g. `key`. */
const GROUPS = buildProgram({ stdout: () => undefined, stderr: () => undefined })
  .commands.filter((cmd) => cmd.commands.length > 0 && !(cmd as unknown as { _actionHandler: unknown })._actionHandler)
  .map((cmd) => cmd.name());

/** `run` of the whole program as built (dist/esm/program.js), with what it writes. */
async function fullProgram(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { run } = (await import(pathToFileURL(path.join(path.dirname(CLI), 'esm', 'program.js')).href)) as { run: (a: string[], io: unknown) => ReturnType<RunCommandLine> };
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (s: string) => (stdout += s), stderr: (s: string) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('a command line that names no command to run', () => {
  const tt = trustTui();

  it('lists every group of the program', () => {
    expect(GROUPS).toEqual(expect.arrayContaining(['key', 'signer', 'config', 'policy', 'request', 'role', 'sweep', 'export']));
  });

  it.each(GROUPS)('%s without a sub-command: its help on stderr, exit 2 (bundle and whole program)', async (group) => {
    const usage = new RegExp(`^Usage: trust-tui ${group} \\[options\\] \\[command\\]\\n[^]*\\nCommands:\\n`);
    for (const r of [await tt([group]), await fullProgram([group])]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(usage);
    }
  });

  it('help with an unknown topic: one line naming it and where the commands are listed, exit 2', async () => {
    const cases: [string[], string][] = [
      [['help', 'nosuch'], 'trust-tui --help'],
      [['--json', 'help', 'nosuch'], 'trust-tui --help'],
      [['key', 'help', 'nosuch'], 'trust-tui key --help'],
      [['help', 'key', 'nosuch'], 'trust-tui key --help'],
      [['help', 'key', 'nosuch', 'list'], 'trust-tui key --help'],
      [['help', 'key', 'generate', 'nosuch'], 'trust-tui key generate --help'],
    ];
    for (const [argv, listing] of cases) {
      for (const r of [await tt(argv), await fullProgram(argv)]) {
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.split('\n')).toEqual([expect.stringMatching(/^trust-tui: 'nosuch' is not a /), '']);
        expect(r.stderr).toContain(listing);
      }
    }
  });

  it('help with a sub-command: its own help, the same text as its --help', async () => {
    for (const path of [['key', 'generate'], ['signer', 'add'], ['export', 'status']]) {
      const own = await tt([...path, '--help']);
      expect(own.stdout).toMatch(new RegExp(`^Usage: trust-tui ${path.join(' ')} `));
      for (const r of [await tt(['help', ...path]), await fullProgram(['help', ...path])]) {
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, path.join(' ')).toEqual({ code: 0, stdout: own.stdout, stderr: '' });
      }
    }
  });

  it('asking for help is still no error', async () => {
    for (const argv of [['--help'], ['help'], ['help', 'key'], ['key', '--help'], ['key', 'help', 'generate'], ['help', 'help']]) {
      for (const r of [await tt(argv), await fullProgram(argv)]) {
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.stdout).toMatch(/^Usage: trust-tui/);
        expect(r.stderr).toBe('');
      }
    }
  });
});
