// High-impact confirmation (Shopify's DangerousConfirmationPrompt shape): what will change, a
// warning, then the exact name must be typed. Enter does nothing, and says why, until it matches.
import { Text } from 'ink';
import { useState } from 'react';
import { ChangeList } from './ChangeList.js';
import { Dialog } from './Dialog.js';
import { Priority } from './input.js';
import { TextInput } from './TextInput.js';
import { glyph, theme } from './theme.js';

export interface TypeToConfirmProps {
  title: string;
  changes: readonly string[];
  expected: string;
  /** Rows the dialog may take (the body of the screen). */
  height?: number;
  onConfirm(): void;
  onCancel(): void;
}

/** Rows of the dialog besides the changes: border, title, gaps, warning, prompt (or refusal), input, hint. */
const CHROME = 9;

export function TypeToConfirm({ title, changes, expected, height = 24, onConfirm, onCancel }: TypeToConfirmProps) {
  const [typed, setTyped] = useState('');
  const [refused, setRefused] = useState(false);
  return (
    <Dialog title={title} tone="danger" hints="Enter: confirm   Esc: cancel">
      <ChangeList changes={changes} rows={Math.max(2, height - CHROME)} />
      <Text color={theme.danger} bold>
        ⚠ WARNING: this cannot be undone.
      </Text>
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
