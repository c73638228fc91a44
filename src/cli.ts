#!/usr/bin/env node
// Entry point: keep it tiny. Plain commands load only the command-line program; the interactive UI
// (Ink/React) is loaded only when it starts.
const argv = process.argv.slice(2);

if (argv.length === 0) {
  // chalk (loaded with Ink) reads the colour environment at import time and ignores NO_COLOR:
  // map it before anything imports Ink.
  if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('trust-tui: the interactive UI needs a terminal; for scripts use the commands (trust-tui --help, --json).\n');
    process.exitCode = 2;
  } else {
    const { main } = await import('./main.js');
    await main();
  }
} else {
  const { run } = await import('./cli/program.js');
  process.exitCode = await run(argv);
}
