// Moving a repository to another trust server: destination, the plan (dry run) as preview, confirm,
// progress, result with every tag's signers on both sides.
import { Box, Text } from 'ink';
import { useState } from 'react';
import type { MigrationOutcome, MigrationPlan, RepositoryMigration, TagSigners } from '../../state/services.js';
import { MIGRATE_STEPS, migrateStepNumber, pendingMigrations, type MigrateEvent, type MigrateState } from '../../state/wizards/migrate.js';
import { DataTable, type Column } from '../../ui/DataTable.js';
import { Priority, useKeypress } from '../../ui/input.js';
import { ScrollText, wrapLine, type ScrollLine } from '../../ui/ScrollText.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { useTerminalSize } from '../../ui/useTerminalSize.js';
import { Field, useStepKeys, WizardFrame } from './WizardFrame.js';

// One row each at 60 columns, so the keys stay on screen.
const HINTS: Record<MigrateState['step'], string> = {
  destination: 'Enter: read both sides  Tab: switch source  Esc: cancel',
  planning: 'Esc: back',
  preview: 'Enter: continue   R: renew expired (on/off)   Esc: back',
  confirm: 'Enter: publish to the destination   Esc: back',
  running: 'publishing…',
  report: 'Esc / Enter: close',
  failed: 'Esc / Enter: close',
};

interface TagRow {
  tag: string;
  digest: string;
  source: string;
  destination: string;
}

function tagRows(source: readonly TagSigners[], destination: readonly TagSigners[] | undefined): TagRow[] {
  const names = [...new Set([...source.map((t) => t.tag), ...(destination ?? []).map((t) => t.tag)])].sort();
  return names.map((tag) => {
    const s = source.find((t) => t.tag === tag);
    const d = destination?.find((t) => t.tag === tag);
    return { tag, digest: (s ?? d)!.digest.slice(0, 12), source: s ? s.signers.join(', ') : '-', destination: d ? d.signers.join(', ') : '-' };
  });
}

const tagColumns: Column<TagRow>[] = [
  { title: 'Tag', width: 14, value: (r) => r.tag },
  { title: 'Digest', width: 14, value: (r) => r.digest },
  { title: 'Signers at source', value: (r) => r.source },
  { title: 'At destination', value: (r) => r.destination, color: (r) => (r.destination !== '-' && r.destination !== r.source ? theme.danger : undefined) },
];

/** Rows of the wizard frame besides the body: border, title and gap, step and gap, gap and keys. */
const FRAME_ROWS = 2 + 2 + 2 + 2;

/** The body's room: rows for it, and the width inside the border and padding. */
interface Room {
  rows: number;
  width: number;
}

export function MigrateWizard({ state, send, height }: { state: MigrateState; send(e: MigrateEvent): void; height: number }) {
  const { columns } = useTerminalSize();
  const room = { rows: Math.max(2, height - FRAME_ROWS), width: columns - 4 };
  return (
    <WizardFrame title={`Move ${state.request.gun} to another trust server`} steps={MIGRATE_STEPS} step={migrateStepNumber(state)} hints={HINTS[state.step]} height={height}>
      <Body state={state} send={send} tableHeight={Math.max(3, height - 16)} room={room} />
    </WizardFrame>
  );
}

/** Whether `lines` take more rows than the body has: then they scroll instead of the tables. */
function tooTall(lines: readonly ScrollLine[], room: Room): boolean {
  return lines.reduce((n, l) => n + wrapLine(l.text, room.width).length, 0) > room.rows;
}

function tagLines(rows: readonly TagRow[]): ScrollLine[] {
  if (rows.length === 0) return [{ text: '  No signed tags.' }];
  return rows.map((r) => ({ text: `  ${r.tag}  ${r.digest}  ${r.source} → ${r.destination}`, color: r.destination !== '-' && r.destination !== r.source ? theme.danger : undefined }));
}

