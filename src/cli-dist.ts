// Entry point of the built CLI (dist/cli.js, CommonJS: Node starts it without setting up its
// ES-module loader). A command line naming one command runs that command's own CommonJS bundle
// (dist/commands/, listed in commands.json by scripts/build.mjs) with V8's code cache
// (./cli/code-cache.ts); everything else (the UI, `demo`, `server`, `help`, typos) goes to the
// ES-module build in dist/esm/. With -D/--debug a bundle is loaded by require(), which applies its
// source map, instead of from the cache.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { start, type RunCommandLine } from './cli/entry.js';
import { EXIT } from './cli/exit-codes.js';

/** scripts/build.mjs's list: each command word's bundle (in dist/commands/) and its content hash. */
type CommandBundles = Record<string, { readonly file: string; readonly id: string }>;

const dist = __dirname;
const argv = process.argv.slice(2);

async function commandBundle(word: string): Promise<RunCommandLine | undefined> {
  let bundles: CommandBundles;
  try {
    bundles = JSON.parse(readFileSync(path.join(dist, 'commands.json'), 'utf8')) as CommandBundles;
  } catch {
    return undefined;
  }
  if (!Object.hasOwn(bundles, word)) return undefined;
  const { file, id } = bundles[word]!;
  const bundle = path.join(dist, 'commands', file);
  if (argv.includes('-D') || argv.includes('--debug')) return (require(bundle) as { run: RunCommandLine }).run;
  // Loaded here, not at the top: `--version` and `--help` need none of node:crypto and node:vm.
  const { codeCacheDir, loadBundle } = await import('./cli/code-cache.js');
  const loaded = loadBundle(bundle, id, codeCacheDir(), require);
  const run = loaded.exports.run as RunCommandLine;
  return async (args) => {
    const code = await run(args);
    // After a run that reached its answer: success, or an exit code that is the answer (4-9: expiry,
    // verify, requests). Not after an error, a usage error or a cancel: the cache would hold little
    // of the command's code, and a cache is written only once.
    if (code === EXIT.ok || code >= EXIT.expiring) loaded.saveCache();
    return code;
  };
}

const esm = (file: string): string => pathToFileURL(path.join(dist, 'esm', file)).href;

start(argv, {
  helpDir: pathToFileURL(dist + path.sep),
  ui: () => import(esm('main.js')),
  program: async () => ((await import(esm('program.js'))) as { run: RunCommandLine }).run,
  command: commandBundle,
}).catch((e: unknown) => {
  // start() reports command errors itself; this is a failure to load trust-tui's own files.
  process.stderr.write(`trust-tui: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
