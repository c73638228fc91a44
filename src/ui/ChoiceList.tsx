// A list to pick one option from, drawn by ink-select-input with the app's cursor glyph and inverse
// (the selection stays visible without colour). The keys come through the app's input router, not
// ink-select-input's own useInput: Ink hands a burst of keys ("jj⏎") over as one chunk, which
// ink-select-input would read as one unknown key, while the router splits it into keypresses. j/k or
// arrows move (wrapping around), Enter chooses, 1-9 choose the Nth option at once. The caller keeps a
// capturing key layer (Esc, and nothing underneath sees the keys); `isFocused={false}` while
// anything else takes typing.
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useRef, useState } from 'react';
import { Priority, useKeypress } from './input.js';
import { glyph } from './theme.js';

export interface Choice<V extends string> {
  label: string;
  value: V;
}

export function ChoiceList<V extends string>(props: {
  choices: readonly Choice<V>[];
  initial?: V;
  isFocused?: boolean;
  onChoose(value: V): void;
}) {
  const count = props.choices.length;
  const [index, setIndex] = useState(() => Math.max(0, props.choices.findIndex((c) => c.value === props.initial)));
  // Later keys of one chunk arrive before React re-renders: they must see the earlier moves.
  const current = useRef(index);
  const moveTo = (i: number) => {
    current.current = (i + count) % count;
    setIndex(current.current);
  };
  useKeypress(
    (input, key) => {
      if (count === 0) return false;
      if (input === 'j' || key.downArrow) moveTo(current.current + 1);
      else if (input === 'k' || key.upArrow) moveTo(current.current - 1);
      else if (key.return) props.onChoose(props.choices[current.current]!.value);
      else if (/^[1-9]$/.test(input) && Number(input) <= count) props.onChoose(props.choices[Number(input) - 1]!.value);
      else return false;
      return true;
    },
    // Above the modal's capturing layer (which sees what the list does not use, such as Esc).
    { priority: Priority.Modal + 1, isActive: props.isFocused ?? true },
  );
  return (
    <SelectInput
      // ink-select-input keeps its own index: remounting at ours draws the selection where the router put it.
      key={index}
      items={props.choices.map((c) => ({ label: c.label, value: c.value }))}
      initialIndex={index}
      isFocused={false}
      indicatorComponent={Cursor}
      itemComponent={Label}
      onSelect={(item) => props.onChoose(item.value as V)}
    />
  );
}

/** Never shrinks: a label that wraps keeps its rows aligned under its first. */
function Cursor({ isSelected = false }: { isSelected?: boolean }) {
  return (
    <Box flexShrink={0}>
      <Text inverse={isSelected}>{isSelected ? glyph.cursor : ' '} </Text>
    </Box>
  );
}

function Label({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
  return <Text inverse={isSelected}>{label}</Text>;
}
