// Turns any error into what the error banner shows: the cause, and the next step to try.
import { isCancellation as isTrustCancellation } from '../trust/errors.js';
import { hintOf } from '../tuf/errors.js';

export interface Failure {
  cause: string;
  next: string;
  /** The message's lines after the first, which the banner leaves to the whole-message dialog. */
  detail?: readonly string[];
}

/** The user cancelled (Esc in a passphrase dialog, a refused confirmation): not a failure worth a banner. */
export function isCancellation(e: unknown): boolean {
  return isTrustCancellation(e);
}

export function describeFailure(e: unknown): Failure {
  const file = fileFailure(e);
  if (file) return file;
  const [first, ...rest] = (e instanceof Error ? e.message : String(e)).split('\n');
  const cause = first || (e instanceof Error ? e.name : '');
  const detail = rest.filter((line) => line.trim() !== '');
  // The UI form of the error's hint: never command-line advice such as "use --server".
  const hint = hintOf(e, 'ui');
  const next = hint ? sentence(hint) : 'Fix the cause and try again; press r to refresh.';
  return detail.length ? { cause, next, detail } : { cause, next };
}

/** Node's file errors (`ENOENT: no such file or directory, open '…'`) in words, with the path. */
function fileFailure(e: unknown): Failure | undefined {
  const { code, path } = (e ?? {}) as { code?: unknown; path?: unknown };
  if (typeof path !== 'string') return undefined;
  switch (code) {
    case 'ENOENT':
      return { cause: `No such file: ${path}`, next: 'Check the path (a relative path starts where trust-tui was started).' };
    case 'EACCES':
    case 'EPERM':
      return { cause: `Permission denied: ${path}`, next: 'Check the file permissions, or copy the file somewhere you can read it.' };
    default:
      return undefined;
  }
}

function sentence(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).replace(/\.$/, '') + '.';
}
