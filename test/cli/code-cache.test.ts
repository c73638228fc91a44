/**
 * The built CLI runs a command's bundle with V8's code cache (src/cli/code-cache.ts): written once
 * after a run that succeeded, 0600 in a 0700 directory of the user's cache; taken back by later runs;
 * and never able to break a command (damaged, refused, unwritable).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir, loadBundle } from '../../src/cli/code-cache.js';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const root = mkdtempSync(path.join(tmpdir(), 'trust-tui-code-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => mkdtempSync(path.join(root, `${n++}-`));

function keyList(cacheHome: string, nodeOptions?: string) {
  const dir = fresh();
  return runCommand(process.execPath, [CLI, '--trust-dir', dir, '--config-dir', dir, 'key', 'list'], { env: { XDG_CACHE_HOME: cacheHome, NODE_OPTIONS: nodeOptions } });
}
const cacheFiles = (cacheHome: string): string[] => {
  const dir = path.join(cacheHome, 'trust-tui', 'code-cache');
  return readdirSync(dir).map((f) => path.join(dir, f));
};

describe('the command bundles’ code cache', () => {
  it('is written after the first successful run, 0600 in a 0700 directory, and kept by the next', async () => {
    const home = fresh();
    const first = await keyList(home);
    expect(first.code, first.stderr).toBe(0);
    const [file, ...others] = cacheFiles(home);
    expect(others).toEqual([]);
    expect(path.basename(file!)).toMatch(new RegExp(`^key\\.js\\.${process.version.replace(/\./g, '\\.')}-${process.arch}\\.[0-9a-f]{16}\\.bin$`));
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file!)).mode & 0o777).toBe(0o700);
    const written = statSync(file!).mtimeMs;
    const second = await keyList(home);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^No signing keys in /);
    expect(statSync(file!).mtimeMs).toBe(written);
  });

  it('is rewritten when damaged, and the command still succeeds with the same output', async () => {
    const home = fresh();
    await keyList(home);
    const [file] = cacheFiles(home);
    const bytes = readFileSync(file!);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(file!, bytes);
    const r = await keyList(home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(file!).equals(bytes)).toBe(false);
  });

  it('is kept per set of Node flags: runs alternating NODE_OPTIONS do not rewrite each other’s', async () => {
    // V8 refuses a cache made under other flags (--max-old-space-size among them); one file for both
    // would be refused, compiled and written again on every switch.
    const home = fresh();
    const heap = '--max-old-space-size=64';
    for (const options of [undefined, heap]) expect((await keyList(home, options)).code).toBe(0);
    const files = cacheFiles(home);
    expect(files).toHaveLength(2);
    const written = files.map((f) => statSync(f).mtimeMs);
    for (const options of [undefined, heap]) expect((await keyList(home, options)).code).toBe(0);
    expect(cacheFiles(home).map((f) => statSync(f).mtimeMs)).toEqual(written);
  });

  it('is not written into the current directory when HOME is a relative path and XDG_CACHE_HOME unset', async () => {
    const cwd = fresh();
    const dir = fresh();
    const r = await runCommand(process.execPath, [CLI, '--trust-dir', dir, '--config-dir', dir, 'key', 'list'], {
      cwd,
      env: { HOME: 'relative-home', XDG_CACHE_HOME: undefined },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('is not written after a command that failed', async () => {
    const home = fresh();
    const dir = fresh();
    const r = await runCommand(process.execPath, [CLI, '--trust-dir', dir, '--config-dir', dir, 'key', 'load', path.join(dir, 'missing.key')], { env: { XDG_CACHE_HOME: home } });
    expect(r.code).toBe(1);
    expect(() => cacheFiles(home)).toThrow(/ENOENT/);
  });

  it('never fails a command when the cache directory cannot be written', async () => {
    const home = fresh();
    mkdirSync(path.join(home, 'trust-tui'), { mode: 0o500 });
    chmodSync(path.join(home, 'trust-tui'), 0o500);
    const r = await keyList(home);
    chmodSync(path.join(home, 'trust-tui'), 0o700);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('loadBundle', () => {
  const load = (file: string, id: string, cache: string) => loadBundle(file, id, cache, createRequire(file));
  const bundle = (source: string): string => {
    const file = path.join(fresh(), 'bundle.js');
    writeFileSync(file, source);
    return file;
  };

  it('takes the compiled code from the cache on the second load', () => {
    const file = bundle('exports.twice = (x) => x * 2;');
    const cache = fresh();
    const first = load(file, 'id1', cache);
    expect(first.fromCache).toBe(false);
    expect((first.exports.twice as (x: number) => number)(21)).toBe(42);
    first.saveCache();
    const second = load(file, 'id1', cache);
    expect(second.fromCache).toBe(true);
    expect((second.exports.twice as (x: number) => number)(4)).toBe(8);
  });

  it('keeps the caches of the three newest builds of a bundle', () => {
    // NAME.NODE-ARCH.ID[-FLAGS].bin: this test process runs with vitest's Node flags.
    const buildOf = (f: string) => f.split('.').at(-2)!.split('-')[0];
    const file = bundle('exports.x = 1;');
    const cache = fresh();
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) {
      load(file, id, cache).saveCache();
      // Distinct times, oldest first, whatever the file system's resolution.
      for (const f of readdirSync(cache)) if (buildOf(f) === id) utimesSync(path.join(cache, f), 1000 + i, 1000 + i);
    }
    load(file, 'e', cache).saveCache();
    expect(readdirSync(cache).map(buildOf).sort()).toEqual(['c', 'd', 'e']);
  });

  it('neither reads nor writes a cache directory that other users can write (a planted cache is code run by this user)', () => {
    const file = bundle('exports.x = 1;');
    const cache = fresh();
    load(file, 'id1', cache).saveCache();
    chmodSync(cache, 0o777);
    expect(load(file, 'id1', cache).fromCache).toBe(false);
    const empty = fresh();
    chmodSync(empty, 0o777);
    load(file, 'id1', empty).saveCache();
    expect(readdirSync(empty)).toEqual([]);
    chmodSync(cache, 0o700);
    expect(load(file, 'id1', cache).fromCache).toBe(true);
  });

  it('goes in XDG_CACHE_HOME when it is an absolute path, else in ~/.cache', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(path.join('/x/cache', 'trust-tui', 'code-cache'));
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\.cache[/\\]trust-tui[/\\]code-cache$/);
  });
});
