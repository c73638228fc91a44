// Key generation as a pure state machine: name -> type -> directory for the .pub file -> generating
// (the passphrase dialog asks for the new passphrase) -> done.
import type { GeneratedKeyResult, NewKeyType } from '../services.js';
import { keyNameProblem } from './names.js';

export const NEW_KEY_TYPES: readonly NewKeyType[] = ['ecdsa', 'ed25519', 'rsa'];

export type KeyGenerateState =
  | { step: 'name'; name: string; error?: string }
  | { step: 'type'; name: string; type: NewKeyType }
  | { step: 'dir'; name: string; type: NewKeyType; dir: string }
  | { step: 'generating'; name: string; type: NewKeyType; dir: string }
  | { step: 'done'; key: GeneratedKeyResult }
  | { step: 'failed'; name: string; type: NewKeyType; dir: string; error: string };

export type KeyGenerateEvent =
  | { type: 'submit-name'; name: string }
  | { type: 'choose-type'; keyType: NewKeyType }
  | { type: 'submit-dir'; dir: string }
  | { type: 'generated'; key: GeneratedKeyResult }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const keyGenerateStart = (): KeyGenerateState => ({ step: 'name', name: '' });

export const KEY_GENERATE_STEPS = ['Signer name', 'Key type', 'Where to write the .pub file', 'Passphrase and store'];

export function keyGenerateStepNumber(state: KeyGenerateState): number {
  return { name: 1, type: 2, dir: 3, generating: 4, done: 4, failed: 4 }[state.step];
}

export function keyGenerateReducer(state: KeyGenerateState, event: KeyGenerateEvent, defaultDir = '.'): KeyGenerateState | null {
  switch (state.step) {
    case 'name': {
      if (event.type === 'back') return null;
      if (event.type !== 'submit-name') return state;
      const name = event.name.trim();
      const error = keyNameProblem(name);
      return error ? { step: 'name', name, error } : { step: 'type', name, type: 'ecdsa' };
    }
    case 'type':
      if (event.type === 'back') return { step: 'name', name: state.name };
      if (event.type === 'choose-type') return { step: 'dir', name: state.name, type: event.keyType, dir: defaultDir };
      return state;
    case 'dir':
      if (event.type === 'back') return { step: 'type', name: state.name, type: state.type };
      if (event.type === 'submit-dir') return { step: 'generating', name: state.name, type: state.type, dir: event.dir.trim() || defaultDir };
      return state;
    case 'generating':
      if (event.type === 'generated') return { step: 'done', key: event.key };
      if (event.type === 'error') return { step: 'failed', name: state.name, type: state.type, dir: state.dir, error: event.message };
      return state;
    case 'done':
      return event.type === 'back' ? null : state;
    case 'failed':
      if (event.type === 'back') return { step: 'dir', name: state.name, type: state.type, dir: state.dir };
      return state;
  }
}
