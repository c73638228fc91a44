// Signing a tag as a pure state machine. First the source: an image already in the registry, or a
// local one (OCI layout, OCI archive, `docker save` archive, docker daemon) pushed first.
// Registry: tag -> digest and size from the registry (or typed, when the registry cannot say:
// validated as they are typed) -> review -> signing -> done.
// Local: tag -> where the image is (checked as typed) -> opening (image and repository) -> review of
// the plan -> pushing (with progress) and signing -> done.
// The store runs the side effects of `resolving`, `opening`, `signing` and `pushing` and feeds their
// results back as events.
import type { LocalSourceKind } from '../../registry/local/image.js';
import { digestProblem, sizeProblem } from '../../trust/manifest-input.js';
import { localSourceProblem } from '../../trust/push-local.js';
import type { LocalSignPlan, Manifest, SignResult } from '../services.js';
import { emptyPushView, type PushView } from './push-view.js';

export type SignOrigin = 'registry' | LocalSourceKind;

interface Subject {
  gun: string;
  tag: string;
  origin: SignOrigin;
  /** Where the local image is, as last typed: kept when going back to the tag or the source. */
  location?: string;
}

type Local = Subject & { origin: LocalSourceKind };

export type SignState =
  | (Subject & { step: 'source' })
  | (Subject & { step: 'tag'; error?: string })
  | (Subject & { step: 'resolving' })
  | (Subject & { step: 'digest'; digest: string; size: string; registryProblem?: string; error?: string })
  | (Subject & { step: 'size'; digest: string; size: string; registryProblem?: string; error?: string })
  | (Subject & { step: 'review'; manifest: Manifest; source: 'registry' | 'typed' })
  | (Subject & { step: 'signing'; manifest: Manifest; source: 'registry' | 'typed' })
  | (Local & { step: 'location'; location: string; error?: string })
  | (Local & { step: 'opening'; location: string })
  | (Local & { step: 'local-review'; location: string; plan: LocalSignPlan })
  | (Local & { step: 'pushing'; location: string; plan: LocalSignPlan; progress: PushView; cancelling?: boolean })
  | (Local & { step: 'push-failed'; location: string; plan: LocalSignPlan; progress: PushView; error: string })
  | (Subject & { step: 'done'; result: SignResult })
  | (Subject & { step: 'failed'; manifest: Manifest; source: 'registry' | 'typed'; error: string });

export type SignEvent =
  | { type: 'choose-source'; origin: SignOrigin }
  | { type: 'submit-tag'; tag: string }
  | { type: 'resolved'; manifest: Manifest }
  | { type: 'unresolved'; message: string }
  | { type: 'submit-digest'; digest: string }
  | { type: 'submit-size'; size: string }
  | { type: 'submit-location'; location: string }
  | { type: 'planned'; plan: LocalSignPlan }
  | { type: 'progress'; progress: PushView }
  | { type: 'confirm' }
  | { type: 'signed'; result: SignResult }
  | { type: 'error'; message: string }
  /** `draft`: what the step's field holds now (kept, not lost, when going back). */
  | { type: 'back'; draft?: string };

/** The sources the dialog offers, in order; `field` labels where a local one is. */
export const SIGN_ORIGINS: readonly { origin: SignOrigin; label: string; field?: string; example?: string }[] = [
  { origin: 'registry', label: 'Already in the registry' },
  { origin: 'oci', label: 'OCI layout directory', field: 'Directory:', example: 'build/app (or build/app:REF)' },
  { origin: 'oci-archive', label: 'OCI archive', field: 'Archive:', example: 'app.oci.tar' },
  { origin: 'docker-archive', label: 'docker save archive', field: 'Archive:', example: 'app.tar' },
  { origin: 'docker-daemon', label: 'Docker daemon image', field: 'Image:', example: 'app:1.0' },
];

export function signSteps(state: SignState): string[] {
  return ['Source', 'Tag', state.origin === 'registry' ? 'Digest and size' : 'Local image', 'Review', 'Sign'];
}

export function signStepNumber(state: SignState): number {
  return {
    source: 1,
    tag: 2,
    resolving: 3,
    digest: 3,
    size: 3,
    location: 3,
    opening: 3,
    review: 4,
    'local-review': 4,
    signing: 5,
    pushing: 5,
    'push-failed': 5,
    done: 5,
    failed: 5,
  }[state.step];
}

/** The push stored every manifest, the tag's last: only the signing is left. */
export const pushDone = (s: { progress: PushView; plan: LocalSignPlan }): boolean => s.progress.manifests >= s.plan.manifests;

