import { Text } from 'ink';
import { Dialog } from '../../ui/Dialog.js';
import { Priority, useKeypress } from '../../ui/input.js';

export function DetailDialog({ title, lines, onClose }: { title: string; lines: readonly string[]; onClose(): void }) {
  useKeypress(
    (input, key) => {
      if (key.escape || key.return || input === 'q') onClose();
    },
    { priority: Priority.Modal, capture: true },
  );
  return (
    <Dialog title={title} hints="Esc / Enter: close">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Dialog>
  );
}
