// The shape of every list screen: a title with the n/N count and the filter line, then the table.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useApp, useAppStore } from '../state/context.js';
import type { ListState } from '../state/list.js';
import type { ListId } from '../state/slices/lists.js';
import { DataTable, type Column } from '../ui/DataTable.js';
import type { ScreenId } from '../state/slices/navigation.js';
import { TextInput } from '../ui/TextInput.js';
import { truncateMiddle } from '../ui/columns.js';
import { glyph, theme } from '../ui/theme.js';
import { useTerminalSize } from '../ui/useTerminalSize.js';
import { useListKeys, type ScreenCommands } from './useListKeys.js';

/** Lines a list screen uses besides its rows: the title line and the table header. */
export const LIST_CHROME = 2;

export interface ListScreenProps<Row> {
  screen: ScreenId;
  list: ListId;
  title: string;
  /** What the list holds, plural ("tags"), for the empty-filter message. */
  noun: string;
  columns: readonly Column<Row>[];
  rowKey(row: Row): string;
  commands: ScreenCommands;
  height: number;
  /** Shown when the list is empty (no filter): what to do next. */
  emptyHint: ReactNode;
}

export function ListScreen<Row>({ screen, list, title, noun, columns, rowKey, commands, height, emptyHint }: ListScreenProps<Row>) {
  const store = useAppStore();
  const { columns: width } = useTerminalSize();
  const state = useApp((s) => s.lists[list]) as ListState<Row>;
  const tableHeight = Math.max(1, height - LIST_CHROME);
  useListKeys(screen, list, commands, tableHeight, !state.filtering);
  const count = state.filter ? `${state.view.length}/${state.rows.length}` : `${state.rows.length}`;
  // Reading the list again failed: the rows are the last ones read and say nothing about now.
  const stale = state.status === 'error' && state.rows.length > 0;
  // Not loaded yet is loading too: "nothing here" is said only once the list has been read.
  // Indented by the box, not by spaces: a line that wraps at a narrow width keeps the indent.
  const empty = (
    <Box paddingLeft={2}>
      {(state.status === 'loading' || state.status === 'idle') && state.rows.length === 0 ? (
        <Text color={theme.muted}>Loading {noun}…</Text>
      ) : state.status === 'error' && state.rows.length === 0 ? (
        <Text color={theme.danger}>Could not load {noun}: {state.error}. Press r to retry.</Text>
      ) : state.filter ? (
        <Text>No {noun} match '{state.filter}'. Esc clears the filter.</Text>
      ) : (
        emptyHint
      )}
    </Box>
  );
  // Long repository names in the title are shortened in the middle, so the count stays visible.
  // A summary (the Signers screen's releases k of n) is kept whole: the title shortens instead.
  const summaryWidth = state.summary ? [...state.summary].length + 2 : 0;
  const heading = `${truncateMiddle(title, Math.max(10, width - count.length - 4 - summaryWidth - (state.note ? 24 : 0)))} (${count})`;
  // While filtering, the title gives way to the filter field (at most half the line).
  const filterWidth = Math.max(12, Math.min(width - 2 - Math.min([...heading].length, 20), Math.floor(width / 2)));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box width={width}>
        <Box flexShrink={1}>
          <Text wrap="truncate-end">
            <Text bold>{heading}</Text>
            {state.summary ? <Text>  {state.summary}</Text> : null}
            {state.status === 'loading' && state.progress ? (
              <Text color={theme.muted}>
                {' '}
                loading… {state.progress.done} of {state.progress.total} roles verified
              </Text>
            ) : state.status === 'loading' && state.rows.length > 0 ? (
              <Text color={theme.muted}> refreshing…</Text>
            ) : null}
            {!state.filtering && state.filter ? <Text color={theme.muted}>  filter: /{state.filter}</Text> : null}
            {stale ? <Text color={theme.danger}>  {glyph.error} not current, could not be read again: {state.error}</Text> : null}
            {state.note ? <Text color={theme.warning}>  ⚠ {state.note}</Text> : null}
          </Text>
        </Box>
        {state.filtering ? (
          <Box marginLeft={2} flexShrink={0} width={filterWidth}>
            <TextInput
              label="/"
              compact
              width={filterWidth}
              value={state.filter}
              onChange={(text) => store.getState().setFilter(list, text)}
              onSubmit={() => store.getState().closeFilter(list)}
              onCancel={() => store.getState().clearFilter(list)}
            />
          </Box>
        ) : null}
      </Box>
      <DataTable columns={columns} rows={state.view} cursor={state.cursor} height={tableHeight} width={width} rowKey={rowKey} empty={empty} stale={stale} />
    </Box>
  );
}
