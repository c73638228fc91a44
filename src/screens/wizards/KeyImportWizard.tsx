import { Text } from 'ink';
import { useState } from 'react';
import type { KeyImportEvent, KeyImportState } from '../../state/wizards/key-import.js';
import { KEY_IMPORT_STEPS, keyImportStepNumber } from '../../state/wizards/key-import.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { shortId } from '../format.js';
import { Field, useStepKeys, WizardFrame } from './WizardFrame.js';

export function KeyImportWizard({ state, height, send }: { state: KeyImportState; height?: number; send(e: KeyImportEvent): void }) {
  const hints = state.step === 'done' ? 'Enter / Esc: close' : 'Enter: continue   Esc: back';
  return (
    <WizardFrame title="Import a key" steps={KEY_IMPORT_STEPS} step={keyImportStepNumber(state)} hints={hints} {...(height === undefined ? {} : { height })}>
      <Body state={state} send={send} />
    </WizardFrame>
  );
}

function Body({ state, send }: { state: KeyImportState; send(e: KeyImportEvent): void }) {
  switch (state.step) {
    case 'path':
      return <PathStep key="path" initial={state.path} error={state.error} send={send} />;
    case 'inspecting':
      return <Spinner label={`Reading ${state.path}`} />;
    case 'preview':
      return <PreviewStep state={state} send={send} />;
    case 'importing':
      return <Spinner label="Storing the key (the passphrase dialog asks when needed)" />;
    case 'done':
      return <Finished message={`${glyph.ok} Stored key ${shortId(state.key.id)} (${state.key.type}) as ${state.key.role}`} send={send} />;
    case 'failed':
      return <Finished message={`${glyph.error} ${state.error}`} error send={send} />;
  }
}

function PathStep({ initial, error, send }: { initial: string; error?: string; send(e: KeyImportEvent): void }) {
  const [path, setPath] = useState(initial);
  return (
    <>
      <TextInput
        label="Private key file:"
        value={path}
        placeholder="path/to/key.pem"
        priority={Priority.ModalText}
        onChange={setPath}
        onSubmit={(value) => send({ type: 'submit-path', path: value })}
        onCancel={() => send({ type: 'back' })}
      />
      {error && <Text color={theme.danger}>{glyph.error} {error}</Text>}
    </>
  );
}

function PreviewStep({ state, send }: { state: Extract<KeyImportState, { step: 'preview' }>; send(e: KeyImportEvent): void }) {
  const { preview } = state;
  const [name, setName] = useState(state.name);
  const needsName = !preview.role;
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
    else if (key.return) send({ type: 'confirm', name });
  }, !needsName);
  return (
    <>
      <Field label="File">{preview.path}</Field>
      <Field label="Role">{preview.role ?? '(no role header)'}</Field>
      {preview.gun && <Field label="Repository">{preview.gun}</Field>}
      <Field label="Type">{preview.type ?? 'known after the passphrase'}</Field>
      <Field label="Key ID">{preview.id ? shortId(preview.id) : 'known after the passphrase'}</Field>
      <Field label="Encrypted">{preview.encrypted ? 'yes: its passphrase is asked next' : 'no'}</Field>
      {needsName && (
        <TextInput
          label="Signer name for it:"
          value={name}
          priority={Priority.ModalText}
          onChange={setName}
          onSubmit={(value) => send({ type: 'confirm', name: value })}
          onCancel={() => send({ type: 'back' })}
        />
      )}
      {state.error && <Text color={theme.danger}>{glyph.error} {state.error}</Text>}
      <Text>Enter stores it in the trust directory, encrypted (passphrase from the environment, else asked).</Text>
    </>
  );
}

export function Finished({ message, error, send }: { message: string; error?: boolean; send(e: { type: 'back' }): void }) {
  useStepKeys((_input, key) => {
    if (key.escape || key.return) send({ type: 'back' });
  });
  return <Text color={error ? theme.danger : theme.success}>{message}</Text>;
}