export const signStart = (gun: string, tag = ''): SignState => ({ step: 'source', gun, tag, origin: 'registry' });

// One rule for typed digests and sizes, the CLI's (`sign --digest/--size`).
export { digestProblem, sizeProblem };

/** The `--from` source a location field stands for: `oci:` + what was typed. */
export const fromOf = (origin: LocalSourceKind, location: string): string => `${origin}:${location.trim()}`;

/** What is wrong with a typed location (undefined: it names a source), the CLI's rule for `--from`. */
export function locationProblem(origin: LocalSourceKind, location: string): string | undefined {
  if (location.trim() === '') return `${SIGN_ORIGINS.find((o) => o.origin === origin)!.field!.replace(':', '').toLowerCase()} to push from`;
  return localSourceProblem(fromOf(origin, location));
}

const typed = (s: Subject & { digest: string; size: string; registryProblem?: string }) => ({
  gun: s.gun,
  tag: s.tag,
  origin: s.origin,
  digest: s.digest,
  size: s.size,
  ...(s.registryProblem ? { registryProblem: s.registryProblem } : {}),
});

/** Returns the next state, or null when the dialog is left. */
export function signReducer(state: SignState, event: SignEvent): SignState | null {
  const subject: Subject = { gun: state.gun, tag: state.tag, origin: state.origin, ...(state.location !== undefined ? { location: state.location } : {}) };
  switch (state.step) {
    case 'source':
      if (event.type === 'back') return null;
      if (event.type === 'choose-source') {
        // The location typed for another kind of source does not name this one.
        const kept = event.origin === state.origin && state.location !== undefined ? { location: state.location } : {};
        return { step: 'tag', gun: state.gun, tag: state.tag, origin: event.origin, ...kept };
      }
      return state;
    case 'tag':
      if (event.type === 'back') return { step: 'source', ...subject, tag: event.draft ?? state.tag };
      if (event.type === 'submit-tag') {
        const tag = event.tag.trim();
        if (!/^[\w][\w.-]{0,127}$/.test(tag)) return { ...state, tag: event.tag, error: 'A tag is 1-128 letters, digits, _, . or -, not starting with . or -' };
        if (state.origin === 'registry') return { step: 'resolving', ...subject, tag };
        return { step: 'location', ...subject, origin: state.origin, tag, location: state.location ?? '' };
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
    case 'location': {
      const local = { gun: state.gun, tag: state.tag, origin: state.origin };
      if (event.type === 'back') return { step: 'tag', ...local, location: event.draft ?? state.location };
      if (event.type === 'submit-location') {
        const problem = locationProblem(state.origin, event.location);
        if (problem) return { ...state, location: event.location, error: problem };
        return { step: 'opening', ...local, location: event.location.trim() };
      }
      return state;
    }
    case 'opening': {
      const local = { gun: state.gun, tag: state.tag, origin: state.origin, location: state.location };
      if (event.type === 'planned') return { step: 'local-review', ...local, plan: event.plan };
      // A missing or corrupt image, a host that cannot sign: said where the location is typed.
      if (event.type === 'error') return { step: 'location', ...local, error: event.message };
      if (event.type === 'back') return { step: 'location', ...local };
      return state;
    }
    case 'local-review': {
      const local = { gun: state.gun, tag: state.tag, origin: state.origin, location: state.location };
      if (event.type === 'confirm') return { step: 'pushing', ...local, plan: state.plan, progress: emptyPushView() };
      if (event.type === 'back') return { step: 'location', ...local };
      return state;
    }
    case 'pushing':
      if (event.type === 'progress') return { ...state, progress: event.progress };
      if (event.type === 'signed') return { step: 'done', ...subject, result: event.result };
      if (event.type === 'error') return { step: 'push-failed', gun: state.gun, tag: state.tag, origin: state.origin, location: state.location, plan: state.plan, progress: state.progress, error: event.message };
      // Esc cancels the push (the store aborts it; its end comes as an error). Once the tag is
      // pushed, the signing runs to the end: a publish is not cut half-way.
      if (event.type === 'back' && !pushDone(state)) return { ...state, cancelling: true };
      return state;
    case 'push-failed':
      if (event.type === 'back') {
        return { step: 'local-review', gun: state.gun, tag: state.tag, origin: state.origin, location: state.location, plan: state.plan };
      }
      return state;
    case 'done':
      return event.type === 'back' ? null : state;
    case 'failed':
      if (event.type === 'back') return { step: 'review', ...subject, manifest: state.manifest, source: state.source };
      return state;
  }
}
