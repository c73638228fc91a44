// Where `trust-tui server` keeps its data by default. Kept free of heavy imports: the CLI reads it
// to print its help.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_DATA_HOME/trust-tui/server`, else `~/.local/share/trust-tui/server`. */
export function defaultServerDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'trust-tui', 'server');
}
