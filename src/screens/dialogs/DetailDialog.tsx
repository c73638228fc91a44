import { useState } from 'react';
import { Text } from 'ink';
import { Dialog } from '../../ui/Dialog.js';
import { Priority, useKeypress } from '../../ui/input.js';

/** Lines the dialog's border, title, padding and hint take. */
const CHROME = 6;

/** Read-only lines in a dialog; when they are taller than the space, they scroll with j/k instead of being cut off. */
export function DetailDialog({ title, lines, height = 24, onClose }: { title: string; lines: readonly string[]; height?: number; onClose(): void }) {
  const visible = Math.max(3, Math.min(lines.length, height - CHROME));
  const maxOffset = Math.max(0, lines.length - visible);
  const [offset, setOffset] = useState(0);
  useKeypress(
    (input, key) => {
      if (key.escape || key.return || input === 'q') onClose();
      else if (input === 'j' || key.downArrow) setOffset((o) => Math.min(maxOffset, o + 1));
      else if (input === 'k' || key.upArrow) setOffset((o) => Math.max(0, o - 1));
    },
    { priority: Priority.Modal, capture: true },
  );
  const scrollHint = maxOffset > 0 ? `  ·  j/k scroll (${offset + visible}/${lines.length})` : '';
  return (
    <Dialog title={title} hints={`Esc / Enter: close${scrollHint}`}>
      {lines.slice(offset, offset + visible).map((line, i) => (
        <Text key={offset + i} wrap="truncate-end">
          {line || ' '}
        </Text>
      ))}
    </Dialog>
  );
}
