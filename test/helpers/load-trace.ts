/**
 * Which files a run of the built CLI loads, whichever way it loads them: Node's CommonJS loader
 * (dist/cli.js, require()), a command bundle run through node:vm with a code cache
 * (src/cli/code-cache.ts), or the ES-module loader (dist/esm/, import()).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCommand, type EnvOverrides, type RunResult } from './proc.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-load-trace-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const hooks = path.join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.TRUST_TUI_LOADED, result.url + '\\n');
  return result;
}
`,
);
const preload = path.join(dir, 'preload.cjs');
writeFileSync(
  preload,
  `const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const Module = require('node:module');
const vm = require('node:vm');
const log = (file) => appendFileSync(process.env.TRUST_TUI_LOADED, (file.startsWith('node:') ? file : pathToFileURL(file).href) + '\\n');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) { const file = resolveFilename.apply(this, args); log(file); return file; };
const Script = vm.Script;
vm.Script = class extends Script { constructor(code, options) { super(code, options); if (options && options.filename) log(options.filename); } };
Module.register(${JSON.stringify(pathToFileURL(hooks).href)});
`,
);

/** Runs `node CLI ...args` and returns its result with the files it loaded (absolute paths), in order. */
export async function runTraced(cli: string, args: string[], env: EnvOverrides = {}): Promise<RunResult & { files: string[] }> {
  const log = path.join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const r = await runCommand(process.execPath, ['--require', preload, cli, ...args], { env: { ...env, TRUST_TUI_LOADED: log } });
  const files = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u));
  return { ...r, files: [...new Set(files)] };
}
