import { useState } from 'react';
import { Text } from 'ink';
import { Dialog } from '../../ui/Dialog.js';
import { Priority, useKeypress } from '../../ui/input.js';
import { useTerminalSize } from '../../ui/useTerminalSize.js';

/** Lines the dialog's border, title, padding and hint take. */
const CHROME = 6;
/** Columns the dialog's border and padding take. */
const SIDES = 4;

/** `line` in pieces of at most `width` columns, broken at spaces where it can be (a reason is read whole, not cut off). */
export function wrapLine(line: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while ([...rest].length > width) {
    const head = [...rest].slice(0, width + 1).join('');
    const space = head.lastIndexOf(' ');
    const cut = space > width / 3 ? space : [...rest].slice(0, width).join('').length;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = `  ${rest.slice(cut).trimStart()}`;
  }
  return [...pieces, rest];
}

/** Read-only lines in a dialog; when they are taller than the space, they scroll with j/k instead of being cut off. */
export function DetailDialog({ title, lines: given, height = 24, onClose }: { title: string; lines: readonly string[]; height?: number; onClose(): void }) {
  const { columns } = useTerminalSize();
  const lines = given.flatMap((line) => wrapLine(line, Math.max(20, columns - SIDES)));
  const visible = Math.max(3, Math.min(lines.length, height - CHROME));
  const maxOffset = Math.max(0, lines.length - visible);
  const [scrolled, setOffset] = useState(0);
  // A resize that gives the lines more room lowers maxOffset: past it, only empty lines would show.
  const offset = Math.min(scrolled, maxOffset);
  useKeypress(
    (input, key) => {
      if (key.escape || key.return || input === 'q') onClose();
      else if (input === 'j' || key.downArrow) setOffset(Math.min(maxOffset, offset + 1));
      else if (input === 'k' || key.upArrow) setOffset(Math.max(0, offset - 1));
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
