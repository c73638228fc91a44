// Lines of text in a fixed number of rows: wrapped to the width here (so nothing is cut off at the
// edge), and when they do not fit, a window that the up/down arrows and j/k scroll, with a line that
// says where it is. For dialog bodies that must leave their keys and frame on a small terminal.
import { Text } from 'ink';
import { useState } from 'react';
import { Priority, useKeypress } from './input.js';
import { theme } from './theme.js';

export interface ScrollLine {
  text: string;
  color?: string | undefined;
  bold?: boolean;
}

/** Splits a line into rows of at most `width` characters, at spaces where it can. */
export function wrapLine(text: string, width: number): string[] {
  const rows: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > width / 3 ? space : width;
    rows.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, '');
  }
  rows.push(rest);
  return rows;
}

/**
 * `text` in rows wrapped at spaces to `width`. Ink's own wrapping keeps the space it breaks at, so
 * its continuation rows start with one.
 */
export function WrappedText({ text, width, color, bold = false }: { text: string; width: number; color?: string | undefined; bold?: boolean }) {
  const rows = text.split('\n').flatMap((line) => wrapLine(line, Math.max(10, width)));
  return (
    <>
      {rows.map((row, i) => (
        <Text key={i} color={color} bold={bold}>
          {row}
        </Text>
      ))}
    </>
  );
}

export function ScrollText({ lines, width, rows }: { lines: readonly ScrollLine[]; width: number; rows: number }) {
  const wrapped = lines.flatMap((line) => wrapLine(line.text, Math.max(10, width)).map((text) => ({ ...line, text })));
  const fits = wrapped.length <= rows;
  // One row stays for the "more" line when scrolling.
  const visible = Math.max(1, rows - 1);
  const maxOffset = fits ? 0 : Math.max(0, wrapped.length - visible);
  const [offset, setOffset] = useState(0);
  useKeypress(
    (input, key) => {
      if (fits) return false;
      if (key.downArrow || input === 'j') setOffset((o) => Math.min(maxOffset, o + 1));
      else if (key.upArrow || input === 'k') setOffset((o) => Math.max(0, o - 1));
      else return false;
      return true;
    },
    { priority: Priority.ModalText + 1 },
  );
  const start = Math.min(offset, maxOffset);
  const shown = fits ? wrapped : wrapped.slice(start, start + visible);
  return (
    <>
      {shown.map((line, i) => (
        <Text key={start + i} color={line.color} bold={line.bold ?? false} wrap="truncate-end">
          {line.text}
        </Text>
      ))}
      {!fits && (
        <Text color={theme.muted} wrap="truncate-end">
          ↑/↓ more: {start + 1}–{start + shown.length} of {wrapped.length}
        </Text>
      )}
    </>
  );
}
