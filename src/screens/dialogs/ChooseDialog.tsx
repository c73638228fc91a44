// Pick one option (ChoiceList: j/k/arrows and Enter, or its number). Every option leads to a further
// prompt or confirmation, so a digit choosing at once never changes anything by itself.
import { Dialog } from '../../ui/Dialog.js';
import { ChoiceList } from '../../ui/ChoiceList.js';
import { Priority, useKeypress } from '../../ui/input.js';

export function ChooseDialog(props: { title: string; height?: number; options: readonly { label: string; value: string }[]; onChoose(value: string): void; onCancel(): void }) {
  // Captures every key so nothing underneath acts on it; the list reads its own keys.
  useKeypress(
    (_input, key) => {
      if (key.escape) props.onCancel();
    },
    { priority: Priority.Modal, capture: true },
  );
  return (
    <Dialog title={props.title} hints="j/k: move   Enter or 1-9: choose   Esc: cancel" {...(props.height === undefined ? {} : { height: props.height })}>
      <ChoiceList choices={props.options} onChoose={props.onChoose} />
    </Dialog>
  );
}
