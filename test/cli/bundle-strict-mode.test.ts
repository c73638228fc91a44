/**
 * The built CommonJS files (dist/cli.js and every command bundle of dist/commands/) run trust-tui's
 * ES modules, which are strict mode code by definition (ECMAScript: module code is strict). esbuild
 * flattens them into the CommonJS file's scope and writes no "use strict" of its own, so without a
 * directive a command run from its bundle would run sloppy while the same command from dist/esm/
 * (or from source) runs strict: writes to frozen objects failing silently, `this` as globalThis.
 */
import { readFileSync } from 'node:fs';
import { wrap } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/trust-tui.js';

const dist = path.dirname(CLI);
const bundles = Object.values(JSON.parse(readFileSync(path.join(dist, 'commands.json'), 'utf8')) as Record<string, { file: string }>).map((b) =>
  path.join(dist, 'commands', b.file),
);

/** Compiles (never runs) `file` as Node's CommonJS loader does, with a statement only sloppy code may hold appended. */
function compileWithWithStatement(file: string): void {
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  new Script(wrap(`${source}\nwith ({}) {}`), { filename: file });
}

describe('the CommonJS build keeps ES-module semantics', () => {
  it.each([CLI, ...new Set(bundles)].map((f) => [path.relative(dist, f), f]))('%s is strict mode code', (_name, file) => {
    expect(() => compileWithWithStatement(file)).toThrow(/Strict mode code may not include a with statement/);
  });
});
