// Guided key import as a pure state machine: file -> detected role/type/id -> (passphrases, asked by
// the passphrase dialog while importing) -> stored. The store runs the side effects for `inspecting`
// and `importing` and feeds their results back as events.
import type { ImportedKey, KeyFilePreview } from '../services.js';
import { keyNameProblem } from './names.js';

export type KeyImportState =
  | { step: 'path'; path: string; error?: string }
  | { step: 'inspecting'; path: string }
  | { step: 'preview'; preview: KeyFilePreview; name: string; error?: string }
  | { step: 'importing'; preview: KeyFilePreview; name: string }
  | { step: 'done'; key: ImportedKey }
  | { step: 'failed'; path: string; error: string };

export type KeyImportEvent =
  | { type: 'submit-path'; path: string }
  | { type: 'inspected'; preview: KeyFilePreview }
  | { type: 'confirm'; name: string }
  | { type: 'imported'; key: ImportedKey }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const keyImportStart = (path = ''): KeyImportState => ({ step: 'path', path });

export const KEY_IMPORT_STEPS = ['Choose a file', 'Check what it holds', 'Passphrase and store'];

export function keyImportStepNumber(state: KeyImportState): number {
  return { path: 1, inspecting: 2, preview: 2, importing: 3, done: 3, failed: 3 }[state.step];
}

/** Returns the next state, or null when the wizard is left (Esc on the first step). */
export function keyImportReducer(state: KeyImportState, event: KeyImportEvent): KeyImportState | null {
  switch (state.step) {
    case 'path':
      if (event.type === 'back') return null;
      if (event.type === 'submit-path') {
        const path = event.path.trim();
        return path ? { step: 'inspecting', path } : { step: 'path', path, error: 'Type the path of a private key file' };
      }
      return state;
    case 'inspecting':
      if (event.type === 'inspected') {
        if (event.preview.kind === 'public') {
          return {
            step: 'path',
            path: state.path,
            error: `${state.path} is a public key: add it to a repository on the Signers screen (a)`,
          };
        }
        return { step: 'preview', preview: event.preview, name: event.preview.role ?? '' };
      }
      if (event.type === 'error') return { step: 'path', path: state.path, error: event.message };
      if (event.type === 'back') return { step: 'path', path: state.path };
      return state;
    case 'preview':
      if (event.type === 'back') return { step: 'path', path: state.preview.path };
      if (event.type === 'confirm') {
        // A role header wins (loadKey's rule); otherwise the typed name must be a valid signer name.
        const name = state.preview.role ?? event.name.trim();
        const problem = state.preview.role ? undefined : keyNameProblem(name);
        if (problem) return { ...state, name: event.name, error: problem };
        return { step: 'importing', preview: state.preview, name };
      }
      return state;
    case 'importing':
      if (event.type === 'imported') return { step: 'done', key: event.key };
      if (event.type === 'error') return { step: 'failed', path: state.preview.path, error: event.message };
      return state; // Esc cannot interrupt a write half-way; the passphrase dialog cancels instead.
    case 'done':
      return event.type === 'back' ? null : state;
    case 'failed':
      if (event.type === 'back') return { step: 'path', path: state.path, error: state.error };
      return state;
  }
}
