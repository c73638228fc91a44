// bench/lib/push-entry.mjs imports trust-tui's sources; dist/ is a bundle of the CLI with no module
// per source, so the push benchmark and test/registry/push-memory.test.ts bundle this entry themselves
// (plain JavaScript at run time: no TypeScript loader adds to the memory measured).
import path from 'node:path';

const ENTRY_SOURCE = path.join(import.meta.dirname, 'push-entry.mjs');

/** Bundles push-entry.mjs into `dir`; returns the file to run with `node`. */
export async function buildEntry(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(dir, 'push-entry.mjs');
  await build({
    entryPoints: [ENTRY_SOURCE],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}
