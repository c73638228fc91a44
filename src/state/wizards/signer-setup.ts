// Guided signer setup as a pure state machine: name -> choose keys (from the keystore, or a public
// key / certificate file, each previewed with its key id and type) -> releases threshold (default:
// unchanged) -> planning (does it publish, or open a signing request?) -> confirm -> adding -> done.
import { releasesThresholdProblem } from '../../trust/releases-signoff.js';
import type { AddedSigner, KeyFilePreview, KeyRow, SignerAdditionDelivery, SignerKeyChoice } from '../services.js';
import { keyNameProblem } from './names.js';

export interface ChosenKey {
  choice: SignerKeyChoice;
  id: string;
  type: string;
  /** Where it came from, for the preview ("keystore: alice" / "file: alice.pub"). */
  label: string;
}

/** targets/releases as the wizard started: its threshold and distinct keys (undefined: no such role yet). */
export interface ReleasesNow {
  threshold: number;
  keyIds: readonly string[];
}

export interface KeyChoiceData {
  gun: string;
  releases?: ReleasesNow;
  name: string;
  available: readonly KeyRow[];
  chosen: readonly ChosenKey[];
  /** Row under the cursor in `available`. */
  cursor: number;
  error?: string;
}

export type SignerSetupState =
  | { step: 'name'; gun: string; name: string; available: readonly KeyRow[]; releases?: ReleasesNow; error?: string }
  | ({ step: 'keys' } & KeyChoiceData)
  | ({ step: 'reading-file'; path: string } & KeyChoiceData)
  | ({ step: 'threshold'; value: string } & ChosenData)
  | ({ step: 'planning' } & ChosenData)
  /** `delivery`: what confirming does, as the plan says (published, or a signing request). */
  | ({ step: 'confirm'; delivery: SignerAdditionDelivery } & ChosenData)
  | { step: 'adding'; gun: string; name: string; chosen: readonly ChosenKey[]; releases?: ReleasesNow; threshold?: number; delivery: SignerAdditionDelivery }
  | { step: 'done'; gun: string; signer: AddedSigner }
  | ({ step: 'failed'; error: string } & ChosenData);

/** After the keys step: what the later steps (and Esc back to them) carry. */
interface ChosenData {
  gun: string;
  name: string;
  chosen: readonly ChosenKey[];
  available: readonly KeyRow[];
  releases?: ReleasesNow;
  /** The new releases threshold; undefined leaves it unchanged. */
  threshold?: number;
  error?: string;
}

export type SignerSetupEvent =
  | { type: 'submit-name'; name: string }
  | { type: 'move'; delta: number }
  | { type: 'toggle' }
  | { type: 'add-file'; path: string }
  | { type: 'file-read'; preview: KeyFilePreview }
  | { type: 'next' }
  | { type: 'submit-threshold'; value: string }
  | { type: 'planned'; delivery: SignerAdditionDelivery }
  | { type: 'added'; signer: AddedSigner }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const SIGNER_SETUP_STEPS = ['Signer name', 'Choose keys', 'Threshold', 'Confirm', 'Publish'];

export function signerSetupStepNumber(state: SignerSetupState): number {
  return { name: 1, keys: 2, 'reading-file': 2, threshold: 3, planning: 4, confirm: 4, adding: 5, done: 5, failed: 5 }[state.step];
}

/** Keys usable as a signer's key: not the repository's own base-role keys. */
export function signerCandidates(keys: readonly KeyRow[]): KeyRow[] {
  return keys.filter((k) => !['root', 'targets', 'snapshot', 'timestamp'].includes(k.role) && !k.problem);
}

export function signerSetupStart(gun: string, keys: readonly KeyRow[], releases?: ReleasesNow): SignerSetupState {
  return { step: 'name', gun, name: '', available: signerCandidates(keys), ...(releases ? { releases } : {}) };
}

function keysStep(data: KeyChoiceData): SignerSetupState {
  const { gun, name, available, chosen, cursor, error, releases } = data;
  return { step: 'keys', gun, name, available, chosen, cursor, ...(releases ? { releases } : {}), ...(error ? { error } : {}) };
}

/** The data the later steps carry, without a step's own fields. */
function chosenData(s: ChosenData): ChosenData {
  const { gun, name, chosen, available, releases, threshold } = s;
  return { gun, name, chosen, available, ...(releases ? { releases } : {}), ...(threshold !== undefined ? { threshold } : {}) };
}

/** Distinct keys targets/releases would have with the chosen keys added (every signer key is one of its keys). */
export function releasesKeysAfter(s: { releases?: ReleasesNow; chosen: readonly ChosenKey[] }): number {
  return new Set([...(s.releases?.keyIds ?? []), ...s.chosen.map((c) => c.id)]).size;
}

/** The releases threshold now (1 for a role the signer's add creates). */
export const currentThreshold = (s: { releases?: ReleasesNow }) => s.releases?.threshold ?? 1;

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
      return keysStep({ gun: state.gun, name, available: state.available, chosen, cursor: 0, ...(state.releases ? { releases: state.releases } : {}) });
    }
    case 'keys': {
      if (event.type === 'back') return { step: 'name', gun: state.gun, name: state.name, available: state.available, ...(state.releases ? { releases: state.releases } : {}) };
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
        const { gun, name, chosen, available, releases } = state;
        return { step: 'threshold', value: '', gun, name, chosen, available, ...(releases ? { releases } : {}) };
      }
      return state;
    }
    case 'threshold': {
      const back = () => keysStep({ gun: state.gun, name: state.name, available: state.available, chosen: state.chosen, cursor: 0, ...(state.releases ? { releases: state.releases } : {}) });
      if (event.type === 'back') return back();
      if (event.type !== 'submit-threshold') return state;
      const { threshold: _old, ...data } = chosenData(state);
      const value = event.value.trim();
      // Empty, or the current value: unchanged (what `signer add` without --threshold does).
      if (value === '' || Number(value) === currentThreshold(state)) return { step: 'planning', ...data };
      const threshold = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      const problem = /^\d+$/.test(value)
        ? releasesThresholdProblem(state.gun, threshold, releasesKeysAfter(state))
        : `threshold must be a whole number of at least 1, not ${value}`;
      if (problem) return { ...state, value, error: problem };
      return { step: 'planning', ...data, threshold };
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
    case 'planning':
    case 'confirm': {
      if (event.type === 'back') return { step: 'threshold', ...chosenData(state), value: state.threshold === undefined ? '' : String(state.threshold) };
      if (state.step === 'planning') {
        if (event.type === 'planned') return { step: 'confirm', ...chosenData(state), delivery: event.delivery };
        if (event.type === 'error') return { step: 'failed', ...chosenData(state), error: event.message };
        return state;
      }
      if (event.type === 'next') {
        const { available: _available, error: _error, ...data } = chosenData(state);
        return { step: 'adding', ...data, delivery: state.delivery };
      }
      return state;
    }
    case 'adding':
      if (event.type === 'added') return { step: 'done', gun: state.gun, signer: event.signer };
      if (event.type === 'error') {
        const { step: _step, delivery: _delivery, ...data } = state;
        return { step: 'failed', ...data, available: [], error: event.message };
      }
      return state;
    case 'done':
      return event.type === 'back' ? null : state;
    case 'failed':
      // Back to the threshold: continuing from there plans again (the repository may have changed).
      if (event.type === 'back') return { step: 'threshold', ...chosenData(state), value: state.threshold === undefined ? '' : String(state.threshold) };
      return state;
  }
}
