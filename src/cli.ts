#!/usr/bin/env node
// Entry point when run from source (`npm run dev`, tsx). The built CLI starts at src/cli-dist.ts;
// both share src/cli/entry.ts. Plain commands load only the command-line program; the interactive
// UI (Ink/React) is loaded only when it starts.
import { start } from './cli/entry.js';

await start(process.argv.slice(2), {
  helpDir: new URL('.', import.meta.url),
  ui: () => import('./main.js'),
  program: async () => (await import('./cli/program.js')).run,
});
