// An interactive table that renders only the rows in view (a 100,000-row list costs the same as a
// 20-row one). The cursor row shows the ❯ glyph and inverse video, so it stays visible without colour.
// Every line is laid out here to exactly the width given (src/ui/columns.ts): the header never wraps,
// rows never overlap, and columns that do not fit are hidden, least important first.
import { Box, Text } from 'ink';
import { memo, useMemo, useRef, type ReactNode } from 'react';
import { fitCell, fitColumns, type ColumnShape } from './columns.js';
import { glyph } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';
import { viewportStart } from './viewport.js';

export interface Column<Row> extends ColumnShape {
  title: string;
  align?: 'left' | 'right';
  /** `middle` for names whose end tells them apart (repositories, paths). */
  shorten?: 'end' | 'middle';
  value(row: Row): string;
  /** The cell text for a given width, when shortening needs more than cutting (lists of names). */
  fit?(row: Row, width: number): string;
  color?(row: Row): string | undefined;
}

export interface DataTableProps<Row> {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  cursor: number;
  /** Lines available for rows (the header line is extra). */
  height: number;
  /** Cells available per line (default: the terminal width less a dialog's frame). */
  width?: number;
  rowKey(row: Row): string;
  /** Shown instead of rows when there are none. */
  empty?: ReactNode;
}

interface Placed<Row> {
  column: Column<Row>;
  width: number;
}

/** Columns a dialog's border and padding take. */
const DIALOG_FRAME = 4;

export function DataTable<Row>({ columns, rows, cursor, height, width: given, rowKey, empty }: DataTableProps<Row>) {
  const terminal = useTerminalSize();
  const width = given ?? Math.max(20, terminal.columns - DIALOG_FRAME);
  const start = useRef(0);
  start.current = viewportStart(cursor, height, rows.length, start.current);
  const visible = rows.slice(start.current, start.current + height);
  const placed = useMemo<Placed<Row>[]>(
    () => fitColumns(columns, width).map(({ index, width: w }) => ({ column: columns[index]!, width: w })),
    [columns, width],
  );
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        {' '}
        {placed.map(({ column, width: w }) => (
          <Text key={column.title}>
            {' '}
            <Text bold underline>
              {fitCell(column.title, w, column.align)}
            </Text>
          </Text>
        ))}
      </Text>
      {visible.length === 0 && empty}
      {visible.map((row, i) => (
        // Keyed by row (measured: cheaper than keying by screen line, since a one-line scroll then
        // mounts one line instead of re-rendering all of them).
        <TableRow key={rowKey(row)} row={row} placed={placed} selected={start.current + i === cursor} />
      ))}
    </Box>
  );
}

/** One row; memoised so a cursor move re-renders only the two rows whose selection changed. */
const TableRow = memo(function TableRow<Row>({ row, placed, selected }: { row: Row; placed: readonly Placed<Row>[]; selected: boolean }) {
  return (
    <Text wrap="truncate-end">
      <Text bold={selected}>{selected ? glyph.cursor : ' '}</Text>
      {placed.map(({ column, width }) => (
        <Text key={column.title}>
          {' '}
          <Text inverse={selected} color={column.color?.(row)}>
            {fitCell(column.fit ? column.fit(row, width) : column.value(row), width, column.align, column.shorten)}
          </Text>
        </Text>
      ))}
    </Text>
  );
}) as <Row>(props: { row: Row; placed: readonly Placed<Row>[]; selected: boolean }) => ReactNode;
