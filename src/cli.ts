#!/usr/bin/env node
// Entry point: keep it tiny. Plain commands load only the command-line program; the interactive UI
// (Ink/React) is loaded only when it starts.
import { prerenderedHelp, readHelpTexts, stdoutHelpWidth, helpRequestPath } from './cli/help-texts.js';
import { asksOnlyForVersion, VERSION } from './cli/version.js';

const argv = process.argv.slice(2);
// dist/ is a bundle: with --debug, stack traces point into src/ through its source maps.
if (argv.includes('-D') || argv.includes('--debug')) process.setSourceMapsEnabled(true);

if (argv.length === 0) {
  // NO_COLOR is applied by the UI's theme (src/ui/theme.ts): it drops colours but keeps bold,
  // underline and inverse, which FORCE_COLOR=0 would drop as well.
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('trust-tui: the interactive UI needs a terminal; for scripts use the commands (trust-tui --help, --json).\n');
    process.exitCode = 2;
  } else {
    const { main } = await import('./main.js');
    await main();
  }
} else if (asksOnlyForVersion(argv)) {
  // The commonest probe of an install (`trust-tui --version`) costs no more than Node's start.
  process.stdout.write(`${VERSION}\n`);
} else {
  // A reader that stops early (`trust-tui inspect … | head`) closes the pipe: that ends the output,
  // as it does for any Unix tool, rather than crashing with EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  // `--help` of the program or of one command, as commander printed it at build time (same width).
  const help = helpRequestPath(argv) === undefined ? undefined : prerenderedHelp(readHelpTexts(new URL('.', import.meta.url)), argv, stdoutHelpWidth(process.stdout));
  if (help !== undefined) process.stdout.write(help);
  else {
    const { run } = await import('./cli/program.js');
    process.exitCode = await run(argv);
  }
}
