// The frame every dialog shares: a bordered box with a title, a body and a line of key hints.
// Given the rows it may take, the frame keeps its title and key hints on screen whatever the body
// holds: it drops its blank lines first, then shows a window of the body that PgUp/PgDn scroll, with
// a line that says more is there (the terminal's own clipping would cut the hints off silently).
import { Box, measureElement, Text, type DOMElement } from 'ink';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Priority, useKeypress } from './input.js';
import { wrapLine } from './ScrollText.js';
import { theme } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

/** Columns the border and padding take. */
export const DIALOG_SIDES = 4;
/** Rows the border and title take. */
const FRAME_ROWS = 3;

export interface DialogProps {
  title: string;
  /** A line under the title that stays on screen (a wizard's step). */
  subtitle?: ReactNode;
  tone?: 'normal' | 'danger';
  hints?: string;
  /** No blank lines between title, body and hints (a dialog that must fit a short terminal). */
  compact?: boolean;
  /** Rows the dialog may take; without it the dialog is as tall as its body. */
  height?: number;
  /** A row of the body to keep in view when it scrolls (a cursor). */
  focusRow?: number;
  children: ReactNode;
}

export function Dialog({ title, subtitle, tone = 'normal', hints, compact, height, focusRow, children }: DialogProps) {
  const { columns } = useTerminalSize();
  const bodyRef = useRef<DOMElement>(null);
  const [bodyRows, setBodyRows] = useState(0);
  // Measured after each layout: the body's own height, however tall the frame lets it be.
  useEffect(() => {
    if (!bodyRef.current) return;
    const measured = measureElement(bodyRef.current).height;
    if (measured !== bodyRows) setBodyRows(measured);
  });
  const hintRows = hints ? wrapLine(hints, Math.max(10, columns - DIALOG_SIDES)).length : 0;
  const pinned = FRAME_ROWS + (subtitle ? 1 : 0) + hintRows;
  const gapCount = (subtitle ? 1 : 0) + 1 + (hints ? 1 : 0);
  const room = height === undefined ? Number.POSITIVE_INFINITY : height - pinned;
  const gap = (compact ?? bodyRows + gapCount > room) ? 0 : 1;
  const window = useBodyWindow(bodyRows, room - (gap ? gapCount : 0), focusRow);
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={tone === 'danger' ? theme.danger : theme.accent} paddingX={1} width="100%">
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      {subtitle && (
        <Box marginTop={gap} flexShrink={0}>
          {subtitle}
        </Box>
      )}
      <Box flexDirection="column" flexShrink={0} marginTop={gap} {...(window ? { height: window.rows, overflowY: 'hidden' as const } : {})}>
        <Box ref={bodyRef} flexDirection="column" flexShrink={0} marginTop={window ? -window.start : 0}>
          {children}
        </Box>
      </Box>
      {window && (
        <Text color={theme.muted} wrap="truncate-end">
          PgUp/PgDn more: rows {window.start + 1}–{window.start + window.rows} of {bodyRows}
        </Text>
      )}
      {hints && (
        <Box marginTop={gap} flexShrink={0}>
          <Text color={theme.muted}>{hints}</Text>
        </Box>
      )}
    </Box>
  );
}

/** Which rows of a body of `total` rows show in `room` rows (one of them says more is there); null when all fit. */
function useBodyWindow(total: number, room: number, focusRow: number | undefined): { start: number; rows: number } | null {
  const start = useRef(0);
  const [, redraw] = useState(0);
  const rows = Math.max(1, room - 1);
  const scrolls = total > room;
  useKeypress(
    (_input, key) => {
      if (!scrolls) return false;
      if (key.pageDown) start.current += rows - 1;
      else if (key.pageUp) start.current -= rows - 1;
      else return false;
      redraw((n) => n + 1);
      return true;
    },
    // Above a text field, which takes every key it sees.
    { priority: Priority.ModalText + 1 },
  );
  if (!scrolls) return null;
  let first = Math.min(Math.max(0, start.current), total - rows);
  if (focusRow !== undefined && focusRow < first) first = focusRow;
  else if (focusRow !== undefined && focusRow >= first + rows) first = focusRow - rows + 1;
  start.current = first;
  return { start: first, rows };
}
