// The "what will change" bullets of a confirmation, wrapped to the dialog's width (every word stays
// readable on a narrow terminal). When they do not fit the rows left for them, a window of those rows
// scrolls with the up/down arrows, and with j/k where no text field takes letters (`letterKeys`), so
// the warning, the prompt and any input below stay on screen.
import { Text } from 'ink';
import { useState } from 'react';
import { DIALOG_SIDES } from './Dialog.js';
import { Priority, useKeypress } from './input.js';
import { wrapLine } from './ScrollText.js';
import { useTerminalSize } from './useTerminalSize.js';
import { theme } from './theme.js';

const BULLET = '• ';

/**
 * Each change as rows of at most `columns` characters: a bullet on its first, an indent on the rest.
 * An indented line details the change above it: it keeps its indent under that bullet's text, and
 * gets no bullet of its own.
 */
export function bulletRows(changes: readonly string[], columns: number): string[] {
  return changes.flatMap((line) => {
    const text = line.trimStart();
    const detail = ' '.repeat(line.length - text.length);
    const indent = ' '.repeat(BULLET.length) + detail;
    const width = Math.max(10, columns - DIALOG_SIDES - indent.length);
    return wrapLine(text, width).map((row, i) => (i === 0 && !detail ? BULLET : indent) + row);
  });
}

/** Rows `text` takes in a dialog on a terminal `columns` wide. */
export function dialogTextRows(text: string, columns: number): number {
  return wrapLine(text, Math.max(10, columns - DIALOG_SIDES)).length;
}

/**
 * The rows a confirmation within `height` gives its changes, its other rows taking `chrome` (their
 * two blank lines included). When the changes do not fit, the dialog drops those blank lines
 * (`compact`) so that more of them show at once.
 */
export function changeListRoom(changes: readonly string[], columns: number, height: number, chrome: number): { rows: number; compact: boolean } {
  const roomy = height - chrome;
  if (bulletRows(changes, columns).length <= roomy) return { rows: Math.max(2, roomy), compact: false };
  return { rows: Math.max(2, roomy + 2), compact: true };
}

export function ChangeList({ changes, rows, letterKeys = false }: { changes: readonly string[]; rows: number; letterKeys?: boolean }) {
  const { columns } = useTerminalSize();
  const lines = bulletRows(changes, columns);
  const fits = lines.length <= rows;
  // One row stays for the "more" line when scrolling.
  const visible = Math.max(1, rows - 1);
  const maxOffset = fits ? 0 : Math.max(0, lines.length - visible);
  const [offset, setOffset] = useState(0);
  useKeypress(
    (input, key) => {
      if (fits) return false;
      if (key.downArrow || (letterKeys && input === 'j')) setOffset((o) => Math.min(maxOffset, o + 1));
      else if (key.upArrow || (letterKeys && input === 'k')) setOffset((o) => Math.max(0, o - 1));
      else return false;
      return true;
    },
    // Above the text field, which takes every key it sees.
    { priority: Priority.ModalText + 1 },
  );
  const start = Math.min(offset, maxOffset);
  const shown = fits ? lines : lines.slice(start, start + visible);
  return (
    <>
      {shown.map((line, i) => (
        <Text key={start + i} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {!fits && (
        <Text color={theme.muted} wrap="truncate-end">
          {letterKeys ? '↑/↓ j/k' : '↑/↓'} more: {start + 1}–{start + shown.length} of {lines.length}
        </Text>
      )}
    </>
  );
}
