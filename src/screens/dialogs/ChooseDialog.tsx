// Pick one option with j/k/arrows and Enter. Digits do nothing here (unlike ink-select-input, where
// a digit selects at once: ui-guide 1.3).
import { Text } from 'ink';
import { useRef, useState } from 'react';
import { Dialog } from '../../ui/Dialog.js';
import { Priority, useKeypress } from '../../ui/input.js';
import { glyph } from '../../ui/theme.js';

export function ChooseDialog(props: { title: string; options: readonly { label: string; value: string }[]; onChoose(value: string): void; onCancel(): void }) {
  const [cursor, setCursor] = useState(0);
  // Keys of one chunk ("jj⏎") arrive before React re-renders: Enter must see the moves before it.
  const current = useRef(0);
  const moveTo = (c: number) => {
    current.current = c;
    setCursor(c);
  };
  useKeypress(
    (input, key) => {
      if (key.escape) props.onCancel();
      else if (input === 'j' || key.downArrow) moveTo(Math.min(current.current + 1, props.options.length - 1));
      else if (input === 'k' || key.upArrow) moveTo(Math.max(current.current - 1, 0));
      else if (key.return) {
        const option = props.options[current.current];
        if (option) props.onChoose(option.value);
      }
    },
    { priority: Priority.Modal, capture: true },
  );
  return (
    <Dialog title={props.title} hints="j/k: move   Enter: choose   Esc: cancel">
      {props.options.map((o, i) => (
        <Text key={o.value} inverse={i === cursor}>
          {i === cursor ? glyph.cursor : ' '} {o.label}
        </Text>
      ))}
    </Dialog>
  );
}
