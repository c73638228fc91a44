// Builds the context trust operations run in, for a command line: passphrases from the environment
// or a hidden terminal prompt, confirmations read from stdin (./prompt.ts), warnings on stderr.
import { Settings } from '../config/settings.js';
import { defaultPassphraseSource, KeyStore } from '../keys/index.js';
import { Deadline } from '../net/deadline.js';
import type { TrustContext } from '../trust/context.js';
import type { GlobalOptions } from './globals.js';
import { warn, type Io } from './output.js';
import { ask } from './prompt.js';

export function cliContext(g: GlobalOptions, io: Io): TrustContext {
  // One deadline for the whole command; the time the user takes to answer a prompt does not count.
  const deadline = new Deadline(g.timeoutMs);
  const passphrases = defaultPassphraseSource();
  return {
    trustDir: g.trustDir,
    keys: new KeyStore(g.trustDir),
    settings: new Settings(g.configDir),
    passphrases: { get: (req) => deadline.excluding(() => passphrases.get(req)) },
    confirm: (question) =>
      deadline.excluding(async () => {
        const answer = (await ask(io, `${question} [y/N] `)).toLowerCase();
        return answer === 'y' || answer === 'yes';
      }),
    // Each warning once per command (e.g. a read-only cache, met by every repository read).
    warn: (message) => warn(io, message),
    debug: (message) => {
      if (g.debug) io.stderr(`debug: ${message}\n`);
    },
    env: process.env,
    deadline,
  };
}
