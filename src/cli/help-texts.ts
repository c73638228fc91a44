// Help texts rendered ahead of time. `trust-tui --help` (and `CMD [SUB] --help`) needs every command
// definition, which is most of the command-line program's start-up; scripts/build.mjs renders each
// text once with commander and writes them beside the bundle, and src/cli.ts prints the one asked
// for when the terminal width is one the text was checked for. Anything else goes to commander.
import { readFileSync } from 'node:fs';
import { FLAGS, VALUE_OPTIONS } from './version.js';

/** One command's help: the text commander prints on stdout and the widths it is the same for. */
export interface HelpText {
  readonly text: string;
  /** Smallest and largest help width giving exactly `text`; null: no upper bound. */
  readonly widths: readonly [min: number, max: number | null];
}

/** By command path (`''` for the program, `key list`), what `trust-tui PATH --help` prints. */
export type HelpTexts = Readonly<Record<string, HelpText>>;

/** The file scripts/build.mjs writes beside dist/cli.js. */
export const HELP_TEXTS_FILE = 'help-texts.json';

/**
 * The command path when `argv` is exactly `[WORD…] --help` or `-h` (at most two words), maybe after
 * the directory options and flags that change nothing about help: the only command lines answered
 * from pre-rendered text.
 */
export function helpRequestPath(argv: readonly string[]): string | undefined {
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!FLAGS.has(arg) && !VALUE_OPTIONS.has(arg.split('=', 1)[0]!)) break;
  }
  const rest = argv.slice(i);
  if (rest.length === 0 || rest.length > 3) return undefined;
  const last = rest[rest.length - 1];
  if (last !== '--help' && last !== '-h') return undefined;
  const words = rest.slice(0, -1);
  if (!words.every((w) => /^[a-z][a-z0-9-]*$/.test(w))) return undefined;
  return words.join(' ');
}

/** The width commander wraps stdout's help to: the terminal's columns, else 80 (commander's Help). */
export function stdoutHelpWidth(stdout: { isTTY?: boolean; columns?: number }): number {
  return (stdout.isTTY ? stdout.columns : undefined) ?? 80;
}

/** The pre-rendered text for `argv` at `width`, or undefined when commander must answer. */
export function prerenderedHelp(texts: HelpTexts, argv: readonly string[], width: number): string | undefined {
  const path = helpRequestPath(argv);
  if (path === undefined || !Object.hasOwn(texts, path)) return undefined;
  const { text, widths } = texts[path]!;
  const [min, max] = widths;
  return width >= min && (max === null || width <= max) ? text : undefined;
}

/** The texts written by the build beside `dir` (a file URL of a directory), or {} without them. */
export function readHelpTexts(dir: URL): HelpTexts {
  try {
    return JSON.parse(readFileSync(new URL(HELP_TEXTS_FILE, dir), 'utf8')) as HelpTexts;
  } catch {
    // Run from src/ (tsx) or a damaged install: commander answers instead.
    return {};
  }
}
