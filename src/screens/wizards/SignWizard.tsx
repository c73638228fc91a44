import { Text } from 'ink';
import { useState, type ReactNode } from 'react';
import { digestProblem, SIGN_STEPS, signStepNumber, sizeProblem, type SignEvent, type SignState } from '../../state/wizards/sign.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { humanSize } from '../format.js';
import { Finished } from './KeyImportWizard.js';
import { Field, useStepKeys, WizardFrame } from './WizardFrame.js';

export function SignWizard({ state, send }: { state: SignState; send(e: SignEvent): void }) {
  const hints = state.step === 'done' ? 'Enter / Esc: close' : state.step === 'review' ? 'Enter: sign and publish   Esc: back' : 'Enter: continue   Esc: back';
  return (
    <WizardFrame title={`Sign a tag of ${state.gun}`} steps={SIGN_STEPS} step={signStepNumber(state)} hints={hints}>
      <Body state={state} send={send} />
    </WizardFrame>
  );
}

function Body({ state, send }: { state: SignState; send(e: SignEvent): void }) {
  switch (state.step) {
    case 'tag':
      return (
        <Input key="tag" label="Tag:" initial={state.tag} error={state.error} onSubmit={(tag) => send({ type: 'submit-tag', tag })} send={send}>
          <Text color={theme.muted}>Its digest and size are asked from the registry; if it cannot say, you type them.</Text>
        </Input>
      );
    case 'resolving':
      return <Spinner label={`Asking the registry for ${state.gun}:${state.tag}`} />;
    case 'digest':
    case 'size': {
      const digestStep = state.step === 'digest';
      return (
        <>
          {state.registryProblem && (
            <Text color={theme.warning}>
              {glyph.next} The registry could not say what {state.tag} is ({state.registryProblem}): give its manifest digest and size.
            </Text>
          )}
          <Field label="Tag">{state.tag}</Field>
          {digestStep ? (
            <Input
              key="digest"
              label="Digest:"
              initial={state.digest}
              placeholder="sha256:<64 hex digits>"
              error={state.error}
              problem={digestProblem}
              onSubmit={(digest) => send({ type: 'submit-digest', digest })}
              send={send}
            />
          ) : (
            <>
              <Field label="Digest">{state.digest}</Field>
              <Input
                key="size"
                label="Size (bytes):"
                initial={state.size}
                error={state.error}
                problem={sizeProblem}
                onSubmit={(size) => send({ type: 'submit-size', size })}
                send={send}
              />
            </>
          )}
        </>
      );
    }
    case 'review':
      return <Review state={state} send={send} />;
    case 'signing':
      return <Spinner label={`Signing ${state.gun}:${state.tag} (the passphrase dialog asks when needed)`} />;
    case 'done':
      return (
        <Finished
          message={`${glyph.ok} Signed ${state.gun}:${state.tag} in ${state.result.roles.join(', ')}${state.result.released ? '' : ' (not released: docker pulls only tags signed in targets/releases)'}`}
          send={send}
        />
      );
    case 'failed':
      return <Finished message={`${glyph.error} ${state.error}`} error send={send} />;
  }
}

/** A text field whose value is checked as it is typed (`problem`); the reducer checks it again on Enter. */
function Input(props: {
  label: string;
  initial: string;
  placeholder?: string;
  error?: string;
  problem?: (value: string) => string | undefined;
  onSubmit(value: string): void;
  send(e: SignEvent): void;
  children?: ReactNode;
}) {
  const [value, setValue] = useState(props.initial);
  const live = value && props.problem ? props.problem(value) : undefined;
  return (
    <>
      <TextInput
        label={props.label}
        value={value}
        {...(props.placeholder ? { placeholder: props.placeholder } : {})}
        priority={Priority.ModalText}
        onChange={setValue}
        onSubmit={props.onSubmit}
        onCancel={() => props.send({ type: 'back' })}
      />
      {live ? (
        <Text color={theme.warning}>needs: {live}</Text>
      ) : value && props.problem ? (
        <Text color={theme.success}>{glyph.ok} valid</Text>
      ) : null}
      {props.error && !live && <Text color={theme.danger}>{glyph.error} {props.error}</Text>}
      {props.children}
    </>
  );
}

function Review({ state, send }: { state: Extract<SignState, { step: 'review' }>; send(e: SignEvent): void }) {
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
    else if (key.return) send({ type: 'confirm' });
  });
  return (
    <>
      <Field label="Tag">{state.tag}</Field>
      <Field label="Digest">{state.manifest.digest}</Field>
      <Field label="Size">{`${state.manifest.size} bytes (${humanSize(state.manifest.size)})`}</Field>
      <Field label="From">{state.source === 'registry' ? 'the registry' : 'typed by you'}</Field>
      <Text>Enter signs it in every role this host may sign and publishes to the trust server.</Text>
    </>
  );
}