function previewLines(plan: MigrationPlan, renew: boolean): ScrollLine[] {
  // What will happen first; where from and to after the tags.
  const lines: ScrollLine[] = [];
  for (const item of plan.repositories) {
    lines.push(actionLine(item));
    for (const e of item.expired) lines.push({ text: expiredText(e), color: e.outcome === 'blocks' ? theme.warning : theme.muted });
    for (const sk of item.skipped) lines.push({ text: `${sk.role} is not moved: ${sk.problem}`, color: theme.warning });
    if (item.sourceRootVersion !== undefined) lines.push({ text: '  Tag, digest, signers at source → at destination', color: theme.muted }, ...tagLines(tagRows(item.source, item.destination)));
  }
  if (renew) lines.push({ text: 'Expired targets roles are re-signed on the way (R: off).', color: theme.muted });
  lines.push({ text: `From ${plan.repositories.length === 1 && plan.repositories[0]!.sourceUrl ? plan.repositories[0]!.sourceUrl : plan.from}`, color: theme.muted }, { text: `To ${plan.to}`, color: theme.muted });
  return lines;
}

function reportLines(plan: MigrationPlan, outcomes: readonly MigrationOutcome[]): ScrollLine[] {
  const lines: ScrollLine[] = [];
  for (const o of outcomes) lines.push(outcomeLine(o), ...tagLines(tagRows(o.source, o.destination)));
  if (outcomes.some((o) => o.status === 'migrated' || o.status === 'already-migrated')) {
    lines.push({ text: `Point clients at ${plan.to}:`, bold: true }, ...plan.clientAdvice.map((a) => ({ text: a, color: theme.muted })));
  }
  return lines;
}

function expiredText(e: { role: string; expires: string; outcome: string }): string {
  return `${e.role} expired on ${e.expires.slice(0, 10)}: ${e.outcome === 'replaced' ? 'replaced by the destination' : e.outcome === 'renewed' ? 're-signed on the way' : 'blocks it (R renews it on the way)'}`;
}

function sourceText(fromCache: boolean): string {
  return fromCache ? "this host's cached, verified trust data (the server is gone)" : 'its trust server';
}

function Body({ state, send, tableHeight, room }: { state: MigrateState; send(e: MigrateEvent): void; tableHeight: number; room: Room }) {
  useStepKeys(
    (input, key) => {
      if (key.escape) send({ type: 'back' });
      else if (key.return) send({ type: state.step === 'report' || state.step === 'failed' ? 'back' : 'next' });
      else if (input === 'R' && state.step === 'preview') send({ type: 'toggle-renew' });
    },
    state.step !== 'destination',
  );
  switch (state.step) {
    case 'destination':
      return <Destination state={state} send={send} />;
    case 'planning':
      return <Spinner label={`Reading and verifying ${state.request.gun} at the source and at ${state.request.to} (dry run)`} />;
    case 'preview': {
      const lines = previewLines(state.plan, state.request.renewExpired);
      if (tooTall(lines, room)) return <ScrollText key="preview" lines={lines} width={room.width} rows={room.rows} />;
      return <Preview plan={state.plan} renew={state.request.renewExpired} tableHeight={tableHeight} />;
    }
    case 'confirm': {
      const pending = pendingMigrations(state.plan);
      const question = `${glyph.next} Publish ${pending.map((r) => r.gun).join(', ')} to ${state.plan.to}?`;
      const details: ScrollLine[] = [
        { text: "Root is re-signed with this host's root key (the passphrase dialog asks), listing the destination's timestamp and snapshot keys." },
        { text: 'Targets and signer files are uploaded byte for byte: nobody signs again. The source is not changed.' },
      ];
      // The question first; on a short terminal the explanation scrolls in below it.
      return <ScrollText key="confirm" lines={[{ text: question, color: theme.warning, bold: true }, ...details]} width={room.width} rows={room.rows} />;
    }
    case 'running':
      return <Spinner label={state.progress ? `${state.progress.gun}: ${state.progress.step}` : 'Starting'} />;
    case 'report': {
      const lines = reportLines(state.plan, state.outcomes);
      if (tooTall(lines, room)) return <ScrollText key="report" lines={lines} width={room.width} rows={room.rows} />;
      return <Report plan={state.plan} outcomes={state.outcomes} tableHeight={tableHeight} />;
    }
    case 'failed':
      return <Text color={theme.danger}>{glyph.error} {state.error}</Text>;
  }
}

function Destination({ state, send }: { state: Extract<MigrateState, { step: 'destination' }>; send(e: MigrateEvent): void }) {
  const [value, setValue] = useState(state.request.to);
  // Tab switches the source while the field keeps every other key.
  useKeypress(
    (_input, key) => {
      if (!key.tab) return false;
      send({ type: 'toggle-source' });
      return true;
    },
    { priority: Priority.ModalText + 1 },
  );
  return (
    <Box flexDirection="column">
      <TextInput
        label="Destination server URL:"
        value={value}
        placeholder="https://notary.example.com"
        priority={Priority.ModalText}
        onChange={setValue}
        onSubmit={(to) => send({ type: 'destination', to })}
        onCancel={() => send({ type: 'back' })}
      />
      <Field label="Source">{sourceText(state.request.fromCache)}</Field>
      {state.error && <Text color={theme.danger}>{glyph.error} {state.error}</Text>}
    </Box>
  );
}

