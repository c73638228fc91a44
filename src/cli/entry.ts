// What every start of trust-tui does before a command runs, for both entries: src/cli.ts (run from
// source) and src/cli-dist.ts (dist/cli.js). They differ only in how the code is found (`Loaders`).
import { commandWord } from './command-word.js';
import { prerenderedHelp, readHelpTexts, stdoutHelpWidth, helpRequestPath } from './help-texts.js';
import { uiCommandLine, type UiOptions } from './ui-options.js';
import { asksOnlyForVersion, VERSION } from './version.js';

export type RunCommandLine = (argv: string[]) => Promise<number>;

export interface Loaders {
  /** The directory (a file URL ending in `/`) holding help-texts.json, if the build wrote one. */
  readonly helpDir: URL;
  /** The interactive UI. */
  readonly ui: () => Promise<{ main: (options: UiOptions) => Promise<void> }>;
  /** The whole command-line program: every command. */
  readonly program: () => Promise<RunCommandLine>;
  /** A smaller program holding only `word`'s command, when the build made one. */
  readonly command?: (word: string) => Promise<RunCommandLine | undefined>;
}

export async function start(argv: string[], load: Loaders): Promise<void> {
  // dist/ is a bundle: with --debug, stack traces point into src/ through its source maps.
  if (argv.includes('-D') || argv.includes('--debug')) process.setSourceMapsEnabled(true);

  // No command: the UI, maybe with another trust or settings directory (`trust-tui --trust-dir D`).
  const ui = uiCommandLine(argv);
  if (ui !== undefined) {
    if ('refused' in ui) {
      process.stderr.write(`trust-tui: ${ui.refused}\n`);
      process.exitCode = 2; // EXIT.usage (./exit-codes.ts)
      return;
    }
    // NO_COLOR is applied by the UI's theme (src/ui/theme.ts): it drops colours but keeps bold,
    // underline and inverse, which FORCE_COLOR=0 would drop as well.
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      process.stderr.write('trust-tui: the interactive UI needs a terminal; for scripts use the commands (trust-tui --help, --json).\n');
      process.exitCode = 2;
      return;
    }
    await (await load.ui()).main(ui.options);
    return;
  }
  // A reader that stops early (`trust-tui inspect … | head`) closes the pipe: that ends the output,
  // as it does for any Unix tool, rather than crashing with EPIPE. Any other failure to write (a
  // full disk) is one line on stderr, not an uncaught error with a line of the bundle.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`trust-tui: cannot write to standard output (${e.message}); check the file or device it goes to\n`);
    process.exit(1); // EXIT.error (./exit-codes.ts)
  });
  if (asksOnlyForVersion(argv)) {
    // The commonest probe of an install (`trust-tui --version`) costs no more than Node's start.
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // `--help` of the program or of one command, as commander printed it at build time (same width).
  const help = helpRequestPath(argv) === undefined ? undefined : prerenderedHelp(readHelpTexts(load.helpDir), argv, stdoutHelpWidth(process.stdout));
  if (help !== undefined) {
    process.stdout.write(help);
    return;
  }
  const word = commandWord(argv);
  const run = (word === undefined ? undefined : await load.command?.(word)) ?? (await load.program());
  process.exitCode = await run(argv);
}
