// The "what will change" bullets of a confirmation. When they do not fit the rows left for them,
// a window of one-row bullets scrolls with the up/down arrows (letters go to the confirmation's
// text field), so the warning, the prompt and the input below stay on screen.
import { Text } from 'ink';
import { useState } from 'react';
import { Priority, useKeypress } from './input.js';
import { useTerminalSize } from './useTerminalSize.js';
import { theme } from './theme.js';

/** Rows a bullet takes when wrapped inside a dialog (border and padding take 4 columns). */
function wrappedRows(line: string, columns: number): number {
  return Math.max(1, Math.ceil((line.length + 2) / Math.max(10, columns - 4)));
}

export function ChangeList({ changes, rows }: { changes: readonly string[]; rows: number }) {
  const { columns } = useTerminalSize();
  const fits = changes.reduce((n, line) => n + wrappedRows(line, columns), 0) <= rows;
  // One row stays for the "more" line when scrolling.
  const visible = Math.max(1, rows - 1);
  const maxOffset = fits ? 0 : Math.max(0, changes.length - visible);
  const [offset, setOffset] = useState(0);
  useKeypress(
    (_input, key) => {
      if (fits) return false;
      if (key.downArrow) setOffset((o) => Math.min(maxOffset, o + 1));
      else if (key.upArrow) setOffset((o) => Math.max(0, o - 1));
      else return false;
      return true;
    },
    // Above the text field, which takes every key it sees.
    { priority: Priority.ModalText + 1 },
  );
  if (fits) {
    return (
      <>
        {changes.map((line, i) => (
          <Text key={i}>• {line}</Text>
        ))}
      </>
    );
  }
  const shown = changes.slice(offset, offset + visible);
  return (
    <>
      {shown.map((line, i) => (
        <Text key={offset + i} wrap="truncate-end">
          • {line}
        </Text>
      ))}
      <Text color={theme.muted} wrap="truncate-end">
        ↑/↓ more: {offset + 1}–{offset + shown.length} of {changes.length}
      </Text>
    </>
  );
}
