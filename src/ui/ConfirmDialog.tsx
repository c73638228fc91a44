// Low-impact confirmation: y confirms; n, Enter and Esc cancel (No is the default, as in k9s).
import { Text } from 'ink';
import { ChangeList, changeListRoom } from './ChangeList.js';
import { Dialog } from './Dialog.js';
import { Priority, useKeypress } from './input.js';
import { useTerminalSize } from './useTerminalSize.js';

export interface ConfirmDialogProps {
  title: string;
  changes: readonly string[];
  /** Rows the dialog may take (the body of the screen). */
  height?: number;
  onConfirm(): void;
  onCancel(): void;
}

/** Rows of the dialog besides the changes: border, title, gaps, question, hint. */
const CHROME = 7;

export function ConfirmDialog({ title, changes, height = 24, onConfirm, onCancel }: ConfirmDialogProps) {
  useKeypress(
    (input, key) => {
      if (input === 'y' || input === 'Y') onConfirm();
      else if (input === 'n' || input === 'N' || key.escape || key.return) onCancel();
    },
    { priority: Priority.Modal, capture: true },
  );
  const { columns } = useTerminalSize();
  const room = changeListRoom(changes, columns, height, CHROME);
  return (
    <Dialog title={title} hints="y: yes   n / Enter / Esc: no" compact={room.compact}>
      <ChangeList changes={changes} rows={room.rows} letterKeys />
      <Text bold>Continue? [y/N]</Text>
    </Dialog>
  );
}
