// The masked passphrase dialog. A new passphrase is typed twice and must follow the keystore's rule
// (isPassphraseTooShort); the value goes to the waiting operation and is never stored.
import { Text } from 'ink';
import { useState } from 'react';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { isPassphraseTooShort, MIN_PASSPHRASE_BYTES, typedPassphrase, type PassphraseRequest } from '../../keys/passphrase.js';
import { Dialog } from '../../ui/Dialog.js';
import { Priority } from '../../ui/input.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';

export interface PassphraseDialogProps {
  request: PassphraseRequest;
  /** Rows the dialog may take (the body of the screen). */
  height?: number;
  onSubmit(passphrase: string): void;
  onCancel(): void;
}

export function PassphraseDialog({ request, height, onSubmit, onCancel }: PassphraseDialogProps) {
  const [value, setValue] = useState('');
  const [first, setFirst] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const isNew = request.purpose === 'new';
  const who = `${request.role} key ${shortKeyId(request.keyId)}${request.gun ? ` of ${request.gun}` : ''}`;
  const title = request.file
    ? `Passphrase of the key file ${request.file} (the one it was encrypted with)`
    : isNew
      ? `Choose a passphrase for the new ${who}`
      : `Passphrase for ${who}`;
  const submit = (raw: string) => {
    setValue('');
    const typed = typedPassphrase(raw);
    if (!isNew) return onSubmit(typed);
    if (first === null) {
      if (isPassphraseTooShort(typed)) return setProblem(`Use at least ${MIN_PASSPHRASE_BYTES} characters (surrounding spaces do not count)`);
      setProblem('');
      return setFirst(typed);
    }
    if (typed !== first) {
      setFirst(null);
      return setProblem('The passphrases did not match; start again');
    }
    onSubmit(typed);
  };
  return (
    <Dialog title={title} hints="Enter: continue   Esc: cancel" {...(height === undefined ? {} : { height })}>
      {request.attempt > 0 && <Text color={theme.danger}>{glyph.error} Wrong passphrase, try again (attempt {request.attempt + 1})</Text>}
      <TextInput
        label={isNew && first !== null ? 'Repeat passphrase:' : 'Passphrase:'}
        value={value}
        mask
        priority={Priority.ModalText}
        onChange={setValue}
        onSubmit={submit}
        onCancel={onCancel}
      />
      {problem && <Text color={theme.danger}>{glyph.error} {problem}</Text>}
      <Text color={theme.muted}>Passphrases are used once and never stored by trust-tui.</Text>
    </Dialog>
  );
}
