// Maps any error to the one line the user sees and the exit code scripts see.
import { EXIT } from './exit-codes.js';

export function describeError(e: unknown): { message: string; exitCode: number } {
  if (e instanceof Error) {
    const exitCode = e.name === 'CancelledError' || e.name === 'PromptCancelledError' ? EXIT.cancelled : EXIT.error;
    // Keep it to one line: the first line of the message is the cause and what to do.
    return { message: e.message.split('\n')[0] ?? e.name, exitCode };
  }
  return { message: String(e), exitCode: EXIT.error };
}

/** Thrown after a command has printed its own errors (e.g. some of several repositories failed). */
export class AlreadyReported extends Error {
  override name = 'AlreadyReported';
  constructor(readonly exitCode: number = EXIT.error) {
    super('already reported');
  }
}
