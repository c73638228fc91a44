import { Text } from 'ink';
import { useState } from 'react';
import { Dialog } from '../../ui/Dialog.js';
import { Priority } from '../../ui/input.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';

export interface PromptDialogProps {
  title: string;
  label: string;
  /** Rows the dialog may take (the body of the screen). */
  height?: number;
  initial: string;
  hint?: string;
  /** Why the value cannot be used; shown as it is typed, and Enter waits until it is fixed. */
  validate?(value: string): string | undefined;
  onSubmit(value: string): void;
  onCancel(): void;
}

export function PromptDialog(props: PromptDialogProps) {
  const [value, setValue] = useState(props.initial);
  const [tried, setTried] = useState(false);
  const problem = props.validate?.(value);
  // Before anything is typed an empty field is not an error yet (it would greet the user in red).
  const showProblem = problem !== undefined && (tried || value !== props.initial);
  return (
    <Dialog title={props.title} hints="Enter: OK   Esc: cancel" {...(props.height === undefined ? {} : { height: props.height })}>
      <TextInput
        label={`${props.label}:`}
        value={value}
        priority={Priority.ModalText}
        onChange={setValue}
        onSubmit={(submitted) => (props.validate?.(submitted) === undefined ? props.onSubmit(submitted) : setTried(true))}
        onCancel={props.onCancel}
      />
      {showProblem ? (
        <Text color={theme.danger}>
          {glyph.error} {problem}
        </Text>
      ) : (
        props.hint && (
          <Text color={theme.muted} wrap="truncate-end">
            {props.hint}
          </Text>
        )
      )}
    </Dialog>
  );
}
