// A one-line text field. While focused it owns every key, so letters typed into it never trigger
// shortcuts. Pasted chunks are sanitised: control characters dropped, a carriage return submits.
import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { useKeypress, Priority } from './input.js';
import { glyph, theme } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

export interface TextInputProps {
  value: string;
  onChange(value: string): void;
  onSubmit(value: string): void;
  onCancel(): void;
  label?: string;
  /** Show • for each character (passphrases). */
  mask?: boolean;
  placeholder?: string;
  /**
   * The given value starts selected (shown inverse, so it never looks like a placeholder, NO_COLOR
   * included): the first character typed, Backspace or Delete replaces it; Enter keeps it; an arrow
   * key keeps it for editing.
   */
  selectInitial?: boolean;
  /** No space between label and text (the filter line reads `/text`). */
  compact?: boolean;
  priority?: number;
  isActive?: boolean;
  /** Cells the field may use, label included (default: the terminal width less a dialog's frame). */
  width?: number;
}

/** The end of `text` that fits `cells` (the caret is at the end), with … when the start is hidden. */
export function visibleTail(text: string, cells: number): string {
  const chars = [...text];
  if (chars.length <= cells) return text;
  return `…${chars.slice(chars.length - Math.max(0, cells - 1)).join('')}`;
}

/** Columns a dialog's border and padding take on each line. */
const DIALOG_FRAME = 4;

/** Applies one keypress to a value: the new value and whether Enter/Esc ended editing. */
export function editText(
  value: string,
  input: string,
  key: { return: boolean; escape: boolean; backspace: boolean; delete: boolean; ctrl: boolean; meta: boolean; tab: boolean; upArrow: boolean; downArrow: boolean; leftArrow: boolean; rightArrow: boolean },
): { value: string; action?: 'submit' | 'cancel' } {
  if (key.escape) return { value, action: 'cancel' };
  if (key.return) return { value, action: 'submit' };
  if (key.backspace || key.delete) return { value: [...value].slice(0, -1).join('') };
  if (key.ctrl && input === 'u') return { value: '' };
  if (key.ctrl || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return { value };
  const [text = '', ...rest] = input.split('\r');
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
  return rest.length > 0 ? { value: value + clean, action: 'submit' } : { value: value + clean };
}

/** Whether a keypress replaces a selected value (typing or deleting) rather than keeping it. */
function replacesSelection(input: string, key: { backspace: boolean; delete: boolean; ctrl: boolean; meta: boolean; tab: boolean; return: boolean; escape: boolean }): boolean {
  if (key.backspace || key.delete) return true;
  return input !== '' && !key.ctrl && !key.meta && !key.tab && !key.return && !key.escape;
}

export function TextInput({ value, onChange, onSubmit, onCancel, label, mask, placeholder, selectInitial = false, compact, priority = Priority.Text, isActive = true, width }: TextInputProps) {
  const { columns } = useTerminalSize();
  // Keys of one chunk arrive before React re-renders: each edits the value the previous one left.
  const current = useRef(value);
  current.current = value;
  const [selected, setSelected] = useState(selectInitial && value !== '');
  const isSelected = useRef(selected);
  useKeypress(
    (input, key) => {
      const before = current.current;
      let edited = before;
      if (isSelected.current && !key.return && !key.escape) {
        if (replacesSelection(input, key)) edited = '';
        isSelected.current = false;
        setSelected(false);
      }
      const result = editText(edited, input, key);
      current.current = result.value;
      if (result.value !== before) onChange(result.value);
      if (result.action === 'submit') onSubmit(result.value);
      if (result.action === 'cancel') onCancel();
      return true;
    },
    { priority, isActive, capture: true },
  );
  const labelText = label ? (compact ? label : `${label} `) : '';
  // Long values scroll sideways: the end being typed stays in view and the line never wraps.
  const room = Math.max(4, (width ?? columns - DIALOG_FRAME) - [...labelText].length - 1);
  const shown = visibleTail(mask ? '•'.repeat([...value].length) : value, room);
  return (
    <Box>
      {label && <Text bold>{labelText}</Text>}
      <Text wrap="truncate-end">
        {selected ? <Text inverse>{shown}</Text> : shown}
        {/* Dim as well as grey: with NO_COLOR a placeholder still differs from a value. */}
        {!shown && placeholder ? (
          <Text color={theme.muted} dimColor>
            {placeholder}
          </Text>
        ) : null}
        {isActive ? glyph.caret : ''}
      </Text>
    </Box>
  );
}
