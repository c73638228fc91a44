// An interactive table that renders only the rows in view (a 100,000-row list costs the same as a
// 20-row one). The cursor row shows the ❯ glyph and inverse video, so it stays visible without colour.
// Every line is laid out here to exactly the width given (src/ui/columns.ts): the header never wraps,
// rows never overlap, and columns that do not fit are hidden, least important first.
// Each cell is its own text in a box of the column's width: Ink measures and tokenizes every text of
// every frame, and per cell a plain ASCII text (most cells) takes string-width's fast path, where a
// whole line with one ✔ or ❯ in it did not; unselected cells also leave their padding to the box.
import { Box, Text } from 'ink';
import { memo, useMemo, useRef, type ReactNode } from 'react';
import { CELL_GAP, CURSOR_CELLS, fitCell, fitColumns, type ColumnShape } from './columns.js';
import { glyph, theme } from './theme.js';
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
  /** Identifies a row (callers give it; lines are keyed by their place on screen, see below). */
  rowKey(row: Row): string;
  /** Shown instead of rows when there are none. */
  empty?: ReactNode;
  /** The rows are the last ones read, not current (the list could not be read again): shown muted. */
  stale?: boolean;
}

interface Placed<Row> {
  column: Column<Row>;
  width: number;
}

/** Columns a dialog's border and padding take. */
const DIALOG_FRAME = 4;

export function DataTable<Row>({ columns, rows, cursor, height, width: given, empty, stale = false }: DataTableProps<Row>) {
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
      <Box height={1} width={width}>
        <Box width={CURSOR_CELLS} flexShrink={0} />
        {placed.map(({ column, width: w }) => (
          <Box key={column.title} width={w + CELL_GAP} paddingLeft={CELL_GAP} flexShrink={0}>
            <Text bold underline wrap="truncate-end">
              {fitCell(column.title, w, column.align)}
            </Text>
          </Box>
        ))}
      </Box>
      {visible.length === 0 && empty}
      {visible.map((row, i) => (
        // Keyed by the row's index modulo the height: a one-line scroll re-renders only the line that
        // comes in (in the slot of the one that left; the others keep their props, so memo skips them),
        // and a jump (g, G, PgDn) updates the lines in place instead of mounting a new screen of them.
        <TableRow key={(start.current + i) % height} row={row} placed={placed} selected={start.current + i === cursor} width={width} stale={stale} />
      ))}
    </Box>
  );
}

/** One row; memoised so a cursor move re-renders only the two rows whose selection changed. */
const TableRow = memo(function TableRow<Row>({ row, placed, selected, width, stale }: RowProps<Row>) {
  return (
    <Box height={1} width={width}>
      <Box width={CURSOR_CELLS} flexShrink={0}>
        <Text bold={selected}>{selected ? glyph.cursor : ' '}</Text>
      </Box>
      {placed.map(({ column, width: w }) => {
        const fitted = fitCell(column.fit ? column.fit(row, w) : column.value(row), w, column.align, column.shorten);
        return (
          <Box key={column.title} width={w + CELL_GAP} paddingLeft={CELL_GAP} flexShrink={0}>
            {/* The selected row's inverse video spans the whole cell; other rows need no trailing padding. */}
            <Text inverse={selected} color={stale ? theme.muted : column.color?.(row)} wrap="truncate-end">
              {selected ? fitted : fitted.trimEnd()}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}) as <Row>(props: RowProps<Row>) => ReactNode;

interface RowProps<Row> {
  row: Row;
  placed: readonly Placed<Row>[];
  selected: boolean;
  width: number;
  stale: boolean;
}
