// The Policy screen's actions: Enter shows a repository's plan as `policy plan` prints it, a applies
// it behind a confirmation that shows the apply plan (typing the repository's name when it removes
// something or could hide tags), f reads another policy file. The confirmed plan object is the one
// carried out; the result comes from a fresh verified read.
import { DEFAULT_POLICY_FILE } from '../../trust/signing-policy/schema.js';
import { applyActs, toConfirm } from '../../trust/signing-policy/apply.js';
import { applyConfirmationLines, renderApplyResult } from '../../trust/signing-policy/render.js';
import { selectedRow } from '../list.js';
import type { ApplyResult, PolicyRow } from '../services.js';
import type { SliceContext } from '../store.js';

export interface PolicySlice {
  /** The policy file the Policy screen reads (relative to the working directory). */
  policyFile: string;
  showSelectedPolicyPlan(): void;
  applySelectedPolicy(): Promise<void>;
  choosePolicyFile(): void;
}

/** One line for the status bar: what a fresh read shows after apply. */
export function applyOutcomeLine(gun: string, result: ApplyResult): string {
  if (result.failures.length) return `Policy apply failed for ${gun}: ${result.failures[0]!.error}`;
  if (result.requests.length) return `Signing request ${result.requests[0]!.id} opened for ${gun}: ${result.requests[0]!.status}`;
  if (result.inSync) return `${gun} is now in sync with the policy (read back from the server)`;
  const left = result.after.plans.reduce((n, p) => n + p.changes.length, 0);
  return `${gun}: applied what this host can; ${left} difference(s) remain (Enter shows them)`;
}

export function createPolicySlice({ set, get, services, options }: SliceContext): PolicySlice {
  const selected = (mutating: boolean): PolicyRow | undefined => {
    const row = selectedRow(get().lists.policy);
    if (!row) return undefined;
    if (mutating && options.readOnly) {
      set({ status: 'Read-only mode: changes are disabled' });
      return undefined;
    }
    return row;
  };
  return {
    policyFile: DEFAULT_POLICY_FILE,
    showSelectedPolicyPlan() {
      const row = selected(false);
      if (!row) return;
      get().openModal({ kind: 'detail', title: `${row.gun}: ${row.badge}${row.why ? ` (${row.why})` : ''}`, lines: row.planLines });
    },
    async applySelectedPolicy() {
      const row = selected(true);
      if (!row) return;
      const file = get().policyFile;
      let plan: Awaited<ReturnType<typeof services.planPolicyApply>> | undefined;
      await get().runTask(`Planning ${row.gun} against ${file}`, async () => {
        plan = await services.planPolicyApply(file, row.gun);
      });
      if (!plan) return;
      const confirmed = plan;
      if (!applyActs(confirmed)) {
        const reasons = [...new Set(confirmed.repositories.flatMap((r) => r.steps.filter((s) => s.action === 'skip').map((s) => s.reason)))];
        set({ status: reasons.length ? `Nothing this host can apply to ${row.gun}: ${reasons[0]}` : `Nothing to apply to ${row.gun}: it matches the policy (warnings are reported, not applied)` });
        return;
      }
      const changes = applyConfirmationLines(confirmed);
      const run = async () => {
        let result: ApplyResult | undefined;
        await get().runTask(`Applying ${file} to ${row.gun}`, async (signal) => {
          result = await services.runPolicyApply(confirmed, { passphrases: get().passphrases, signal });
          return applyOutcomeLine(row.gun, result);
        });
        await get().trustDataChanged(['policy']);
        if (result) get().openModal({ kind: 'detail', title: `Policy applied to ${row.gun}`, lines: renderApplyResult(result).split('\n') });
      };
      const destructive = toConfirm(confirmed);
      if (destructive.length > 0) {
        get().openModal({ kind: 'type-to-confirm', title: `Apply ${file} to ${row.gun}?`, changes, expected: row.gun, run });
      } else {
        get().openModal({ kind: 'confirm', title: `Apply ${file} to ${row.gun}?`, changes, run });
      }
    },
    choosePolicyFile() {
      get().openModal({
        kind: 'prompt',
        title: 'Policy file',
        label: 'File',
        initial: get().policyFile,
        hint: 'a trust-policy.yaml (write one with: trust-tui policy init --from REPO)',
        validate: (value) => (value.trim() ? undefined : 'give a file name'),
        submit: (value) => {
          set({ policyFile: value.trim() });
          get().resetList('policy');
          void get().load('policy');
        },
      });
    },
  };
}
