// The one modal on top (a discriminated union the DialogManager renders), the error banner, the
// busy spinner and the status line. `runTask` is how every long operation reports itself.
import { describeFailure, isCancellation, type Failure } from '../failure.js';
import type { DestructivePlan } from '../services.js';
import type { SliceContext } from '../store.js';

export type Modal =
  | { kind: 'help' }
  | {
      /** High impact: Enter works only once `expected` is typed exactly. */
      kind: 'type-to-confirm';
      title: string;
      changes: readonly string[];
      expected: string;
      run: () => Promise<void>;
    }
  /** A destructive change: the dialog shows this plan, and confirming carries out exactly it. */
  | { kind: 'plan'; plan: DestructivePlan }
  | { kind: 'confirm'; title: string; changes: readonly string[]; run: () => Promise<void> }
  | {
      kind: 'prompt';
      title: string;
      label: string;
      initial: string;
      hint?: string;
      /** Why the value cannot be used (shown as it is typed; Enter waits until it is fixed). */
      validate?: (value: string) => string | undefined;
      submit: (value: string) => Promise<void> | void;
    }
  | { kind: 'choose'; title: string; options: readonly { label: string; value: string }[]; choose: (value: string) => void }
  | { kind: 'detail'; title: string; lines: readonly string[] };

export interface BusyState {
  label: string;
  /** Esc stops the operation (at its next safe point). */
  abort?: () => void;
}

export interface DialogSlice {
  modal: Modal | null;
  banner: Failure | null;
  busy: BusyState | null;
  status: string;
  openModal(modal: Modal): void;
  closeModal(): void;
  /** Enter in a confirm dialog: type-to-confirm checks the text first. Returns false when refused. */
  confirmModal(typed?: string): Promise<boolean>;
  showFailure(failure: Failure): void;
  dismissBanner(): void;
  setStatus(message: string): void;
  /** Runs `work` with a spinner labelled `label`; failures become the banner. Resolves true on success. */
  runTask(label: string, work: (signal: AbortSignal) => Promise<string | void>): Promise<boolean>;
}

export function createDialogSlice({ set, get }: SliceContext): DialogSlice {
  return {
    modal: null,
    banner: null,
    busy: null,
    status: '',
    openModal: (modal) => set({ modal }),
    closeModal: () => set({ modal: null }),
    async confirmModal(typed) {
      const modal = get().modal;
      if (!modal || (modal.kind !== 'type-to-confirm' && modal.kind !== 'confirm' && modal.kind !== 'plan')) return false;
      if (modal.kind === 'type-to-confirm' && typed !== modal.expected) return false;
      if (modal.kind === 'plan' && (modal.plan.refusal !== undefined || typed !== modal.plan.confirmText)) return false;
      set({ modal: null });
      if (modal.kind === 'plan') await get().executePlan(modal.plan);
      else await modal.run();
      return true;
    },
    showFailure: (banner) => set({ banner }),
    dismissBanner: () => set({ banner: null }),
    setStatus: (status) => set({ status }),
    async runTask(label, work) {
      const running = get().busy;
      if (running) {
        set({ status: `Wait for: ${running.label}` });
        return false;
      }
      const controller = new AbortController();
      set({ busy: { label, abort: () => controller.abort() }, banner: null });
      try {
        const done = await work(controller.signal);
        set({ status: done ?? '' });
        return true;
      } catch (e) {
        if (isCancellation(e) || controller.signal.aborted) set({ status: `Cancelled: ${label}` });
        else set({ banner: describeFailure(e) });
        return false;
      } finally {
        set({ busy: null });
      }
    },
  };
}
