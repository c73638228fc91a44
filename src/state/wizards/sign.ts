// Signing a tag as a pure state machine: tag -> digest and size from the registry (or typed, when
// the registry cannot say: validated as they are typed) -> review -> signing -> done. The store runs
// the side effects of `resolving` and `signing` and feeds their results back as events.
import { digestProblem, sizeProblem } from '../../trust/manifest-input.js';
import type { Manifest, SignResult } from '../services.js';

interface Subject {
  gun: string;
  tag: string;
}

export type SignState =
  | (Subject & { step: 'tag'; error?: string })
  | (Subject & { step: 'resolving' })
  | (Subject & { step: 'digest'; digest: string; size: string; registryProblem?: string; error?: string })
  | (Subject & { step: 'size'; digest: string; size: string; registryProblem?: string; error?: string })
  | (Subject & { step: 'review'; manifest: Manifest; source: 'registry' | 'typed' })
  | (Subject & { step: 'signing'; manifest: Manifest; source: 'registry' | 'typed' })
  | (Subject & { step: 'done'; result: SignResult })
  | (Subject & { step: 'failed'; manifest: Manifest; source: 'registry' | 'typed'; error: string });

export type SignEvent =
  | { type: 'submit-tag'; tag: string }
  | { type: 'resolved'; manifest: Manifest }
  | { type: 'unresolved'; message: string }
  | { type: 'submit-digest'; digest: string }
  | { type: 'submit-size'; size: string }
  | { type: 'confirm' }
  | { type: 'signed'; result: SignResult }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const SIGN_STEPS = ['Tag', 'Digest and size', 'Review', 'Sign'];

export function signStepNumber(state: SignState): number {
  return { tag: 1, resolving: 2, digest: 2, size: 2, review: 3, signing: 4, done: 4, failed: 4 }[state.step];
}

export const signStart = (gun: string, tag = ''): SignState => ({ step: 'tag', gun, tag });

// One rule for typed digests and sizes, the CLI's (`sign --digest/--size`).
export { digestProblem, sizeProblem };

const typed = (s: Subject & { digest: string; size: string; registryProblem?: string }) => ({
  gun: s.gun,
  tag: s.tag,
  digest: s.digest,
  size: s.size,
  ...(s.registryProblem ? { registryProblem: s.registryProblem } : {}),
});

/** Returns the next state, or null when the dialog is left. */
export function signReducer(state: SignState, event: SignEvent): SignState | null {
  const subject = { gun: state.gun, tag: state.tag };
  switch (state.step) {
    case 'tag':
      if (event.type === 'back') return null;
      if (event.type === 'submit-tag') {
        const tag = event.tag.trim();
        if (!/^[\w][\w.-]{0,127}$/.test(tag)) return { ...state, tag: event.tag, error: 'A tag is 1-128 letters, digits, _, . or -, not starting with . or -' };
        return { step: 'resolving', gun: state.gun, tag };
      }
      return state;
    case 'resolving':
      if (event.type === 'resolved') return { step: 'review', ...subject, manifest: event.manifest, source: 'registry' };
      // The registry cannot say (unreachable, unknown tag): the user gives digest and size.
      if (event.type === 'unresolved') return { step: 'digest', ...subject, digest: '', size: '', registryProblem: event.message };
      if (event.type === 'back') return { step: 'tag', ...subject };
      return state;
    case 'digest':
      if (event.type === 'back') return { step: 'tag', ...subject };
      if (event.type === 'submit-digest') {
        const problem = digestProblem(event.digest);
        if (problem) return { ...state, digest: event.digest, error: `The digest is sha256: and 64 hex digits: ${problem}` };
        return { ...typed(state), step: 'size', digest: event.digest.trim() };
      }
      return state;
    case 'size':
      if (event.type === 'back') return { ...typed(state), step: 'digest' };
      if (event.type === 'submit-size') {
        const problem = sizeProblem(event.size);
        if (problem) return { ...state, size: event.size, error: `The size is ${problem}` };
        return { step: 'review', ...subject, manifest: { digest: state.digest, size: Number(event.size.trim()) }, source: 'typed' };
      }
      return state;
    case 'review':
      if (event.type === 'confirm') return { step: 'signing', ...subject, manifest: state.manifest, source: state.source };
      if (event.type === 'back') {
        return state.source === 'typed'
          ? { step: 'size', ...subject, digest: state.manifest.digest, size: String(state.manifest.size) }
          : { step: 'tag', ...subject };
      }
      return state;
    case 'signing':
      if (event.type === 'signed') return { step: 'done', ...subject, result: event.result };
      if (event.type === 'error') return { step: 'failed', ...subject, manifest: state.manifest, source: state.source, error: event.message };
      return state; // a publish is not interrupted half-way; the passphrase dialog cancels instead
    case 'done':
      return event.type === 'back' ? null : state;
    case 'failed':
      if (event.type === 'back') return { step: 'review', ...subject, manifest: state.manifest, source: state.source };
      return state;
  }
}
