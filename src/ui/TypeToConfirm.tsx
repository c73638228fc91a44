// High-impact confirmation (Shopify's DangerousConfirmationPrompt shape): what will change, a
// warning, then the exact name must be typed. Enter does nothing, and says why, until it matches.
import { Text } from 'ink';
import { useState } from 'react';
import { ChangeList, changeListRoom, dialogTextRows } from './ChangeList.js';
import { Dialog, DIALOG_SIDES } from './Dialog.js';
import { WrappedText } from './ScrollText.js';
import { Priority } from './input.js';
import { TextInput } from './TextInput.js';
import { glyph, theme } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

export interface TypeToConfirmProps {
  title: string;
  changes: readonly string[];
  expected: string;
  /** What confirming does that cannot be taken back. */
  warning?: string;
  /** Rows the dialog may take (the body of the screen). */
  height?: number;
  onConfirm(): void;
  onCancel(): void;
}

/** Rows of the dialog besides the changes, warning and prompt: border, title, gaps, input, hint. */
const FRAME_ROWS = 7;

export function TypeToConfirm({ title, changes, expected, warning = '⚠ WARNING: this cannot be undone.', height = 24, onConfirm, onCancel }: TypeToConfirmProps) {
  const [typed, setTyped] = useState('');
  const [refused, setRefused] = useState(false);
  const { columns } = useTerminalSize();
  const prompt = `Type ${expected} to confirm, or press Esc to cancel.`;
  const room = changeListRoom(changes, columns, height, FRAME_ROWS + dialogTextRows(warning, columns) + dialogTextRows(prompt, columns));
  return (
    <Dialog title={title} tone="danger" hints="Enter: confirm   Esc: cancel" compact={room.compact}>
      <ChangeList changes={changes} rows={room.rows} />
      <WrappedText text={warning} width={columns - DIALOG_SIDES} color={theme.danger} bold />
      {refused ? (
        <Text color={theme.danger}>
          {glyph.error} Value must be exactly {expected}
        </Text>
      ) : (
        <Text>
          Type <Text bold>{expected}</Text> to confirm, or press Esc to cancel.
        </Text>
      )}
      <TextInput
        label=">"
        value={typed}
        priority={Priority.ModalText}
        onChange={(value) => {
          setTyped(value);
          setRefused(false);
        }}
        onSubmit={(value) => (value === expected ? onConfirm() : setRefused(true))}
        onCancel={onCancel}
      />
    </Dialog>
  );
}
