// An interactive table that renders only the rows in view (a 100,000-row list costs the same as a
// 20-row one). The cursor row shows the ❯ glyph and inverse video, so it stays visible without colour.
import { Box, Text } from 'ink';
import { memo, useRef, type ReactNode } from 'react';
import { glyph } from './theme.js';
import { viewportStart } from './viewport.js';

export interface Column<Row> {
  title: string;
  /** Fixed width in cells; omit for a column that takes the remaining width. */
  width?: number;
  align?: 'left' | 'right';
  value(row: Row): string;
  color?(row: Row): string | undefined;
}

export interface DataTableProps<Row> {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  cursor: number;
  /** Lines available for rows (the header line is extra). */
  height: number;
  rowKey(row: Row): string;
  /** Shown instead of rows when there are none. */
  empty?: ReactNode;
}

export function DataTable<Row>({ columns, rows, cursor, height, rowKey, empty }: DataTableProps<Row>) {
  const start = useRef(0);
  start.current = viewportStart(cursor, height, rows.length, start.current);
  const visible = rows.slice(start.current, start.current + height);
  return (
    <Box flexDirection="column" width="100%">
      <Box>
        <Text> </Text>
        {columns.map((column) => (
          <Cell key={column.title} column={column}>
            <Text bold underline>
              {column.title}
            </Text>
          </Cell>
        ))}
      </Box>
      {visible.length === 0 && empty}
      {visible.map((row, i) => (
        // Keyed by row (measured: cheaper than keying by screen line, since a one-line scroll then
        // mounts one line instead of re-rendering all of them).
        <TableRow key={rowKey(row)} row={row} columns={columns} selected={start.current + i === cursor} />
      ))}
    </Box>
  );
}

/** One row; memoised so a cursor move re-renders only the two rows whose selection changed. */
const TableRow = memo(function TableRow<Row>({ row, columns, selected }: { row: Row; columns: readonly Column<Row>[]; selected: boolean }) {
  return (
    <Box>
      <Text bold={selected}>{selected ? glyph.cursor : ' '}</Text>
      {columns.map((column) => (
        <Cell key={column.title} column={column}>
          <Text inverse={selected} color={column.color?.(row)} wrap="truncate-end">
            {column.value(row)}
          </Text>
        </Cell>
      ))}
    </Box>
  );
}) as <Row>(props: { row: Row; columns: readonly Column<Row>[]; selected: boolean }) => ReactNode;

function Cell<Row>({ column, children }: { column: Column<Row>; children: ReactNode }) {
  const sizing = column.width ? { width: column.width, flexShrink: 0 } : { flexGrow: 1, flexBasis: 0 };
  return (
    <Box {...sizing} paddingLeft={1} justifyContent={column.align === 'right' ? 'flex-end' : 'flex-start'} overflow="hidden">
      {children}
    </Box>
  );
}
