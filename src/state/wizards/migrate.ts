// Moving a repository to another Notary server, as a pure state machine: destination URL (and the
// source: its server, or this host's cache) -> planning -> the plan as preview (the dry run) ->
// confirm -> running with progress -> report. The plan object the preview shows is the one the
// confirmation names and the run carries out.
import type { MigrationOutcome, MigrationPlan, MigrationProgress } from '../services.js';

export interface MigrateRequest {
  gun: string;
  to: string;
  /** Read the source from this host's cache (the server is gone) instead of its server. */
  fromCache: boolean;
  /** Re-sign expired targets roles on the way. */
  renewExpired: boolean;
}

export type MigrateState =
  | { step: 'destination'; request: MigrateRequest; error?: string }
  | { step: 'planning'; request: MigrateRequest }
  | { step: 'preview'; request: MigrateRequest; plan: MigrationPlan }
  | { step: 'confirm'; request: MigrateRequest; plan: MigrationPlan }
  | { step: 'running'; request: MigrateRequest; plan: MigrationPlan; progress?: MigrationProgress }
  | { step: 'report'; request: MigrateRequest; plan: MigrationPlan; outcomes: readonly MigrationOutcome[] }
  | { step: 'failed'; request: MigrateRequest; error: string };

export type MigrateEvent =
  | { type: 'destination'; to: string }
  | { type: 'toggle-source' }
  | { type: 'toggle-renew' }
  | { type: 'planned'; plan: MigrationPlan }
  | { type: 'next' }
  | { type: 'progress'; progress: MigrationProgress }
  | { type: 'finished'; outcomes: readonly MigrationOutcome[] }
  | { type: 'error'; message: string }
  | { type: 'back' };

export const MIGRATE_STEPS = ['Destination', 'Plan', 'Confirm', 'Run', 'Report'];

export function migrateStepNumber(state: MigrateState): number {
  return { destination: 1, planning: 2, preview: 2, confirm: 3, running: 4, report: 5, failed: 5 }[state.step];
}

export const migrateStart = (gun: string, fromCache = false): MigrateState => ({
  step: 'destination',
  request: { gun, to: '', fromCache, renewExpired: false },
});

/** Repositories the run would publish (neither blocked nor already there). */
export function pendingMigrations(plan: MigrationPlan) {
  return plan.repositories.filter((r) => r.action === 'migrate' || r.action === 'resume');
}

// Whether the URL can be used is src/trust's rule (connect), checked when the plan is made.
function checkUrl(text: string): string | undefined {
  return text.trim() ? undefined : 'Type the URL of the destination trust server';
}

export function migrateReducer(state: MigrateState, event: MigrateEvent): MigrateState | null {
  switch (state.step) {
    case 'destination':
      if (event.type === 'back') return null;
      if (event.type === 'toggle-source') return { ...state, request: { ...state.request, fromCache: !state.request.fromCache } };
      if (event.type === 'destination') {
        const error = checkUrl(event.to);
        const request = { ...state.request, to: event.to.trim() };
        return error ? { step: 'destination', request, error } : { step: 'planning', request };
      }
      return state;
    case 'planning':
      if (event.type === 'planned') return { step: 'preview', request: state.request, plan: event.plan };
      if (event.type === 'error') return { step: 'failed', request: state.request, error: event.message };
      if (event.type === 'back') return { step: 'destination', request: state.request };
      return state;
    case 'preview':
      if (event.type === 'back') return { step: 'destination', request: state.request };
      // A plan with nothing to publish needs no confirmation.
      if (event.type === 'next' && pendingMigrations(state.plan).length > 0) return { step: 'confirm', request: state.request, plan: state.plan };
      if (event.type === 'toggle-renew') return { step: 'planning', request: { ...state.request, renewExpired: !state.request.renewExpired } };
      return state;
    case 'confirm':
      if (event.type === 'back') return { step: 'preview', request: state.request, plan: state.plan };
      if (event.type === 'next') return { step: 'running', request: state.request, plan: state.plan };
      return state;
    case 'running':
      if (event.type === 'progress') return { ...state, progress: event.progress };
      if (event.type === 'finished') return { step: 'report', request: state.request, plan: state.plan, outcomes: event.outcomes };
      if (event.type === 'error') return { step: 'failed', request: state.request, error: event.message };
      return state;
    case 'report':
    case 'failed':
      if (event.type === 'back') return null;
      return state;
  }
}
