// Questions the command line asks on stdin, terminal or pipe: the one place a confirmation is read.
// node:readline is loaded on the first question: most commands never ask one.
import { TrustError } from '../trust/errors.js';
import type { Io } from './output.js';

/**
 * Standard input ended before an answer (a closed pipe, </dev/null, Ctrl-D): an error, not a
 * refusal, so a script that forgot -y learns how to go on instead of seeing a "cancelled".
 */
export class AnswerInputEndedError extends TrustError {
  override name = 'AnswerInputEndedError';
  constructor() {
    super('no answer because standard input ended: nothing was changed', { hint: 'pass -y (--yes) to confirm without a prompt' });
  }
}

type Answer = { kind: 'line'; line: string } | { kind: 'ended' } | { kind: 'interrupted' };

/**
 * One line of input; never a hang on a closed pipe. Ctrl-C while waiting is reported, not fatal.
 * `show` puts the question up once Ctrl-C is caught: a key pressed as soon as it shows is an answer.
 */
async function readAnswer(show: () => void, input: NodeJS.ReadableStream = process.stdin): Promise<Answer> {
  const { createInterface } = await import('node:readline');
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let settled = false;
    const settle = (answer: Answer) => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', onInterrupt);
      rl.close();
      resolve(answer);
    };
    const onInterrupt = () => settle({ kind: 'interrupted' });
    process.once('SIGINT', onInterrupt);
    rl.once('line', (line) => settle({ kind: 'line', line }));
    rl.once('close', () => settle({ kind: 'ended' }));
    show();
  });
}

/**
 * Shows `question` on stderr and returns the answer typed, trimmed. Ctrl-C answers "" (a refusal:
 * the caller cancels, exit 3, as Ctrl-C at a passphrase prompt); the end of input throws
 * AnswerInputEndedError.
 */
export async function ask(io: Io, question: string): Promise<string> {
  const answer = await readAnswer(() => io.stderr(question));
  // A piped answer is not echoed, and a terminal leaves the cursor after ^C: end the question's line.
  if (!process.stdin.isTTY || answer.kind === 'interrupted') io.stderr('\n');
  if (answer.kind === 'ended') throw new AnswerInputEndedError();
  return answer.kind === 'line' ? answer.line.trim() : '';
}
