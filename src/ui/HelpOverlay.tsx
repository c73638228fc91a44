// `?`: every key of the current screen, generated from the keymap (the same table as the footer).
// Two columns (this screen and lists | everywhere) so it fits an 80×24 terminal; on a narrower one,
// one column whose descriptions wrap (two would cut every one short). On a shorter one the rows
// scroll with j/k (or the arrows) instead of being cut off.
import { useState } from 'react';
import { Box, Text } from 'ink';
import { Dialog, DIALOG_SIDES } from './Dialog.js';
import { Priority, useKeypress } from './input.js';
import { SCREENS, type ScreenId } from '../state/slices/navigation.js';
import { helpEntries, type HelpEntry, type Scope } from './keymap.js';
import { wrapLine } from './ScrollText.js';
import { useTerminalSize } from './useTerminalSize.js';

/** One line of a help column: a heading, a key and what it does, or nothing (padding). */
type Line = { heading: string } | HelpEntry | undefined;

function column(sections: { scope: Scope; heading: string }[]): Line[] {
  return sections.flatMap(({ scope, heading }) => {
    const entries = helpEntries(scope);
    return entries.length ? [{ heading }, ...entries] : [];
  });
}

/** Lines the dialog's border, title, padding and hint take. */
const CHROME = 6;
/** Columns a key takes before its description. */
const KEYS_WIDTH = 14;
/** Below this many columns the help is one column. */
const TWO_COLUMNS_FROM = 100;

/** One column of `lines` with each description wrapped to `width`: its continuation rows have no key. */
function wrapped(lines: readonly Line[], width: number): Line[] {
  return lines.flatMap((line): Line[] => {
    if (!line || 'heading' in line) return [line];
    return wrapLine(line.description, Math.max(10, width - KEYS_WIDTH)).map((description, i) => ({ keys: i === 0 ? line.keys : '', description }));
  });
}

export function HelpOverlay({ screen, height = 24, onClose }: { screen: ScreenId; height?: number; onClose(): void }) {
  const title = SCREENS.find((s) => s.id === screen)?.title ?? screen;
  const left = column([
    { scope: screen, heading: title },
    { scope: 'list', heading: 'Lists' },
  ]);
  const global = column([{ scope: 'global', heading: 'Everywhere' }]);
  const { columns } = useTerminalSize();
  const oneColumn = columns < TWO_COLUMNS_FROM;
  const single = oneColumn ? wrapped([...left, undefined, ...global], columns - DIALOG_SIDES) : [];
  const right = oneColumn ? [] : global;
  const total = oneColumn ? single.length : Math.max(left.length, right.length);
  const visible = Math.max(3, Math.min(total, height - CHROME));
  const maxOffset = total - visible;
  const [scrolled, setOffset] = useState(0);
  // A resize to a taller or wider terminal shrinks maxOffset: an offset kept from before would show
  // the empty lines past the end.
  const offset = Math.min(scrolled, maxOffset);

  useKeypress(
    (input, key) => {
      if (input === '?' || input === 'q' || key.escape) onClose();
      else if (input === 'j' || key.downArrow) setOffset(Math.min(maxOffset, offset + 1));
      else if (input === 'k' || key.upArrow) setOffset(Math.max(0, offset - 1));
      else if (input === 'g') setOffset(0);
      else if (input === 'G') setOffset(maxOffset);
    },
    { priority: Priority.Modal, capture: true },
  );

  const rows = Array.from({ length: visible }, (_, i) => i + offset);
  const scrollHint = maxOffset > 0 ? `  ·  j/k g/G scroll (${offset + visible}/${total})` : '';
  return (
    <Dialog title="Keys" hints={`Esc, ? or q to close${scrollHint}`}>
      {oneColumn ? (
        <Box flexDirection="column">
          {rows.map((i) => (
            <HelpLine key={i} line={single[i]} />
          ))}
        </Box>
      ) : (
        <Box>
          <Box flexDirection="column" flexGrow={1} flexBasis={0}>
            {rows.map((i) => (
              <HelpLine key={i} line={left[i]} />
            ))}
          </Box>
          <Box flexDirection="column" flexGrow={1} flexBasis={0} marginLeft={2}>
            {rows.map((i) => (
              <HelpLine key={i} line={right[i]} />
            ))}
          </Box>
        </Box>
      )}
    </Dialog>
  );
}

function HelpLine({ line }: { line: Line }) {
  if (!line) return <Text> </Text>;
  if ('heading' in line) {
    return (
      <Text bold underline>
        {line.heading}
      </Text>
    );
  }
  return (
    <Box flexShrink={0}>
      <Box width={KEYS_WIDTH} flexShrink={0}>
        <Text bold>{line.keys}</Text>
      </Box>
      <Text wrap="truncate-end">{line.description}</Text>
    </Box>
  );
}
