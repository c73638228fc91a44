// Loading a CommonJS bundle of dist/ with V8's code cache. Compiling the bundle is most of what a
// plain command costs after Node's own start; V8 can save the compiled code of one run
// (vm.Script#createCachedData) and take it back in the next (the `cachedData` option), which
// skips parsing and compiling every function the first run compiled.
//
// The cache lives in the user's cache directory (XDG_CACHE_HOME, else ~/.cache), one file per
// bundle, named by the bundle's content hash, Node's version and architecture, and Node's flags. V8 checks its
// own version, flags and the source's length and refuses a cache that does not fit; the file also
// starts with the SHA-256 of what follows, so a damaged file is never handed to V8. A cache that is
// missing, damaged or refused costs one normal compile and is written again after a run that
// succeeded. Only a directory of this user that no one else can write is used (isPrivateDir).
// Nothing here may fail a command: every error of the cache is ignored.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Script } from 'node:vm';
import { homeDirectory } from '../config/paths.js';

const DIGEST_BYTES = 32;

/** The directory for code caches, or undefined when there is no home (an absolute path) to put it in. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : homeCache(env);
  return base === undefined ? undefined : path.join(base, 'trust-tui', 'code-cache');
}

function homeCache(env: NodeJS.ProcessEnv): string | undefined {
  try {
    // A relative HOME would put the cache under whatever directory the command runs in.
    const home = homeDirectory(env);
    return home && path.isAbsolute(home) ? path.join(home, '.cache') : undefined;
  } catch {
    return undefined;
  }
}

export interface LoadedBundle {
  /** What the bundle exports (`module.exports`). */
  readonly exports: Record<string, unknown>;
  /** Whether V8 took the code from the cache. */
  readonly fromCache: boolean;
  /** Writes the cache when this run compiled without one; call after the bundle's work succeeded. */
  saveCache(): void;
}

/** Node's CommonJS wrapper (node:module's `wrap`, without loading node:module and its ES-module loader). */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/**
 * Runs the CommonJS file `file` (whose content hash is `id`) as Node's loader would, with its code
 * cache from `cacheDir` when there is one. `require` is the caller's: a bundle requires only Node's
 * built-in modules and packages, which resolve the same from any file of dist/.
 */
export function loadBundle(file: string, id: string, cacheDir: string | undefined, require: NodeJS.Require): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  const name = path.basename(file);
  const prefix = `${name}.${process.version}-${process.arch}.`;
  const cacheFile = cacheDir === undefined ? undefined : path.join(cacheDir, `${prefix}${id}${flagsTag()}.bin`);
  const cachedData = cacheDir === undefined || cacheFile === undefined || !isPrivateDir(cacheDir) ? undefined : readCache(cacheFile);
  // scripts/build.mjs turns the bundles' import() into require(): a script compiled from a code
  // cache gets no dynamic-import callback in Node 20.
  const script = new Script(wrap(source), { filename: file, cachedData });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as CommonJsWrapper)(module.exports, require, module, file, path.dirname(file));
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    fromCache,
    saveCache: () => {
      if (fromCache || cacheFile === undefined) return;
      try {
        writeCache(cacheFile, script.createCachedData(), prefix);
      } catch {
        // A read-only or full disk: the next run compiles again.
      }
    },
  };
}

/**
 * `-` and a hash of the flags Node was started with (its command line and NODE_OPTIONS), or '' with
 * none. V8 refuses a cache made under other V8 flags (--max-old-space-size is one); a file per set
 * of flags keeps runs that alternate (a CI job's NODE_OPTIONS, a shell without) from rewriting each
 * other's cache on every switch.
 */
function flagsTag(): string {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
  return flags === '' ? '' : `-${createHash('sha256').update(flags).digest('hex').slice(0, 8)}`;
}

type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;

/**
 * Whether `dir` is a directory of this user that no one else can write. V8 runs what a code cache
 * holds (its checks are of versions, flags and the source's length, not of the code), so a cache
 * someone else could have put there would be their code run as this user: such a directory (an
 * XDG_CACHE_HOME shared in /tmp, say) is neither read nor written. Not checked where there are no
 * POSIX owners (Windows).
 */
function isPrivateDir(dir: string): boolean {
  if (process.getuid === undefined) return true;
  try {
    const stats = statSync(dir);
    return stats.isDirectory() && stats.uid === process.getuid() && (stats.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function readCache(file: string): Buffer | undefined {
  try {
    const data = readFileSync(file);
    const payload = data.subarray(DIGEST_BYTES);
    const digest = createHash('sha256').update(payload).digest();
    return data.length > DIGEST_BYTES && digest.equals(data.subarray(0, DIGEST_BYTES)) ? payload : undefined;
  } catch {
    return undefined;
  }
}

/** Caches kept per bundle and Node: other builds (two installs, an upgrade) do not evict each other at once. */
const KEPT_BUILDS = 3;

/** Writes atomically (0600, in a 0700 directory), keeping the newest KEPT_BUILDS files of `prefix`. */
function writeCache(file: string, payload: Buffer, prefix: string): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isPrivateDir(dir)) return;
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([createHash('sha256').update(payload).digest(), payload]), { mode: 0o600 });
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
  const builds = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.bin'))
    .map((f) => ({ file: path.join(dir, f), mtime: statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEPT_BUILDS)) rmSync(old.file, { force: true });
}
