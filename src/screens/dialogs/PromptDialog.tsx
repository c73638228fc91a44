import { Text } from 'ink';
import { useState } from 'react';
import { Dialog } from '../../ui/Dialog.js';
import { Priority } from '../../ui/input.js';
import { TextInput } from '../../ui/TextInput.js';
import { theme } from '../../ui/theme.js';

export function PromptDialog(props: { title: string; label: string; initial: string; hint?: string; onSubmit(value: string): void; onCancel(): void }) {
  const [value, setValue] = useState(props.initial);
  return (
    <Dialog title={props.title} hints="Enter: OK   Esc: cancel">
      <TextInput label={`${props.label}:`} value={value} priority={Priority.ModalText} onChange={setValue} onSubmit={props.onSubmit} onCancel={props.onCancel} />
      {props.hint && <Text color={theme.muted}>{props.hint}</Text>}
    </Dialog>
  );
}
