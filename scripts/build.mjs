// Builds dist/ (`npm run build`; `tsc` stays the type checker, `npm run typecheck`):
//
//   dist/cli.js          the bin: a small CommonJS file (Node starts it without its ES-module loader)
//   dist/commands/*.js   one CommonJS bundle per command (inspect, key, …) with only that command's
//                        code, run with V8's code cache (src/cli/code-cache.ts); commands.json lists them
//   dist/esm/            the ES-module build with code splitting: the interactive UI, `demo`, `server`,
//                        and the whole program for command lines naming no single command (`help`, typos)
//   dist/help-texts.json every `--help` text, rendered here by commander
//
// Most of a plain command's start-up was Node resolving, reading and compiling modules: a bundle is one
// file, and a code cache skips the compiling. Splitting keeps every dynamic `import()` of the ES-module
// build a separate chunk, so what is lazy there (the UI, the server) stays lazy.
//
//   node scripts/build.mjs [--metafile FILE]
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({ options: { metafile: { type: 'string' } } });
const dist = path.join(root, 'dist');

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

// In the CommonJS bundles require() is Node's own. A built-in that a command may never use is loaded
// at its first use instead of when the bundle starts: loading node:fs/promises alone (it loads
// readline and the file watchers) costs about a millisecond, and plain commands read files
// synchronously. Each becomes a module of functions that fetch the real one through
// process.getBuiltinModule (Node >= 20.16) when called. Only functions are wrapped: importing
// anything else from one of them (a constant, a default import) fails the build, so name what you
// use (`import { request } from 'node:http'`). node:process is the global `process`.
const LAZY_BUILTINS = ['node:child_process', 'node:fs/promises', 'node:http', 'node:os', 'node:readline'];
const lazyBuiltinSource = (id) => {
  const real = process.getBuiltinModule(id);
  const functions = Object.keys(real).filter((name) => typeof real[name] === 'function' && /^[A-Za-z_$][\w$]*$/.test(name));
  return [
    `const load = () => process.getBuiltinModule(${JSON.stringify(id)});`,
    ...functions.map(
      (name) => `export function ${name}(...args) { const f = load().${name}; return new.target ? new f(...args) : f.apply(this, args); }`,
    ),
  ].join('\n');
};
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|fs\/promises|http|os|readline|process)$/ }, (args) => ({
      path: args.path.replace(/^(node:)?/, 'node:'),
      namespace: 'lazy-builtin',
    }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      if (args.path === 'node:process') return { contents: 'module.exports = process;', loader: 'js' };
      if (!LAZY_BUILTINS.includes(args.path)) throw new Error(`build: ${args.path} is not a lazy built-in`);
      return { contents: lazyBuiltinSource(args.path), loader: 'js' };
    });
  },
};

const shared = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  mainFields: ['module', 'main'],
  external,
  // Stack traces map back to src/ with -D/--debug (src/cli/entry.ts turns source maps on).
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  // Less to read and parse on every start. Names stay (minifyIdentifiers off): messages and
  // checks may use a class's name.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

rmSync(dist, { recursive: true, force: true });

// 1. The ES-module build (dist/esm/).
const result = await build({
  ...shared,
  entryPoints: {
    // The whole command-line program, for command lines that name no single command.
    program: 'src/cli/program.ts',
    // The interactive UI; tests check that it was built.
    main: 'src/main.ts',
    // Loaded by path: new Worker(new URL('./validation-worker.js', import.meta.url)) from the chunk
    // that holds src/server/validation-pool.ts. Chunks sit beside the entries (chunkNames), so that
    // URL finds it.
    'validation-worker': 'src/server/validation-worker.ts',
    // Likewise for src/server/stores/wal-checkpointer.ts.
    'wal-checkpoint-worker': 'src/server/stores/wal-checkpoint-worker.ts',
  },
  outdir: 'dist/esm',
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  splitting: true,
  format: 'esm',
  plugins: [builtinsForCommonJs],
  metafile: flags.metafile !== undefined,
});
if (flags.metafile !== undefined) writeFileSync(flags.metafile, JSON.stringify(result.metafile));
// dist/ is CommonJS (dist/package.json); its esm/ directory is not.
writeFileSync(path.join(dist, 'package.json'), '{ "type": "commonjs" }\n');
writeFileSync(path.join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');

// 2. `--help` texts, rendered by commander now so that `trust-tui [CMD [SUB]] --help` is printed without
// loading the command-line program (src/cli/help-texts.ts), and the table of commands for step 3. The
// renderer is bundled on its own into dist/ (where node_modules resolves), run once and removed.
const renderer = path.join(dist, '.help-render.mjs');
let registrars;
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
  const { renderHelpTexts, registrarTable } = await import(pathToFileURL(renderer).href);
  writeFileSync(path.join(dist, 'help-texts.json'), JSON.stringify(await renderHelpTexts()));
  registrars = registrarTable();
} finally {
  rmSync(renderer, { force: true });
}

