// Options every command understands, resolved once from commander's option chain.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultConfigDir, defaultTrustDir } from '../config/paths.js';
import { DEFAULT_TIMEOUT_MS } from '../net/deadline.js';

export interface GlobalOptions {
  trustDir: string;
  configDir: string;
  json: boolean;
  debug: boolean;
  /** `--timeout`: the command's deadline for everything it asks servers. */
  timeoutMs: number;
}

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Partial<Record<string, unknown>>;
  return {
    trustDir: resolve(typeof o.trustDir === 'string' ? o.trustDir : defaultTrustDir()),
    configDir: resolve(typeof o.configDir === 'string' ? o.configDir : defaultConfigDir()),
    json: o.json === true,
    debug: o.debug === true,
    timeoutMs: typeof o.timeout === 'number' ? o.timeout : DEFAULT_TIMEOUT_MS,
  };
}
