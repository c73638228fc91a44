// Builds dist/: the CLI as an ES-module bundle with code splitting (`npm run build`; `tsc` stays the
// type checker, `npm run typecheck`). Most of a plain command's start-up was Node resolving, reading
// and linking ~100 small modules; a bundle loads a few files. Splitting keeps every dynamic
// `import()` a separate chunk, so what was lazy (the UI, the server, key encryption) stays lazy.
//
//   node scripts/build.mjs [--metafile FILE]
import { rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({ options: { metafile: { type: 'string' } } });

// Left to Node at run time: native add-ons and what they load (better-sqlite3), database drivers,
// the UI stack (Ink, React, yoga's WebAssembly), packages loaded by path (bcryptjs, by the server's
// password worker) and the rest of the server's packages. All are reached only through a dynamic
// import(), and staying separate packages keeps test/cli/lazy-loading.test.ts able to see them.
const external = [
  'better-sqlite3',
  'pg',
  'mysql2',
  'mysql2/*',
  'ink',
  'ink-select-input',
  'react',
  'react/*',
  'zustand',
  'zustand/*',
  'node-forge',
  'bcryptjs',
  'prom-client',
  'busboy',
];

// Bundled CommonJS packages (commander) require() Node's built-in modules, which an ES module has no
// require() for. Each such require() reads the built-in through process.getBuiltinModule (Node
// >= 20.16) instead of a createRequire() banner in every chunk (one more import to resolve per chunk).
// commander's node:child_process, only for executable sub-commands (trust-tui has none), loads on
// first use: loading that built-in costs every command several milliseconds.
const builtinsForCommonJs = {
  name: 'builtins-for-commonjs',
  setup(b) {
    b.onResolve({ filter: /^[\w:/]+$/ }, (args) =>
      args.kind === 'require-call' && isBuiltin(args.path) ? { path: args.path.replace(/^(node:)?/, 'node:'), namespace: 'builtin-require' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents:
        args.path === 'node:child_process'
          ? "module.exports = new Proxy({}, { get: (_, name) => process.getBuiltinModule('node:child_process')[name] });"
          : `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'src/cli.ts',
    // The interactive UI, imported by cli.js; tests check that it was built.
    main: 'src/main.ts',
    // Loaded by path: new Worker(new URL('./validation-worker.js', import.meta.url)) from the chunk
    // that holds src/server/validation-pool.ts. Chunks sit beside the entries (chunkNames), so that
    // URL finds it.
    'validation-worker': 'src/server/validation-worker.ts',
  },
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  mainFields: ['module', 'main'],
  external,
  plugins: [builtinsForCommonJs],
  // Stack traces map back to src/ with -D/--debug (src/cli.ts turns source maps on).
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  // Less to read and parse on every start. Names stay (minifyIdentifiers off): messages and
  // checks may use a class's name.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: flags.metafile !== undefined,
  logLevel: 'warning',
});
if (flags.metafile !== undefined) writeFileSync(flags.metafile, JSON.stringify(result.metafile));

// `--help` texts, rendered by commander now so that `trust-tui [CMD [SUB]] --help` is printed without
// loading the command-line program (src/cli/help-texts.ts). The renderer is bundled on its own into
// dist/ (where node_modules resolves), run once and removed.
const renderer = path.join(root, 'dist', '.help-render.mjs');
try {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/help-render.ts'],
    outfile: renderer,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    logLevel: 'warning',
  });
  const { renderHelpTexts } = await import(pathToFileURL(renderer).href);
  writeFileSync(path.join(root, 'dist', 'help-texts.json'), JSON.stringify(await renderHelpTexts()));
} finally {
  rmSync(renderer, { force: true });
}
