// Passphrases asked inside the UI: trust operations get `passphrases` (a PassphraseSource) and each
// request opens the masked passphrase dialog; submitting resolves it. The value goes straight from
// the dialog to the waiting operation and is never kept in the store.
import { PromptCancelledError } from '../../keys/errors.js';
import type { PassphraseRequest, PassphraseSource } from '../../keys/passphrase.js';
import type { SliceContext } from '../store.js';

export interface PassphraseSlice {
  /** The request the passphrase dialog is showing. */
  passphrase: PassphraseRequest | null;
  passphrases: PassphraseSource;
  submitPassphrase(value: string): void;
  cancelPassphrase(): void;
}

interface Waiting {
  request: PassphraseRequest;
  resolve(value: string): void;
  reject(e: Error): void;
}

export function createPassphraseSlice({ set }: SliceContext): PassphraseSlice {
  // One dialog at a time: further requests wait their turn.
  const queue: Waiting[] = [];
  const showNext = () => set({ passphrase: queue[0]?.request ?? null });
  const settle = (how: (w: Waiting) => void) => {
    const first = queue.shift();
    if (first) how(first);
    showNext();
  };
  return {
    passphrase: null,
    passphrases: {
      get: (request) =>
        new Promise<string>((resolve, reject) => {
          queue.push({ request, resolve, reject });
          if (queue.length === 1) showNext();
        }),
    },
    submitPassphrase: (value) => settle((w) => w.resolve(value)),
    cancelPassphrase: () => settle((w) => w.reject(new PromptCancelledError())),
  };
}
