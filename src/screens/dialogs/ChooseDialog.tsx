// Pick one option with j/k/arrows and Enter. Digits do nothing here (unlike ink-select-input, where
// a digit selects at once: ui-guide 1.3).
import { Text } from 'ink';
import { useState } from 'react';
import { Dialog } from '../../ui/Dialog.js';
import { Priority, useKeypress } from '../../ui/input.js';
import { glyph } from '../../ui/theme.js';

export function ChooseDialog(props: { title: string; options: readonly { label: string; value: string }[]; onChoose(value: string): void; onCancel(): void }) {
  const [cursor, setCursor] = useState(0);
  useKeypress(
    (input, key) => {
      if (key.escape) props.onCancel();
      else if (input === 'j' || key.downArrow) setCursor((c) => Math.min(c + 1, props.options.length - 1));
      else if (input === 'k' || key.upArrow) setCursor((c) => Math.max(c - 1, 0));
      else if (key.return) {
        const option = props.options[cursor];
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
