#!/usr/bin/env node
// Entry point: keep it tiny. Plain commands load only the command-line program; the interactive UI
// (Ink/React) is loaded only when it starts.
const argv = process.argv.slice(2);

if (argv.length === 0) {
  // The interactive UI is not built yet: say what to use instead.
  process.stderr.write('trust-tui: the interactive UI is not available yet; run `trust-tui --help` for the commands.\n');
  process.exitCode = 2;
} else {
  const { run } = await import('./cli/program.js');
  process.exitCode = await run(argv);
}
