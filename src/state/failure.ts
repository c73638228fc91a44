// Turns any error into what the error banner shows: the cause, and the next step to try.

export interface Failure {
  cause: string;
  next: string;
}

/** The user cancelled (Esc in a passphrase dialog, a stopped run): not a failure worth a banner. */
export function isCancellation(e: unknown): boolean {
  return e instanceof Error && (e.name === 'PromptCancelledError' || e.name === 'CancelledError' || e.name === 'AbortError');
}

export function describeFailure(e: unknown): Failure {
  const file = fileFailure(e);
  if (file) return file;
  const message = e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e);
  // src/trust messages read "what happened; what to do" (src/trust/errors.ts): split them there.
  const split = message.lastIndexOf('; ');
  if (split > 0) return { cause: message.slice(0, split), next: capitalise(message.slice(split + 2)) + '.' };
  if (e instanceof Error && e.name === 'WrongPassphraseError') return { cause: message, next: 'Try again with the right passphrase.' };
  if (/ECONNREFUSED|ENOTFOUND|fetch failed|ETIMEDOUT/.test(message)) {
    return { cause: message, next: 'Check the server for this repository on the Config screen (5), then refresh (r).' };
  }
  return { cause: message, next: 'Fix the cause and try again; press r to refresh.' };
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

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).replace(/\.$/, '');
}
