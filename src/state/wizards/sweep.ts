// The compromised-key sweep as a pure state machine: planning -> dry-run table -> type the short key
// id (or signer name) -> running with progress (Esc stops between repositories) -> report. A rerun
// plans again; the plan marks items an earlier run finished, so the sweep completes where it stopped.
import type { SweepOutcome, SweepPlan, SweepProgress, SweepTarget } from '../services.js';

export type SweepState =
  | { step: 'planning'; target: SweepTarget }
  | { step: 'dry-run'; plan: SweepPlan }
  | { step: 'confirm'; plan: SweepPlan; error?: string }
  | { step: 'running'; plan: SweepPlan; progress?: SweepProgress; stopping: boolean }
  | { step: 'report'; plan: SweepPlan; outcomes: readonly SweepOutcome[]; interrupted: boolean }
  | { step: 'failed'; target: SweepTarget; error: string };

export type SweepEvent =
  | { type: 'planned'; plan: SweepPlan }
  | { type: 'next' }
  | { type: 'confirm'; typed: string }
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'stop' }
  | { type: 'finished'; outcomes: readonly SweepOutcome[]; interrupted: boolean }
  | { type: 'rerun' }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const SWEEP_STEPS = ['Dry run', 'Confirm', 'Run', 'Report'];

export function sweepStepNumber(state: SweepState): number {
  return { planning: 1, 'dry-run': 1, confirm: 2, running: 3, report: 4, failed: 4 }[state.step];
}

export const sweepStart = (target: SweepTarget): SweepState => ({ step: 'planning', target });

export function pendingItems(plan: SweepPlan) {
  return plan.items.filter((item) => !item.done);
}

export interface SweepSummary {
  changes: number;
  repositories: number;
  /** Signatures removed: one per tag per role. */
  signatures: number;
  /** Distinct tags (per repository) that lose their last valid signature. */
  tagsLosingLast: number;
}

/** The dry run's totals over pending items; a tag held by several roles counts once. */
export function sweepSummary(plan: SweepPlan): SweepSummary {
  const pending = pendingItems(plan);
  const losing = new Set(pending.flatMap((i) => i.tags.filter((t) => t.losesLastSignature).map((t) => `${i.gun}\n${t.tag}`)));
  return {
    changes: pending.length,
    repositories: new Set(pending.map((i) => i.gun)).size,
    signatures: pending.reduce((n, i) => n + i.tags.length, 0),
    tagsLosingLast: losing.size,
  };
}

/** The run stopped early when a repository was left for a rerun (Esc during the last one stops nothing). */
export function sweepInterrupted(outcomes: readonly SweepOutcome[]): boolean {
  return outcomes.some((o) => o.status === 'skipped');
}

export function sweepReducer(state: SweepState, event: SweepEvent): SweepState | null {
  switch (state.step) {
    case 'planning':
      if (event.type === 'planned') return { step: 'dry-run', plan: event.plan };
      if (event.type === 'error') return { step: 'failed', target: state.target, error: event.message };
      if (event.type === 'back') return null;
      return state;
    case 'dry-run':
      if (event.type === 'back') return null;
      // Nothing left to do: no confirmation needed for a no-op.
      if (event.type === 'next' && pendingItems(state.plan).length > 0) return { step: 'confirm', plan: state.plan };
      return state;
    case 'confirm':
      if (event.type === 'back') return { step: 'dry-run', plan: state.plan };
      if (event.type === 'confirm') {
        if (event.typed !== state.plan.confirmText) return { ...state, error: `Type exactly ${state.plan.confirmText}` };
        return { step: 'running', plan: state.plan, stopping: false };
      }
      return state;
    case 'running':
      if (event.type === 'progress') return { ...state, progress: event.progress };
      if (event.type === 'stop' || event.type === 'back') return { ...state, stopping: true };
      if (event.type === 'finished') return { step: 'report', plan: state.plan, outcomes: event.outcomes, interrupted: event.interrupted };
      if (event.type === 'error') return { step: 'failed', target: state.plan.target, error: event.message };
      return state;
    case 'report':
      if (event.type === 'rerun') return { step: 'planning', target: state.plan.target };
      if (event.type === 'back') return null;
      return state;
    case 'failed':
      if (event.type === 'rerun') return { step: 'planning', target: state.target };
      if (event.type === 'back') return null;
      return state;
  }
}