// 3. One CommonJS bundle per command (dist/commands/): the program with only that command's
// definitions (src/cli/program.ts's imports of the other command modules become empty registrars)
// and every module its actions import. `demo` and `server` start the UI or the server: they stay
// in the ES-module build, and no command bundle may reach the UI, the state, the server or their
// packages (the build fails if one does).
const ESM_ONLY_COMMANDS = new Set(['demo', 'server']);
const FORBIDDEN_SOURCES = /^src\/(server|ui|screens|state)\/|^src\/(main|main-ui)\.ts$|^src\/app\.tsx$/;
const FORBIDDEN_PACKAGES = new Set(['ink', 'ink-select-input', 'react', 'zustand', 'better-sqlite3', 'pg', 'mysql2', 'busboy', 'prom-client', 'bcryptjs']);
const commandsDir = path.join(root, 'src', 'cli', 'commands');
const registrarFiles = new Map();
for (const file of readdirSync(commandsDir).filter((f) => f.endsWith('.ts'))) {
  for (const [, name] of readFileSync(path.join(commandsDir, file), 'utf8').matchAll(/^export function (register\w+)/gm)) registrarFiles.set(name, file);
}
/** Command word -> the command modules defining it (`export` has two). */
const modulesOfWord = new Map();
for (const { names, registrar } of registrars) {
  const file = registrarFiles.get(registrar);
  if (file === undefined) throw new Error(`build: no src/cli/commands/*.ts exports ${registrar}`);
  for (const word of names) modulesOfWord.set(word, [...(modulesOfWord.get(word) ?? []), file]);
}
/** One bundle per set of command modules: init, sign and revoke share repo.ts's. */
const bundles = new Map();
for (const [word, files] of modulesOfWord) {
  if (ESM_ONLY_COMMANDS.has(word)) continue;
  const key = [...files].sort().join('+');
  bundles.set(key, { files: new Set(files), words: [...(bundles.get(key)?.words ?? []), word] });
}

const onlyCommands = (keep) => ({
  name: 'only-these-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[\w-]+\.js$/ }, (args) => {
      if (!args.importer.endsWith(path.join('src', 'cli', 'program.ts'))) return undefined;
      const file = path.basename(args.path).replace(/\.js$/, '.ts');
      return keep.has(file) ? undefined : { path: file, namespace: 'empty-registrars' };
    });
    b.onLoad({ filter: /.*/, namespace: 'empty-registrars' }, (args) => ({
      contents: [...registrarFiles].filter(([, f]) => f === args.path).map(([name]) => `export function ${name}() {}`).join('\n'),
      loader: 'js',
    }));
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace !== 'file') return undefined;
      const pkg = args.path.startsWith('.') || path.isAbsolute(args.path) ? undefined : args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
      const source = pkg === undefined ? path.relative(root, path.resolve(args.resolveDir, args.path)).split(path.sep).join('/').replace(/\.js$/, '.ts') : undefined;
      if ((pkg !== undefined && FORBIDDEN_PACKAGES.has(pkg)) || (source !== undefined && FORBIDDEN_SOURCES.test(source.replace(/\.ts$/, args.path.endsWith('.tsx') ? '.tsx' : '.ts')))) {
        return { errors: [{ text: `a command bundle must not load ${args.path} (imported by ${path.relative(root, args.importer)}); run that command from the ES-module build` }] };
      }
      return undefined;
    });
  },
});

const commandBundles = {};
for (const { files, words } of bundles.values()) {
  const name = `${[...files].map((f) => f.replace(/\.ts$/, '')).sort().join('+')}.js`;
  const outfile = path.join(dist, 'commands', name);
  await build({
    ...shared,
    stdin: { contents: "export { run } from './src/cli/program.ts';", resolveDir: root, sourcefile: `commands/${name}` },
    outfile,
    format: 'cjs',
    // yaml (160 KB) is read only for policy files: `verify` without a policy would otherwise read,
    // hash and keep its source on every start. Left outside, it is loaded from node_modules when used.
    external: [...external, 'yaml'],
    plugins: [onlyCommands(files), lazyBuiltins],
    // import() of a package left outside (node-forge) becomes require(): a script run from a V8
    // code cache has no dynamic-import callback in Node 20.
    supported: { 'dynamic-import': false },
    logOverride: { 'empty-import-meta': 'error' },
    // ES modules are strict mode code. esbuild writes "use strict" for an entry file under
    // tsconfig.json's `strict` (dist/cli.js) but not for this stdin entry: without it every command
    // would run sloppy from its bundle and strict from dist/esm/ (test/cli/bundle-strict-mode.test.ts).
    banner: { js: '"use strict";' },
  });
  const id = createHash('sha256').update(readFileSync(outfile)).digest('hex').slice(0, 16);
  for (const word of words) commandBundles[word] = { file: name, id };
}
writeFileSync(path.join(dist, 'commands.json'), JSON.stringify(commandBundles));

// 4. The bin, last: test/global-setup.ts takes dist/cli.js's time as the build's.
await build({
  ...shared,
  entryPoints: ['src/cli-dist.ts'],
  outfile: path.join(dist, 'cli.js'),
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [lazyBuiltins],
  logOverride: { 'empty-import-meta': 'error' },
});
chmodSync(path.join(dist, 'cli.js'), 0o755);
