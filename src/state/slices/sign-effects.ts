// The work behind the sign dialog's steps (src/state/wizards/sign.ts): ask the registry, open a local
// image, sign, push and sign. Push progress is folded as it comes and handed to the dialog at most
// every PROGRESS_INTERVAL_MS, so a push of many small chunks does not redraw the terminal each time.
import { isCancellation } from '../failure.js';
import type { OperationPorts, Services, SignResult } from '../services.js';
import { fromOf, pushDone, type SignEvent, type SignState } from '../wizards/sign.js';
import { emptyPushView, foldPushEvent, pushTotals, type PushView } from '../wizards/push-view.js';

export const PROGRESS_INTERVAL_MS = 100;

export interface SignEffectDeps {
  services: Services;
  send(event: SignEvent): void;
  ports(): OperationPorts;
  /** The error line a wizard shows. */
  message(e: unknown): string;
  /** After a publish: the status bar line, and the tag lists reloaded. */
  signed(state: SignState, result: SignResult): void;
}

export async function runSignEffect(s: SignState, deps: SignEffectDeps): Promise<void> {
  const { services, send } = deps;
  const failed = (e: unknown) => send({ type: 'error', message: isCancellation(e) ? 'Cancelled: nothing was published' : deps.message(e) });
  const done = (result: SignResult) => {
    send({ type: 'signed', result });
    deps.signed(s, result);
  };
  if (s.step === 'resolving') {
    await services.resolveManifest(s.gun, s.tag).then(
      (manifest) => send({ type: 'resolved', manifest }),
      (e) => send({ type: 'unresolved', message: deps.message(e) }),
    );
  } else if (s.step === 'signing') {
    await services.signTag(s.gun, s.tag, s.manifest, deps.ports()).then(done, failed);
  } else if (s.step === 'opening') {
    await services.planLocalSign(s.gun, s.tag, fromOf(s.origin, s.location)).then(
      (plan) => send({ type: 'planned', plan }),
      (e) => send({ type: 'error', message: deps.message(e) }),
    );
  } else if (s.step === 'pushing') {
    let view = emptyPushView();
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      send({ type: 'progress', progress: view });
    };
    try {
      const result = await services.signLocal(s.plan, deps.ports(), (event) => {
        view = foldPushEvent(view, event);
        timer ??= setTimeout(flush, PROGRESS_INTERVAL_MS);
      });
      if (timer) clearTimeout(timer);
      flush();
      done(result);
    } catch (e) {
      if (timer) clearTimeout(timer);
      flush();
      // Whatever was pushed stays in the registry (a rerun skips it); nothing was signed.
      send({ type: 'error', message: isCancellation(e) ? cancelledPush(s, view) : deps.message(e) });
    }
  }
}

/** What a cancelled push left in the registry: the tag (unsigned), or only blobs a rerun skips. */
export function cancelledPush(s: Extract<SignState, { step: 'pushing' }>, view: PushView): string {
  if (pushDone({ progress: view, plan: s.plan })) {
    return `Cancelled after the push: ${s.gun}:${s.tag} is in the registry but not signed. Sign it with the source "Already in the registry"`;
  }
  const { done } = pushTotals(view);
  const blobs = done === 1 ? '1 blob is' : `${done} blobs are`;
  return `Cancelled: nothing was signed and ${s.gun}:${s.tag} was not pushed; ${blobs} in the registry (a rerun skips them)`;
}
