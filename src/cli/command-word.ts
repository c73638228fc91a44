// Which command a command line names, without loading the command-line program: src/cli/entry.ts
// picks the code to load by it, and the program registers only that command.

/** Global options that take a value, as commander reads them before the command's name. */
const GLOBAL_VALUE_OPTIONS = new Set(['--trust-dir', '--config-dir', '--timeout']);

/** The command's name: the first word of `argv` that is neither a global option nor its value. */
export function commandWord(argv: readonly string[]): string | undefined {
  const i = commandWordIndex(argv);
  return i === undefined ? undefined : argv[i];
}

/** Where in `argv` the command's name is (see commandWord). */
export function commandWordIndex(argv: readonly string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return i;
  }
  return undefined;
}
