// Where trust-tui keeps things. The trust directory is docker's, so keys and caches are shared with
// `docker trust` and with `notary -d`.
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The home directory as docker finds it (its pkg/homedir Get): HOME, else the user's entry in the
 * password database, also when HOME is set but empty (os.homedir() would answer '' and put the trust
 * directory under the current directory). node:os is loaded only without HOME.
 */
export function homeDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.HOME) return env.HOME;
  try {
    return userInfo().homedir;
  } catch {
    return homedir();
  }
}

/** `$DOCKER_CONFIG/trust`, else `~/.docker/trust` (docker's own default). */
export function defaultTrustDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'trust') : join(homeDirectory(env), '.docker', 'trust');
}

/** docker's configuration directory (credentials, per-server TLS material). */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homeDirectory(env), '.docker');
}

/** The settings directory conf uses for project `trust-tui` (XDG config dir on Linux). */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRUST_TUI_CONFIG_DIR) return env.TRUST_TUI_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homeDirectory(env), '.config'), 'trust-tui');
}

/** trust-tui's data directory: `$XDG_DATA_HOME/trust-tui`, else `~/.local/share/trust-tui`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homeDirectory(env), '.local', 'share'), 'trust-tui');
}

/** trust-tui's cache directory (what can be lost): `$XDG_CACHE_HOME/trust-tui`, else `~/.cache/trust-tui`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homeDirectory(env), '.cache'), 'trust-tui');
}

/** Where `trust-tui server` keeps its database, keys and local CA by default. */
export function defaultServerDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'server');
}

/**
 * A path typed in the UI as a shell would read it: a leading `~` or `~/` is the home directory, and
 * a relative path is relative to `cwd`.
 */
export function resolveTypedPath(input: string, cwd: string, home: string = homeDirectory()): string {
  const typed = input.trim();
  const expanded = typed === '~' ? home : typed.startsWith('~/') ? join(home, typed.slice(2)) : typed;
  return resolve(cwd, expanded);
}
