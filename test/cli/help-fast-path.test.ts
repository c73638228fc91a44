/**
 * `trust-tui [CMD [SUB]] --help` is printed from texts rendered at build time (dist/help-texts.json)
 * without loading the command-line program. What the user sees must be exactly commander's output,
 * at the terminal's width; anything the texts do not cover goes to commander.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { prerenderedHelp, type HelpTexts } from '../../src/cli/help-texts.js';
import type { Io } from '../../src/cli/output.js';
import { buildProgram } from '../../src/cli/program.js';
import { runTraced } from '../helpers/load-trace.js';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const DIST = path.dirname(CLI) + path.sep;
const texts = JSON.parse(readFileSync(path.join(path.dirname(CLI), 'help-texts.json'), 'utf8')) as HelpTexts;

/** What commander prints on stdout and stderr for `argv` with every command set up, at `width`. */
async function commander(argv: string[], width = 80): Promise<{ out: string; err: string }> {
  const r = { out: '', err: '' };
  const io: Io = { stdout: (s) => (r.out += s), stderr: (s) => (r.err += s) };
  const program = buildProgram(io);
  const fix = (cmd: Command): void => {
    cmd.configureOutput({ getOutHelpWidth: () => width });
    cmd.commands.forEach(fix);
  };
  fix(program);
  await program.parseAsync(argv, { from: 'user' }).catch(() => undefined);
  return r;
}

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pre-rendered help', () => {
  it('covers the program and every command but server, whose defaults depend on the machine', () => {
    const expected = [[], ...commandPaths(buildProgram({ stdout: () => {}, stderr: () => {} }))]
      .filter((p) => p[0] !== 'server')
      .map((p) => p.join(' '));
    expect(Object.keys(texts).sort()).toEqual(expected.sort());
  });

  it('the built CLI prints exactly what commander prints, on a pipe (80 columns)', async () => {
    const lines = [...Object.keys(texts).map((p) => [...p.split(' ').filter(Boolean), '--help']), ['-h'], ['key', 'list', '-h'], ['inspect', '-h'], ['--trust-dir', 'd', '--config-dir=c', '--json', '-D', '--help'], ['--debug', '--trust-dir', 'd', 'key', 'list', '--help']];
    for (let i = 0; i < lines.length; i += 4) {
      await Promise.all(
        lines.slice(i, i + 4).map(async (argv) => {
          const r = await runCommand(process.execPath, [CLI, ...argv]);
          const want = await commander(argv);
          expect({ code: r.code, out: r.stdout, err: r.stderr }, argv.join(' ')).toEqual({ code: 0, out: want.out, err: want.err });
        }),
      );
    }
  });

  it('is printed without loading the command-line program', async () => {
    const loaded = async (argv: string[]): Promise<string[]> => {
      const r = await runTraced(CLI, argv);
      expect(r.code, r.stderr).toBe(0);
      return r.files.filter((f) => f.startsWith(DIST));
    };
    // The same file as `--version` (dist/cli.js alone), none of the program's.
    const versionFiles = await loaded(['--version']);
    expect(versionFiles.map((f) => path.relative(DIST, f))).toEqual(['cli.js']);
    expect(await loaded(['inspect', '--help'])).toEqual(versionFiles);
    expect(await loaded(['-h'])).toEqual(versionFiles);
    // Not covered: `help CMD`, other options, the server's help. Commander answers: the program is
    // loaded (a command's bundle, or the whole program of the ES-module build).
    for (const argv of [['help', 'inspect'], ['--timeout', '5s', '--help'], ['inspect', 'x', '--help'], ['server', '--help']]) {
      const program = (await loaded(argv)).filter((f) => f.includes(`${path.sep}commands${path.sep}`) || f.endsWith(`${path.sep}esm${path.sep}program.js`));
      expect(program.length, argv.join(' ')).toBeGreaterThan(0);
    }
  });

  it('on a terminal, prints commander’s text for its width, pre-rendered or not', async () => {
    for (const [cols, argv] of [[80, ['--help']], [100, ['--help']], [60, ['inspect', '--help']], [200, ['key', 'list', '--help']]] as const) {
      // script(1) runs the CLI on a pseudo-terminal of `cols` columns; the terminal turns \n into \r\n.
      const shown = execFileSync('script', ['-qec', `stty cols ${cols}; '${process.execPath}' '${CLI}' ${argv.join(' ')}`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, TERM: 'dumb' },
      }).replace(/\r\n/g, '\n');
      expect(shown, `${cols} columns: ${argv.join(' ')}`).toBe((await commander([...argv], cols)).out);
    }
    expect((await commander(['--help'], 100)).out).not.toBe((await commander(['--help'], 80)).out);
  });

  it('answers only exact `[CMD [SUB]] --help` lines within the widths each text holds for', () => {
    const t: HelpTexts = { '': { text: 'all', widths: [70, 90] }, 'key list': { text: 'kl', widths: [1, null] } };
    expect(prerenderedHelp(t, ['--help'], 80)).toBe('all');
    expect(prerenderedHelp(t, ['-h'], 70)).toBe('all');
    expect(prerenderedHelp(t, ['--help'], 91)).toBeUndefined();
    expect(prerenderedHelp(t, ['--help'], 69)).toBeUndefined();
    expect(prerenderedHelp(t, ['key', 'list', '--help'], 5000)).toBe('kl');
    expect(prerenderedHelp(t, ['--trust-dir', 'd', '--config-dir=c', '--json', '-D', '--help'], 80)).toBe('all');
    expect(prerenderedHelp(t, ['--debug', 'key', 'list', '-h'], 80)).toBe('kl');
    for (const argv of [['key', '--help'], ['help'], ['--timeout', '5s', '--help'], ['--trust-dir', '--help'], ['key', '--json', 'list', '--help'], ['key', 'list', 'x', '--help'], ['--help', 'key'], ['constructor', '--help'], []]) {
      expect(prerenderedHelp(t, argv, 80), argv.join(' ')).toBeUndefined();
    }
  });
});
