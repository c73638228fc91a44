import { Box, Text } from 'ink';
import { useState } from 'react';
import type { SweepItem, SweepOutcome, SweepPlan } from '../../state/services.js';
import { sweepGap } from '../../trust/sweep.js';
import { SWEEP_STEPS, sweepStepNumber, sweepSummary, type SweepEvent, type SweepState } from '../../state/wizards/sweep.js';
import { DataTable, type Column } from '../../ui/DataTable.js';
import { ChangeList } from '../../ui/ChangeList.js';
import { combinedImpactLines } from '../../trust/impact.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { shortId } from '../format.js';
import { useStepKeys, WizardFrame } from './WizardFrame.js';

/** Rows the impact takes below the table at most (it scrolls beyond). */
const IMPACT_ROWS = 4;

const HINTS: Record<SweepState['step'], string> = {
  planning: 'Esc: cancel',
  'dry-run': 'Enter: continue   Esc: cancel (nothing changed)',
  confirm: 'Enter: run the sweep   Esc: back',
  running: 'Esc: stop after the current repository',
  report: 'R: rerun (finishes what is left)   Esc: close',
  failed: 'R: try again   Esc: close',
};

const itemColumns: Column<SweepItem>[] = [
  { title: 'Repository', value: (i) => i.gun },
  { title: 'Role', width: 18, value: (i) => i.role },
  { title: 'Keys', width: 16, value: (i) => i.keyIds.map(shortId).join(',') },
  { title: 'Tags', width: 22, value: (i) => `${i.tags.length} (${i.tags.filter((t) => t.losesLastSignature).length} lose last sig)` },
  { title: 'State', width: 9, value: (i) => (i.done ? 'done' : 'pending') },
];

const outcomeColumns: Column<SweepOutcome>[] = [
  { title: 'Repository', value: (o) => o.gun },
  { title: 'Role', width: 18, value: (o) => o.role },
  { title: 'Result', width: 14, value: (o) => o.status, color: (o) => (o.status === 'failed' ? theme.danger : o.status === 'skipped' || o.status === 'requested' ? theme.warning : theme.success) },
  { title: 'Detail', value: (o) => o.message ?? '' },
];

export function SweepWizard({ state, send, height }: { state: SweepState; send(e: SweepEvent): void; height: number }) {
  const subject = 'plan' in state ? state.plan.target : state.target;
  const title = subject.kind === 'key'
      ? `Compromised key ${shortId(subject.keyId)}: sweep every known repository`
      : `Signer ${subject.name} left: remove them from ${subject.gun ?? 'every known repository'}`;
  return (
    <WizardFrame title={title} steps={SWEEP_STEPS} step={sweepStepNumber(state)} hints={HINTS[state.step]} height={height}>
      <Body state={state} send={send} tableHeight={Math.max(3, height - 12)} />
    </WizardFrame>
  );
}

function Body({ state, send, tableHeight }: { state: SweepState; send(e: SweepEvent): void; tableHeight: number }) {
  useStepKeys(
    (input, key) => {
      if (key.escape) send({ type: 'back' });
      else if (key.return) send({ type: 'next' });
      else if (input === 'R') send({ type: 'rerun' });
    },
    state.step !== 'confirm',
  );
  switch (state.step) {
    case 'planning':
      return <Spinner label="Finding every repository, role and tag the key touches (dry run)" />;
    case 'dry-run': {
      const summary = sweepSummary(state.plan);
      // What docker pull would do afterwards, per repository: scrolls with ↑/↓ when it does not fit.
      const impact = combinedImpactLines(state.plan.impacts ?? []);
      const impactRows = Math.min(impact.length, IMPACT_ROWS);
      return (
        <>
          <DataTable columns={itemColumns} rows={state.plan.items} cursor={-1} height={Math.max(3, tableHeight - impactRows)} rowKey={(i) => `${i.gun} ${i.role}`} empty={<Text>  The key is not used in any repository that could be read.</Text>} />
          {impactRows > 0 && <ChangeList changes={impact} rows={impactRows} />}
          <Text>
            {summary.changes} change(s) pending in {summary.repositories} repositories; {summary.signatures} tag signature(s) removed,{' '}
            {summary.tagsLosingLast} tag(s) lose their last valid signature.
          </Text>
          {state.plan.unreadable.length > 0 && (
            <Text color={theme.warning}>
              {glyph.error} Not read, so not swept ({state.plan.unreadable.length}): {state.plan.unreadable.map((u) => `${u.gun} (${u.problem}${u.hint ? `; ${u.hint.ui}` : ''})`).join('; ')}
            </Text>
          )}
          {summary.changes === 0 &&
            (sweepGap(state.plan) ? (
              <Text color={theme.warning}>Nothing to do in the repositories that could be read; {sweepGap(state.plan)}.</Text>
            ) : (
              <Text color={theme.success}>{glyph.ok} Nothing left to do.</Text>
            ))}
        </>
      );
    }
    case 'confirm':
      return <ConfirmStep expected={state.plan.confirmText} error={state.error} send={send} />;
    case 'running':
      return (
        <>
          {state.progress ? (
            <Spinner label={`Sweeping ${state.progress.index}/${state.progress.total}: ${state.progress.gun}`} />
          ) : (
            <Spinner label="Starting the sweep" />
          )}
          {state.stopping && <Text color={theme.warning}>Stopping after the current repository…</Text>}
        </>
      );
    case 'report': {
      const failed = state.outcomes.filter((o) => o.status === 'failed').length;
      const requested = state.outcomes.filter((o) => o.status === 'requested').length;
      return (
        <>
          <DataTable columns={outcomeColumns} rows={state.outcomes} cursor={-1} height={tableHeight} rowKey={(o) => `${o.gun} ${o.role}`} />
          <Text color={failed || requested || state.interrupted || sweepGap(state.plan) ? theme.warning : theme.success}>
            {state.interrupted ? 'Stopped before the end: press R to finish the rest. ' : ''}
            {failed
              ? `${failed} failed: press R to retry them.`
              : state.interrupted
                ? ''
                : requested
                  ? `${requested} waiting on a signing request (the Requests screen): the signer goes once it is submitted.`
                  : completion(state.plan)}
          </Text>
        </>
      );
    }
    case 'failed':
      return <Text color={theme.danger}>{glyph.error} {state.error}</Text>;
  }
}

function ConfirmStep({ expected, error, send }: { expected: string; error?: string; send(e: SweepEvent): void }) {
  const [typed, setTyped] = useState('');
  return (
    <Box flexDirection="column">
      <Text color={theme.danger} bold>
        ⚠ This removes the key from every role listed and publishes each repository. It cannot be undone.
      </Text>
      <Text>
        Type <Text bold>{expected}</Text> to confirm, or press Esc to go back.
      </Text>
      <TextInput label=">" value={typed} priority={Priority.ModalText} onChange={setTyped} onSubmit={(value) => send({ type: 'confirm', typed: value })} onCancel={() => send({ type: 'back' })} />
      {error && <Text color={theme.danger}>{glyph.error} {error}</Text>}
    </Box>
  );
}

/** The last word of a sweep that ran to the end: complete only when it read every repository. */
function completion(plan: SweepPlan): string {
  const gap = sweepGap(plan);
  return gap ? `Swept every repository that could be read. ${gap}.` : `${glyph.ok} Sweep complete.`;
}
