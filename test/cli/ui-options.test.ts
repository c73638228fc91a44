/**
 * `trust-tui` with global options and no command opens the interactive UI with those options (a
 * trust directory, a settings directory, a timeout), as it opens without any: on a terminal the UI,
 * elsewhere the one line saying it needs one (exit 2). Flags that only change what commands print
 * are a usage error; anything else (a command, --help, a bad option) is the command-line program's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { start } from '../../src/cli/entry.js';
import { uiCommandLine, type UiOptions } from '../../src/cli/ui-options.js';
import { trustTui } from '../helpers/trust-tui.js';

const NEEDS_A_TERMINAL = 'trust-tui: the interactive UI needs a terminal; for scripts use the commands (trust-tui --help, --json).\n';

describe('the command lines that open the UI', () => {
  it('maps the global options to the UI’s options', () => {
    expect(uiCommandLine([])).toEqual({ options: {} });
    expect(uiCommandLine(['--trust-dir', 'd', '--config-dir', 'c'])).toEqual({ options: { trustDir: 'd', configDir: 'c' } });
    expect(uiCommandLine(['--trust-dir=d', '--config-dir=c=1', '--timeout', '2m'])).toEqual({ options: { trustDir: 'd', configDir: 'c=1', timeoutMs: 120_000 } });
    // commander's rule: the last one given counts.
    expect(uiCommandLine(['--timeout=5s', '--trust-dir', 'a', '--trust-dir', 'b'])).toEqual({ options: { trustDir: 'b', timeoutMs: 5000 } });
  });

  it('refuses --json and -D, which mean nothing to the UI', () => {
    expect(uiCommandLine(['--json'])).toEqual({ refused: expect.stringMatching(/^--json is for commands: the interactive UI takes only --trust-dir, --config-dir and --timeout/) });
    expect(uiCommandLine(['--trust-dir', 'd', '-D', '--debug'])).toEqual({ refused: expect.stringMatching(/^-D and --debug are for commands: /) });
  });

  it('leaves every other command line to the command-line program', () => {
    for (const argv of [['key', 'list'], ['--trust-dir', 'd', 'key'], ['--help'], ['--trust-dir', 'd', '-h'], ['-v'], ['--timeout', 'soon'], ['--trust-dir'], ['--frob'], ['--json', 'inspect', 'x']]) {
      expect(uiCommandLine(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

describe('start() with global options and no command', () => {
  const saved = { stdin: process.stdin.isTTY, stdout: process.stdout.isTTY, exitCode: process.exitCode };
  afterEach(() => {
    Object.defineProperty(process.stdin, 'isTTY', { value: saved.stdin, configurable: true });
    Object.defineProperty(process.stdout, 'isTTY', { value: saved.stdout, configurable: true });
    process.exitCode = saved.exitCode;
  });

  it('on a terminal, opens the UI with them', async () => {
    Object.defineProperty(process.stdin, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    const opened: UiOptions[] = [];
    const fail = () => Promise.reject(new Error('the command-line program was loaded'));
    await start(['--trust-dir', 'elsewhere/trust', '--config-dir', 'elsewhere/config', '--timeout', '10s'], {
      helpDir: new URL('file:///nonexistent/'),
      ui: async () => ({ main: async (options) => void opened.push(options) }),
      program: fail,
      command: fail,
    });
    expect(opened).toEqual([{ trustDir: 'elsewhere/trust', configDir: 'elsewhere/config', timeoutMs: 10_000 }]);
  });
});

describe('the built CLI with global options and no command', () => {
  it('not on a terminal: the same one line as with no arguments, exit 2', async () => {
    const tt = trustTui();
    // tt passes --trust-dir and --config-dir before these.
    for (const argv of [[], ['--timeout', '5s']]) {
      const r = await tt(argv, { input: '' });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, argv.join(' ')).toEqual({ code: 2, stdout: '', stderr: NEEDS_A_TERMINAL });
    }
  });

  it('--json or -D: a usage line, exit 2', async () => {
    const tt = trustTui();
    for (const flag of ['--json', '-D']) {
      const r = await tt([flag], { input: '' });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`trust-tui: ${flag} is for commands: the interactive UI takes only --trust-dir, --config-dir and --timeout (trust-tui --help lists the commands)\n`);
    }
  });
});
