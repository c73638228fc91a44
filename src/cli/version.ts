// The version, and the one command line answered without loading the command-line program.
export const VERSION = '0.1.0';

/**
 * Global options that take a value (as `--trust-dir DIR` or `--trust-dir=DIR`) and change nothing
 * about `--version` and `--help`.
 */
export const VALUE_OPTIONS = new Set(['--trust-dir', '--config-dir']);
/** Global flags that change nothing about `--version` and `--help`. */
export const FLAGS = new Set(['--json', '-D', '--debug']);

/**
 * True when `argv` asks only for the version (`-v`/`--version`, maybe after the directory options
 * and flags that change nothing about it): commander would print VERSION and exit 0.
 */
export function asksOnlyForVersion(argv: readonly string[]): boolean {
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-v' || arg === '--version') version = true;
    else if (VALUE_OPTIONS.has(arg)) i++;
    else if (!FLAGS.has(arg) && !VALUE_OPTIONS.has(arg.split('=', 1)[0]!)) return false;
  }
  return version;
}
