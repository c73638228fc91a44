// The shape of every list screen: a title with the n/N count and the filter line, then the table.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useApp, useAppStore } from '../state/context.js';
import type { ListState } from '../state/list.js';
import type { ListId } from '../state/slices/lists.js';
import { DataTable, type Column } from '../ui/DataTable.js';
import type { ScreenId } from '../state/slices/navigation.js';
import { TextInput } from '../ui/TextInput.js';
import { theme } from '../ui/theme.js';
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
  const state = useApp((s) => s.lists[list]) as ListState<Row>;
  const tableHeight = Math.max(1, height - LIST_CHROME);
  useListKeys(screen, list, commands, tableHeight, !state.filtering);
  const count = state.filter ? `${state.view.length}/${state.rows.length}` : `${state.rows.length}`;
  const empty = state.status === 'loading' && state.rows.length === 0 ? (
    <Text color={theme.muted}>  Loading {noun}…</Text>
  ) : state.status === 'error' && state.rows.length === 0 ? (
    <Text color={theme.danger}>  Could not load {noun}: {state.error}. Press r to retry.</Text>
  ) : state.filter ? (
    <Text>  No {noun} match '{state.filter}'. Esc clears the filter.</Text>
  ) : (
    <Box paddingLeft={2}>{emptyHint}</Box>
  );
  return (
    <Box flexDirection="column" width="100%" height={height}>
      <Box>
        <Text bold>
          {title} ({count})
        </Text>
        {state.status === 'loading' && state.rows.length > 0 && <Text color={theme.muted}> refreshing…</Text>}
        {state.filtering ? (
          <Box marginLeft={2}>
            <TextInput
              label="/"
              compact
              value={state.filter}
              onChange={(text) => store.getState().setFilter(list, text)}
              onSubmit={() => store.getState().closeFilter(list)}
              onCancel={() => store.getState().clearFilter(list)}
            />
          </Box>
        ) : state.filter ? (
          <Text color={theme.muted}>  filter: /{state.filter}</Text>
        ) : null}
      </Box>
      <DataTable columns={columns} rows={state.view} cursor={state.cursor} height={tableHeight} rowKey={rowKey} empty={empty} />
    </Box>
  );
}
