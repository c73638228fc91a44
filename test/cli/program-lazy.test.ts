/**
 * A command line that names a command sets up only that command (start-up time); what the user sees
 * must not change: every command's help, the program's help, a typo's suggestion, the version.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandWord, REGISTRARS, run } from '../../src/cli/program.js';
import { asksOnlyForVersion } from '../../src/cli/version.js';
import type { Io } from '../../src/cli/output.js';

function capture(): Io & { out: () => string } {
  let text = '';
  return { stdout: (s) => (text += `[out]${s}`), stderr: (s) => (text += `[err]${s}`), out: () => text };
}

/** What the program with every command registered prints for `argv` (stdout and stderr, in order). */
async function fullProgram(argv: string[]): Promise<string> {
  const io = capture();
  await buildProgram(io)
    .parseAsync(argv, { from: 'user' })
    .catch(() => undefined);
  return io.out();
}

/** What `trust-tui ARGV` prints. */
async function lazyRun(argv: string[]): Promise<string> {
  const io = capture();
  await run(argv, io);
  return io.out();
}

describe('commands set up on demand', () => {
  it('each registrar adds exactly the top-level commands listed for it', () => {
    for (const [names, register] of REGISTRARS) {
      const program = new Command('trust-tui');
      register(program, capture());
      expect(program.commands.map((c) => c.name()), register.name).toEqual(names);
    }
  });

  it('registers only the named command, and every command without a name', () => {
    expect(buildProgram(capture(), ['--trust-dir', 'key', 'inspect', 'x']).commands.map((c) => c.name())).toEqual(['inspect']);
    expect(buildProgram(capture(), ['--timeout=5s', 'export', 'policy']).commands.map((c) => c.name())).toEqual(['export']);
    expect(buildProgram(capture(), ['--json']).commands.length).toBe(buildProgram(capture()).commands.length);
    expect(commandWord(['--config-dir', 'd', '-D', 'key', 'list'])).toBe('key');
  });

  it('every command and group prints the same help as with all commands set up', async () => {
    const full = buildProgram(capture());
    const lines: string[][] = [[], ['--help'], ['help', 'inspect']];
    for (const cmd of full.commands) {
      lines.push([cmd.name(), '--help']);
      for (const sub of cmd.commands) lines.push([cmd.name(), sub.name(), '--help']);
    }
    expect(lines.length).toBeGreaterThan(40);
    for (const argv of lines) {
      const lazy = await lazyRun(argv);
      expect(lazy, argv.join(' ')).toEqual(await fullProgram(argv));
      expect(lazy.length, argv.join(' ')).toBeGreaterThan(50);
    }
  });

  it('a typo still gets the suggestion, a wrong option the same error', async () => {
    for (const argv of [['inpsect', 'x'], ['inspect', '--bogus', 'x'], ['key', 'lsit']]) {
      expect(await lazyRun(argv), argv.join(' ')).toEqual(await fullProgram(argv));
    }
    expect(await lazyRun(['inpsect', 'x'])).toMatch(/Did you mean inspect\?/);
  });
});

describe('the version without the program', () => {
  it('answers only a command line that asks for nothing else', async () => {
    expect(asksOnlyForVersion(['--version'])).toBe(true);
    expect(asksOnlyForVersion(['--trust-dir', 'd', '--config-dir=c', '--json', '-v'])).toBe(true);
    expect(asksOnlyForVersion(['--trust-dir', '--version'])).toBe(false);
    expect(asksOnlyForVersion(['key', '--version'])).toBe(false);
    expect(asksOnlyForVersion(['--timeout', 'x', '--version'])).toBe(false);
    expect(asksOnlyForVersion([])).toBe(false);
    // What commander prints for it.
    expect(await fullProgram(['--trust-dir', 'd', '--version'])).toBe('[out]0.1.0\n');
  });
});
