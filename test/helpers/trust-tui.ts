/**
 * Runs the BUILT trust-tui (dist/cli.js) as a user would, with its own trust and settings
 * directories and the test passphrases. `npm test` builds before the tests run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeScratchDirSync, runCommand, type CommandRunner } from './proc.js';
import { TEST_PASSPHRASES } from './peers.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export interface TrustTuiRunner extends CommandRunner {
  readonly workDir: string;
  readonly trustDir: string;
  readonly configDir: string;
}

export function trustTui(options: { trustDir?: string; configDir?: string; env?: Record<string, string> } = {}): TrustTuiRunner {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it)`);
  const workDir = makeScratchDirSync('trust-tui');
  const trustDir = path.resolve(options.trustDir ?? path.join(workDir, 'trust'));
  const configDir = path.resolve(options.configDir ?? path.join(workDir, 'config'));
  const env = {
    DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
    DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
    ...options.env,
  };
  const run: CommandRunner = (args, opts = {}) =>
    runCommand(process.execPath, [CLI, '--trust-dir', trustDir, '--config-dir', configDir, ...args], {
      ...opts,
      cwd: opts.cwd ?? workDir,
      env: { ...env, ...opts.env },
    });
  return Object.assign(run, { workDir, trustDir, configDir });
}