function actionLine(item: RepositoryMigration): { text: string; color?: string | undefined } {
  const roots = `root v${item.rootVersions.join(', v')}`;
  switch (item.action) {
    case 'migrate':
      return { text: `${glyph.next} Will publish ${roots} and ${item.unchangedRoles.length} targets file(s) unchanged${item.renewedRoles.length ? `; renew ${item.renewedRoles.join(', ')}` : ''}` };
    case 'resume':
      return { text: `${glyph.next} Partly there from an earlier run: will publish ${roots}` };
    case 'already-migrated':
      return {
        text: item.note ? `${glyph.ok} Already migrated, ${item.note}. Nothing to do.` : `${glyph.ok} Already migrated: the destination holds the same verified trust data. Nothing to do.`,
        color: theme.success,
      };
    case 'blocked':
      return { text: `${glyph.error} Cannot migrate: ${item.problem ?? ''}${item.hint ? `; ${item.hint.ui}` : ''}`, color: theme.danger };
  }
}

function Preview({ plan, renew, tableHeight }: { plan: MigrationPlan; renew: boolean; tableHeight: number }) {
  return (
    <Box flexDirection="column">
      <Field label="From">{plan.repositories.length === 1 && plan.repositories[0]!.sourceUrl ? plan.repositories[0]!.sourceUrl : plan.from}</Field>
      <Field label="To">{plan.to}</Field>
      {plan.repositories.map((item) => {
        const line = actionLine(item);
        return (
          <Box key={item.gun} flexDirection="column">
            <Text color={line.color}>{line.text}</Text>
            {item.expired.map((e) => (
              <Text key={e.role} color={e.outcome === 'blocks' ? theme.warning : theme.muted}>
                {expiredText(e)}
              </Text>
            ))}
            {item.skipped.map((s) => (
              <Text key={s.role} color={theme.warning}>
                {s.role} is not moved: {s.problem}
              </Text>
            ))}
            {item.sourceRootVersion !== undefined && (
              <DataTable columns={tagColumns} rows={tagRows(item.source, item.destination)} cursor={-1} height={tableHeight} rowKey={(r) => r.tag} empty={<Text>  No signed tags.</Text>} />
            )}
          </Box>
        );
      })}
      {renew && <Text color={theme.muted}>Expired targets roles are re-signed on the way (R: off).</Text>}
    </Box>
  );
}

function outcomeLine(o: MigrationOutcome): { text: string; color: string | undefined } {
  switch (o.status) {
    case 'migrated':
      return { text: `${glyph.ok} Migrated: the destination serves root v${o.rootVersion} and ${o.destination?.length ?? 0} signed tag(s), read back from scratch`, color: theme.success };
    case 'already-migrated':
      return { text: `${glyph.ok} Already migrated: nothing was changed${o.message ? ` (${o.message})` : ''}`, color: theme.success };
    default:
      return { text: `${glyph.error} ${o.status}: ${o.message ?? ''}`, color: theme.danger };
  }
}

function Report({ plan, outcomes, tableHeight }: { plan: MigrationPlan; outcomes: readonly MigrationOutcome[]; tableHeight: number }) {
  const done = outcomes.some((o) => o.status === 'migrated' || o.status === 'already-migrated');
  return (
    <Box flexDirection="column">
      {outcomes.map((o) => {
        const line = outcomeLine(o);
        return (
          <Box key={o.gun} flexDirection="column">
            <Text color={line.color}>{line.text}</Text>
            <DataTable columns={tagColumns} rows={tagRows(o.source, o.destination)} cursor={-1} height={tableHeight} rowKey={(r) => r.tag} empty={<Text>  No signed tags.</Text>} />
          </Box>
        );
      })}
      {done && (
        <>
          <Text bold>Point clients at {plan.to}:</Text>
          {plan.clientAdvice.map((a) => (
            <Text key={a} color={theme.muted}>
              {a}
            </Text>
          ))}
        </>
      )}
    </Box>
  );
}
