// Guided signer setup as a pure state machine: name -> choose keys (from the keystore, or a public
// key / certificate file, each previewed with its key id and type) -> confirm -> adding -> done.
import type { AddedSigner, KeyFilePreview, KeyRow, SignerKeyChoice } from '../services.js';
import { keyNameProblem } from './names.js';

export interface ChosenKey {
  choice: SignerKeyChoice;
  id: string;
  type: string;
  /** Where it came from, for the preview ("keystore: alice" / "file: alice.pub"). */
  label: string;
}

export interface KeyChoiceData {
  gun: string;
  name: string;
  available: readonly KeyRow[];
  chosen: readonly ChosenKey[];
  /** Row under the cursor in `available`. */
  cursor: number;
  error?: string;
}

export type SignerSetupState =
  | { step: 'name'; gun: string; name: string; available: readonly KeyRow[]; error?: string }
  | ({ step: 'keys' } & KeyChoiceData)
  | ({ step: 'reading-file'; path: string } & KeyChoiceData)
  | { step: 'confirm'; gun: string; name: string; chosen: readonly ChosenKey[]; available: readonly KeyRow[] }
  | { step: 'adding'; gun: string; name: string; chosen: readonly ChosenKey[] }
  | { step: 'done'; gun: string; signer: AddedSigner }
  | { step: 'failed'; gun: string; name: string; chosen: readonly ChosenKey[]; available: readonly KeyRow[]; error: string };

export type SignerSetupEvent =
  | { type: 'submit-name'; name: string }
  | { type: 'move'; delta: number }
  | { type: 'toggle' }
  | { type: 'add-file'; path: string }
  | { type: 'file-read'; preview: KeyFilePreview }
  | { type: 'next' }
  | { type: 'added'; signer: AddedSigner }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const SIGNER_SETUP_STEPS = ['Signer name', 'Choose keys', 'Confirm', 'Publish'];

export function signerSetupStepNumber(state: SignerSetupState): number {
  return { name: 1, keys: 2, 'reading-file': 2, confirm: 3, adding: 4, done: 4, failed: 4 }[state.step];
}

/** Keys usable as a signer's key: not the repository's own base-role keys. */
export function signerCandidates(keys: readonly KeyRow[]): KeyRow[] {
  return keys.filter((k) => !['root', 'targets', 'snapshot', 'timestamp'].includes(k.role) && !k.problem);
}

export function signerSetupStart(gun: string, keys: readonly KeyRow[]): SignerSetupState {
  return { step: 'name', gun, name: '', available: signerCandidates(keys) };
}

function keysStep(data: KeyChoiceData): SignerSetupState {
  const { gun, name, available, chosen, cursor, error } = data;
  return { step: 'keys', gun, name, available, chosen, cursor, ...(error ? { error } : {}) };
}

function withChoice(data: KeyChoiceData, key: ChosenKey): KeyChoiceData {
  const exists = data.chosen.some((c) => c.id === key.id);
  const { error: _dropped, ...rest } = data;
  return { ...rest, chosen: exists ? data.chosen.filter((c) => c.id !== key.id) : [...data.chosen, key] };
}

export function signerSetupReducer(state: SignerSetupState, event: SignerSetupEvent): SignerSetupState | null {
  switch (state.step) {
    case 'name': {
      if (event.type === 'back') return null;
      if (event.type !== 'submit-name') return state;
      const name = event.name.trim();
      const error = keyNameProblem(name, 'Signer name');
      if (error) return { ...state, name, error };
      // Pre-select the keystore keys already named after this signer (what `key generate NAME` made).
      const own = state.available.filter((k) => k.role === name);
      const chosen = own.map((k) => ({ choice: { from: 'keystore' as const, id: k.id }, id: k.id, type: k.type, label: `keystore: ${k.role}` }));
      return keysStep({ gun: state.gun, name, available: state.available, chosen, cursor: 0 });
    }
    case 'keys': {
      if (event.type === 'back') return { step: 'name', gun: state.gun, name: state.name, available: state.available };
      if (event.type === 'move') {
        const cursor = Math.max(0, Math.min(state.cursor + event.delta, state.available.length - 1));
        return { ...state, cursor };
      }
      if (event.type === 'toggle') {
        const key = state.available[state.cursor];
        if (!key) return state;
        return keysStep(withChoice(state, { choice: { from: 'keystore', id: key.id }, id: key.id, type: key.type, label: `keystore: ${key.role}` }));
      }
      if (event.type === 'add-file') {
        const path = event.path.trim();
        if (!path) return { ...state, error: 'Type the path of a .pub or PEM certificate file' };
        return { ...state, step: 'reading-file', path };
      }
      if (event.type === 'next') {
        if (state.chosen.length === 0) return { ...state, error: 'Choose at least one key (Space) or add a file (f)' };
        return { step: 'confirm', gun: state.gun, name: state.name, chosen: state.chosen, available: state.available };
      }
      return state;
    }
    case 'reading-file': {
      const { path: _path, step: _step, ...data } = state;
      if (event.type === 'file-read') {
        if (!event.preview.id) return keysStep({ ...data, error: `${state.path}: cannot tell its key ID` });
        if (data.chosen.some((c) => c.id === event.preview.id)) return keysStep({ ...data, error: 'That key is already chosen' });
        const label = `file: ${state.path}`;
        return keysStep(withChoice(data, { choice: { from: 'file', path: state.path }, id: event.preview.id, type: event.preview.type ?? 'unknown', label }));
      }
      if (event.type === 'error') return keysStep({ ...data, error: event.message });
      if (event.type === 'back') return keysStep(data);
      return state;
    }
    case 'confirm':
      if (event.type === 'back') return keysStep({ gun: state.gun, name: state.name, available: state.available, chosen: state.chosen, cursor: 0 });
      if (event.type === 'next') return { step: 'adding', gun: state.gun, name: state.name, chosen: state.chosen };
      return state;
    case 'adding':
      if (event.type === 'added') return { step: 'done', gun: state.gun, signer: event.signer };
      if (event.type === 'error') return { step: 'failed', gun: state.gun, name: state.name, chosen: state.chosen, available: [], error: event.message };
      return state;
    case 'done':
      return event.type === 'back' ? null : state;
    case 'failed':
      if (event.type === 'back') return { step: 'confirm', gun: state.gun, name: state.name, chosen: state.chosen, available: state.available };
      return state;
  }
}
