// Builds the context trust operations run in, for a command line: passphrases from the environment
// or a hidden terminal prompt, confirmations read from stdin, warnings on stderr.
import { Settings } from '../config/settings.js';
import { defaultPassphraseSource, KeyStore } from '../keys/index.js';
import type { TrustContext } from '../trust/context.js';
import type { GlobalOptions } from './globals.js';
import type { Io } from './output.js';
import { readAnswer } from './prompt.js';

export function cliContext(g: GlobalOptions, io: Io): TrustContext {
  return {
    trustDir: g.trustDir,
    keys: new KeyStore(g.trustDir),
    settings: new Settings(g.configDir),
    passphrases: defaultPassphraseSource(),
    confirm: async (question) => {
      io.stderr(`${question} [y/N] `);
      const answer = (await readAnswer()).trim().toLowerCase();
      if (!process.stdin.isTTY) io.stderr('\n'); // a piped answer is not echoed
      return answer === 'y' || answer === 'yes';
    },
    warn: (message) => io.stderr(`WARNING: ${message}\n`),
    debug: (message) => {
      if (g.debug) io.stderr(`debug: ${message}\n`);
    },
    env: process.env,
  };
}
