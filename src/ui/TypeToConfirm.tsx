// High-impact confirmation (Shopify's DangerousConfirmationPrompt shape): what will change, a
// warning, then the exact name must be typed. Enter does nothing, and says why, until it matches.
import { Box, Text } from 'ink';
import { useState } from 'react';
import { Dialog } from './Dialog.js';
import { Priority } from './input.js';
import { TextInput } from './TextInput.js';
import { glyph, theme } from './theme.js';

export interface TypeToConfirmProps {
  title: string;
  changes: readonly string[];
  expected: string;
  onConfirm(): void;
  onCancel(): void;
}

export function TypeToConfirm({ title, changes, expected, onConfirm, onCancel }: TypeToConfirmProps) {
  const [typed, setTyped] = useState('');
  const [refused, setRefused] = useState(false);
  return (
    <Dialog title={title} tone="danger" hints="Enter: confirm   Esc: cancel">
      {changes.map((line, i) => (
        <Text key={i}>• {line}</Text>
      ))}
      <Box marginTop={1}>
        <Text color={theme.danger} bold>
          ⚠ WARNING: this cannot be undone.
        </Text>
      </Box>
      <Text>
        Type <Text bold>{expected}</Text> to confirm, or press Esc to cancel.
      </Text>
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
      {refused && (
        <Text color={theme.danger}>
          {glyph.error} Value must be exactly {expected}
        </Text>
      )}
    </Dialog>
  );
}
