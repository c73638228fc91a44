// Which command lines open the interactive UI, and with which options: no command, and only the
// global options that mean something to it. Read without commander, which only commands need.
import { parseTimeout } from '../net/deadline.js';

/** What the UI takes from the command line; an option not given keeps the UI's default. */
export interface UiOptions {
  trustDir?: string;
  configDir?: string;
  /** `--timeout`: how long one operation of the UI may wait for servers. */
  timeoutMs?: number;
}

/** The UI with `options`, or a flag it refuses (`refused`, a usage error). */
export type UiCommandLine = { readonly options: UiOptions } | { readonly refused: string };

/** Global flags that change what commands print, and nothing in the UI. */
const COMMAND_FLAGS = new Set(['--json', '-D', '--debug']);

/**
 * What `argv` asks of the UI, or undefined when it is not the UI's: a command, `--help`, the version,
 * an unknown option, an option without its value or with a value commander refuses. The
 * command-line program answers those as it does today.
 */
export function uiCommandLine(argv: readonly string[]): UiCommandLine | undefined {
  const options: UiOptions = {};
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (COMMAND_FLAGS.has(arg)) {
      flags.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    // commander takes the next argument as the value, whatever it looks like.
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return undefined;
    if (name === '--trust-dir') options.trustDir = value;
    else if (name === '--config-dir') options.configDir = value;
    else if (name === '--timeout') {
      const ms = parseTimeout(value);
      if (ms === undefined) return undefined;
      options.timeoutMs = ms;
    } else return undefined;
  }
  if (flags.length > 0) {
    return { refused: `${flags.join(' and ')} ${flags.length > 1 ? 'are' : 'is'} for commands: the interactive UI takes only --trust-dir, --config-dir and --timeout (trust-tui --help lists the commands)` };
  }
  return { options };
}
