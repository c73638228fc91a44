// Builds the context trust operations run in, for a command line: passphrases from the environment
// or a hidden terminal prompt, confirmations read from stdin, warnings on stderr.
import { Settings } from '../config/settings.js';
import { defaultPassphraseSource, KeyStore } from '../keys/index.js';
import { Deadline } from '../net/deadline.js';
import type { TrustContext } from '../trust/context.js';
import type { GlobalOptions } from './globals.js';
import type { Io } from './output.js';
import { readAnswer } from './prompt.js';

export function cliContext(g: GlobalOptions, io: Io): TrustContext {
  // One deadline for the whole command; the time the user takes to answer a prompt does not count.
  const deadline = new Deadline(g.timeoutMs);
  const passphrases = defaultPassphraseSource();
  const warned = new Set<string>();
  return {
    trustDir: g.trustDir,
    keys: new KeyStore(g.trustDir),
    settings: new Settings(g.configDir),
    passphrases: { get: (req) => deadline.excluding(() => passphrases.get(req)) },
    confirm: (question) =>
      deadline.excluding(async () => {
        io.stderr(`${question} [y/N] `);
        const answer = (await readAnswer()).trim().toLowerCase();
        if (!process.stdin.isTTY) io.stderr('\n'); // a piped answer is not echoed
        return answer === 'y' || answer === 'yes';
      }),
    // Each warning once per command (e.g. a read-only cache, met by every repository read).
    warn: (message) => {
      if (warned.has(message)) return;
      warned.add(message);
      io.stderr(`WARNING: ${message}\n`);
    },
    debug: (message) => {
      if (g.debug) io.stderr(`debug: ${message}\n`);
    },
    env: process.env,
    deadline,
  };
}
