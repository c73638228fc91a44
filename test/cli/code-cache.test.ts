/**
 * The built CLI runs a command's bundle with V8's code cache (src/cli/code-cache.ts): written once
 * after a run that succeeded, 0600 in a 0700 directory of the user's cache; taken back by later runs;
 * and never able to break a command (damaged, refused, unwritable).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir, loadBundle } from '../../src/cli/code-cache.js';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const root = mkdtempSync(path.join(tmpdir(), 'trust-tui-code-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => mkdtempSync(path.join(root, `${n++}-`));

function keyList(cacheHome: string) {
  const dir = fresh();
  return runCommand(process.execPath, [CLI, '--trust-dir', dir, '--config-dir', dir, 'key', 'list'], { env: { XDG_CACHE_HOME: cacheHome } });
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
  const bundle = (source: string): string => {
    const file = path.join(fresh(), 'bundle.js');
    writeFileSync(file, source);
    return file;
  };

  it('takes the compiled code from the cache on the second load', () => {
    const file = bundle('exports.twice = (x) => x * 2;');
    const cache = fresh();
    const first = loadBundle(file, 'id1', cache);
    expect(first.fromCache).toBe(false);
    expect((first.exports.twice as (x: number) => number)(21)).toBe(42);
    first.saveCache();
    const second = loadBundle(file, 'id1', cache);
    expect(second.fromCache).toBe(true);
    expect((second.exports.twice as (x: number) => number)(4)).toBe(8);
  });

  it('keeps the caches of the three newest builds of a bundle', () => {
    const file = bundle('exports.x = 1;');
    const cache = fresh();
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) {
      loadBundle(file, id, cache).saveCache();
      // Distinct times, oldest first, whatever the file system's resolution.
      for (const f of readdirSync(cache)) if (f.includes(`.${id}.bin`)) utimesSync(path.join(cache, f), 1000 + i, 1000 + i);
    }
    loadBundle(file, 'e', cache).saveCache();
    expect(readdirSync(cache).map((f) => f.split('.').at(-2)).sort()).toEqual(['c', 'd', 'e']);
  });

  it('goes in XDG_CACHE_HOME when it is an absolute path, else in ~/.cache', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(path.join('/x/cache', 'trust-tui', 'code-cache'));
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\.cache[/\\]trust-tui[/\\]code-cache$/);
  });
});
