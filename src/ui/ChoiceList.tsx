// A list to pick one option from: ink-select-input (j/k or arrows move and wrap around, Enter chooses,
// 1-9 choose the Nth option at once) drawn with the app's cursor glyph and inverse, so the selection
// stays visible without colour. The caller keeps a capturing key layer (Esc, and nothing underneath
// sees the keys); it must pass `isFocused={false}` while anything else takes typing.
import { Text } from 'ink';
import SelectInput from 'ink-select-input';
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
  const initialIndex = Math.max(0, props.choices.findIndex((c) => c.value === props.initial));
  return (
    <SelectInput
      items={props.choices.map((c) => ({ label: c.label, value: c.value }))}
      initialIndex={initialIndex}
      isFocused={props.isFocused ?? true}
      indicatorComponent={Cursor}
      itemComponent={Label}
      onSelect={(item) => props.onChoose(item.value)}
    />
  );
}

function Cursor({ isSelected = false }: { isSelected?: boolean }) {
  return <Text inverse={isSelected}>{isSelected ? glyph.cursor : ' '} </Text>;
}

function Label({ isSelected = false, label }: { isSelected?: boolean; label: string }) {
  return <Text inverse={isSelected}>{label}</Text>;
}
