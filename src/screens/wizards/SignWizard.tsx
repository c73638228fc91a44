import { Box, Text } from 'ink';
import { useState, type ReactNode } from 'react';
import {
  digestProblem,
  locationProblem,
  pushDone,
  SIGN_ORIGINS,
  signStepNumber,
  signSteps,
  sizeProblem,
  type SignEvent,
  type SignOrigin,
  type SignState,
} from '../../state/wizards/sign.js';
import { describePushed } from '../../trust/push-local.js';
import { ChoiceList } from '../../ui/ChoiceList.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { TextInput } from '../../ui/TextInput.js';
import { glyph, theme } from '../../ui/theme.js';
import { humanSize } from '../format.js';
import { Finished } from './KeyImportWizard.js';
import { LocalReview, PushingStep, PushProgressView } from './SignLocalSteps.js';
import { Field, useStepKeys, WizardFrame } from './WizardFrame.js';

const HINTS: Partial<Record<SignState['step'], string>> = {
  source: 'j/k: move   Enter: choose   Esc: close',
  review: 'Enter: sign and publish   Esc: back',
  'local-review': 'Enter: push and sign   Esc: back',
  done: 'Enter / Esc: close',
  'push-failed': 'Enter / Esc: back to the review',
};

function pushingHints(state: Extract<SignState, { step: 'pushing' }>): string {
  if (pushDone(state)) return 'Wait: the signing runs to the end';
  return state.cancelling ? 'Cancelling the push…' : 'Esc: cancel the push (nothing is signed)';
}

/**
 * Below this many rows for the dialog its blank lines go (and the failed push lists no blob): the
 * tallest steps (the source list, a push that failed) then still fit a 60x15 terminal.
 */
const COMPACT_BELOW_ROWS = 16;
/** The rows a failed push's message may take in a compact dialog (with its headline, 60x15 is full). */
const COMPACT_ERROR_ROWS = 5;

/** Digests (and blob paths) cut to 12 hex digits: a message about a blob fits a short terminal. */
export const shortDigests = (text: string): string => text.replace(/(sha256[:/])([0-9a-f]{12})[0-9a-f]{52}/g, '$1$2…');

export function SignWizard({ state, send, height }: { state: SignState; send(e: SignEvent): void; height?: number }) {
  const hints = state.step === 'pushing' ? pushingHints(state) : (HINTS[state.step] ?? 'Enter: continue   Esc: back');
  const compact = height !== undefined && height < COMPACT_BELOW_ROWS;
  return (
    <WizardFrame title={`Sign a tag of ${state.gun}`} steps={signSteps(state)} step={signStepNumber(state)} hints={hints} compact={compact} {...(height === undefined ? {} : { height })}>
      <Body state={state} send={send} compact={compact} />
    </WizardFrame>
  );
}

function Body({ state, send, compact }: { state: SignState; send(e: SignEvent): void; compact: boolean }) {
  switch (state.step) {
    case 'source':
      return <SourceStep initial={state.origin} send={send} />;
    case 'tag':
      return (
        <Input key="tag" label="Tag:" initial={state.tag} selectInitial error={state.error} onSubmit={(tag) => send({ type: 'submit-tag', tag })} send={send}>
          <Text color={theme.muted}>
            {state.origin === 'registry'
              ? 'Its digest and size are asked from the registry; if it cannot say, you type them.'
              : 'The local image is pushed to this tag, then signed.'}
          </Text>
        </Input>
      );
    case 'location': {
      const origin = state.origin;
      const spec = SIGN_ORIGINS.find((o) => o.origin === origin)!;
      return (
        <Input
          key="location"
          label={spec.field!}
          initial={state.location}
          placeholder={spec.example!}
          error={state.error}
          problem={(value) => locationProblem(origin, value)}
          onSubmit={(location) => send({ type: 'submit-location', location })}
          send={send}
        >
          <Text color={theme.muted}>{spec.label} to push to {state.tag}</Text>
        </Input>
      );
    }
    case 'opening':
      return <Spinner label={`Opening ${state.origin}:${state.location} and ${state.gun}`} />;
    case 'local-review':
      return <LocalReview state={state} send={send} />;
    case 'pushing':
      return <PushingStep state={state} send={send} />;
    case 'push-failed':
      return (
        <>
          <PushProgressView state={state} {...(compact ? { blobLines: 0 } : {})} />
          <Box flexDirection="column" {...(compact ? { height: COMPACT_ERROR_ROWS, overflow: 'hidden' as const } : {})}>
            <Finished message={`${glyph.error} ${compact ? shortDigests(state.error) : state.error}`} error send={send} />
          </Box>
        </>
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
          message={`${glyph.ok} ${state.result.pushed ? `${capitalised(describePushed(state.result.pushed))}; signed` : 'Signed'} ${state.gun}:${state.tag} in ${state.result.roles.join(', ')}${state.result.released ? '' : ' (not released: docker pulls only tags signed in targets/releases)'}`}
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
  /** The initial value is selected: typing replaces it (the tag of the row the wizard opened on). */
  selectInitial?: boolean;
  error?: string;
  problem?: (value: string) => string | undefined;
  onSubmit(value: string): void;
  send(e: SignEvent): void;
  children?: ReactNode;
}) {
  const [value, setValue] = useState(props.initial);
  const live = value && props.problem ? props.problem(value) : undefined;
  // The reducer's error is about the value it was given: shown (instead of "valid") until that is edited.
  const error = props.error && !live && value === props.initial ? props.error : undefined;
  return (
    <>
      <TextInput
        label={props.label}
        value={value}
        {...(props.placeholder ? { placeholder: props.placeholder } : {})}
        selectInitial={props.selectInitial ?? false}
        priority={Priority.ModalText}
        onChange={setValue}
        onSubmit={props.onSubmit}
        onCancel={() => props.send({ type: 'back', draft: value })}
      />
      {live ? (
        <Text color={theme.warning}>needs: {live}</Text>
      ) : error ? (
        <Text color={theme.danger}>
          {glyph.error} {error}
        </Text>
      ) : value && props.problem ? (
        <Text color={theme.success}>{glyph.ok} valid</Text>
      ) : null}
      {props.children}
    </>
  );
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function SourceStep({ initial, send }: { initial: SignOrigin; send(e: SignEvent): void }) {
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
  });
  return (
    <>
      <Text>What to sign:</Text>
      <ChoiceList choices={SIGN_ORIGINS.map((o) => ({ label: o.label, value: o.origin }))} initial={initial} onChoose={(origin) => send({ type: 'choose-source', origin })} />
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
