// What every trust operation is given by its caller (the CLI, the interactive UI, a test): where
// things live and how to ask the user. Operations never print or prompt on their own.
import type { Settings } from '../config/settings.js';
import type { KeyStore, PassphraseSource } from '../keys/index.js';
import type { Deadline } from '../net/deadline.js';
import type { AgentPool } from '../notary/transport.js';

export interface TrustContext {
  trustDir: string;
  keys: KeyStore;
  settings: Settings;
  passphrases: PassphraseSource;
  /** Asks a yes/no question whose answer defaults to no. */
  confirm(question: string): Promise<boolean>;
  /** Something the user should know that does not stop the operation. */
  warn(message: string): void;
  /** Details shown with --debug. */
  debug(message: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** How long this command may wait for servers, all requests together (default 30 s). */
  deadline?: Deadline;
  /** Kept-alive connections to share between the repositories of one command (see agentPoolOf). */
  agents?: AgentPool;
}
