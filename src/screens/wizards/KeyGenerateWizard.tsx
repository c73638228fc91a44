import { Text } from 'ink';
import { useState } from 'react';
import { KEY_GENERATE_STEPS, keyGenerateStepNumber, NEW_KEY_TYPES, type KeyGenerateEvent, type KeyGenerateState } from '../../state/wizards/key-generate.js';
import { ChoiceList } from '../../ui/ChoiceList.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { shortId } from '../format.js';
import { Finished } from './KeyImportWizard.js';
import { useStepKeys, WizardFrame } from './WizardFrame.js';

const TYPE_NOTES = { ecdsa: 'P-256, what docker and notary generate', ed25519: 'docker and notary cannot add it as a signer', rsa: '4096 bits, slow to generate' };

export function KeyGenerateWizard({ state, height, send }: { state: KeyGenerateState; height?: number; send(e: KeyGenerateEvent): void }) {
  return (
    <WizardFrame title="Generate a key" steps={KEY_GENERATE_STEPS} step={keyGenerateStepNumber(state)} hints="Enter: continue   Esc: back" {...(height === undefined ? {} : { height })}>
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
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
  });
  return (
    <ChoiceList
      choices={NEW_KEY_TYPES.map((t) => ({ label: `${t.padEnd(8)} ${TYPE_NOTES[t]}`, value: t }))}
      initial={initial as (typeof NEW_KEY_TYPES)[number]}
      onChoose={(keyType) => send({ type: 'choose-type', keyType })}
    />
  );
}
