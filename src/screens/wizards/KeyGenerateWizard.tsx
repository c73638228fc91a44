import { Text } from 'ink';
import { useState } from 'react';
import { KEY_GENERATE_STEPS, keyGenerateStepNumber, NEW_KEY_TYPES, type KeyGenerateEvent, type KeyGenerateState } from '../../state/wizards/key-generate.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { shortId } from '../format.js';
import { Finished } from './KeyImportWizard.js';
import { useStepKeys, WizardFrame } from './WizardFrame.js';

const TYPE_NOTES = { ecdsa: 'P-256, what docker and notary generate', ed25519: 'docker and notary cannot add it as a signer', rsa: '4096 bits, slow to generate' };

export function KeyGenerateWizard({ state, send }: { state: KeyGenerateState; send(e: KeyGenerateEvent): void }) {
  return (
    <WizardFrame title="Generate a key" steps={KEY_GENERATE_STEPS} step={keyGenerateStepNumber(state)} hints="Enter: continue   Esc: back">
      <Body state={state} send={send} />
    </WizardFrame>
  );
}

function Body({ state, send }: { state: KeyGenerateState; send(e: KeyGenerateEvent): void }) {
  switch (state.step) {
    case 'name':
      return <TextStep key="name" label="Signer name:" initial={state.name} error={state.error} submit={(name) => send({ type: 'submit-name', name })} send={send} />;
    case 'type':
      return <TypeStep initial={state.type} send={send} />;
    case 'dir':
      return <TextStep key="dir" label="Write NAME.pub to:" initial={state.dir} submit={(dir) => send({ type: 'submit-dir', dir })} send={send} />;
    case 'generating':
      return <Spinner label={`Generating a ${state.type} key for ${state.name}`} />;
    case 'done':
      return <Finished message={`${glyph.ok} Key ${shortId(state.key.id)} for ${state.key.name}; public key in ${state.key.publicKeyFile}`} send={send} />;
    case 'failed':
      return <Finished message={`${glyph.error} ${state.error}`} error send={send} />;
  }
}

function TextStep(props: { label: string; initial: string; error?: string; submit(value: string): void; send(e: KeyGenerateEvent): void }) {
  const [value, setValue] = useState(props.initial);
  return (
    <>
      <TextInput label={props.label} value={value} priority={Priority.ModalText} onChange={setValue} onSubmit={props.submit} onCancel={() => props.send({ type: 'back' })} />
      {props.error && <Text color={theme.danger}>{glyph.error} {props.error}</Text>}
    </>
  );
}

function TypeStep({ initial, send }: { initial: string; send(e: KeyGenerateEvent): void }) {
  const [cursor, setCursor] = useState(Math.max(0, NEW_KEY_TYPES.indexOf(initial as never)));
  useStepKeys((input, key) => {
    if (key.escape) send({ type: 'back' });
    else if (input === 'j' || key.downArrow) setCursor((c) => Math.min(c + 1, NEW_KEY_TYPES.length - 1));
    else if (input === 'k' || key.upArrow) setCursor((c) => Math.max(c - 1, 0));
    else if (key.return) send({ type: 'choose-type', keyType: NEW_KEY_TYPES[cursor]! });
  });
  return (
    <>
      {NEW_KEY_TYPES.map((t, i) => (
        <Text key={t} inverse={i === cursor}>
          {i === cursor ? glyph.cursor : ' '} {t.padEnd(8)} {TYPE_NOTES[t]}
        </Text>
      ))}
    </>
  );
}
