// Low-impact confirmation: y confirms; n, Enter and Esc cancel (No is the default, as in k9s).
import { Text } from 'ink';
import { Dialog } from './Dialog.js';
import { Priority, useKeypress } from './input.js';

export interface ConfirmDialogProps {
  title: string;
  changes: readonly string[];
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({ title, changes, onConfirm, onCancel }: ConfirmDialogProps) {
  useKeypress(
    (input, key) => {
      if (input === 'y' || input === 'Y') onConfirm();
      else if (input === 'n' || input === 'N' || key.escape || key.return) onCancel();
    },
    { priority: Priority.Modal, capture: true },
  );
  return (
    <Dialog title={title} hints="y: yes   n / Enter / Esc: no">
      {changes.map((line, i) => (
        <Text key={i}>• {line}</Text>
      ))}
      <Text bold>Continue? [y/N]</Text>
    </Dialog>
  );
}
