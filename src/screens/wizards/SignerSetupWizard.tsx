import { Box, Text } from 'ink';
import { useState } from 'react';
import type { SignerAdditionDelivery } from '../../state/services.js';
import { currentThreshold, releasesKeysAfter, SIGNER_SETUP_STEPS, signerSetupStepNumber, type SignerSetupEvent, type SignerSetupState } from '../../state/wizards/signer-setup.js';
import { DIALOG_SIDES } from '../../ui/Dialog.js';
import { Priority } from '../../ui/input.js';
import { Spinner } from '../../ui/Spinner.js';
import { WrappedText } from '../../ui/ScrollText.js';
import { TextInput } from '../../ui/TextInput.js';
import { useTerminalSize } from '../../ui/useTerminalSize.js';
import { glyph, theme } from '../../ui/theme.js';
import { shortId } from '../format.js';
import { Finished } from './KeyImportWizard.js';
import { useStepKeys, WizardFrame } from './WizardFrame.js';

const HINTS: Partial<Record<SignerSetupState['step'], string>> = {
  keys: 'j/k: move   Space: choose   f: add a .pub/PEM file   Enter: continue   Esc: back',
};

/** The confirmation's keys, as its plan will carry it out. */
const CONFIRM_HINTS: Record<SignerAdditionDelivery, string> = {
  publish: 'Enter: add and publish   Esc: back',
  request: 'Enter: open the signing request   Esc: back',
};

export function SignerSetupWizard({ state, height, send }: { state: SignerSetupState; height?: number; send(e: SignerSetupEvent): void }) {
  return (
    <WizardFrame
      title={`Add a signer to ${state.gun}`}
      steps={SIGNER_SETUP_STEPS}
      step={signerSetupStepNumber(state)}
      hints={state.step === 'confirm' ? CONFIRM_HINTS[state.delivery] : (HINTS[state.step] ?? 'Enter: continue   Esc: back')}
      {...(height === undefined ? {} : { height })}
      {...(state.step === 'keys' ? { focusRow: keysStepFocusRow(state) } : {})}
    >
      <Body state={state} send={send} />
    </WizardFrame>
  );
}

function Body({ state, send }: { state: SignerSetupState; send(e: SignerSetupEvent): void }) {
  switch (state.step) {
    case 'name':
      return <NameStep initial={state.name} error={state.error} send={send} />;
    case 'keys':
      return <KeysStep state={state} send={send} />;
    case 'reading-file':
      return <Spinner label={`Reading ${state.path}`} />;
    case 'threshold':
      return <ThresholdStep state={state} send={send} />;
    case 'confirm':
      return <ConfirmStep state={state} send={send} />;
    case 'planning':
      return <Spinner label={`Working out whether adding ${state.name} publishes or needs other signers`} />;
    case 'adding':
      return <Spinner label={state.delivery === 'publish' ? `Adding ${state.name} to ${state.gun} and publishing` : `Opening a signing request to add ${state.name} to ${state.gun}`} />;
    case 'done': {
      const { signer } = state;
      const change = signer.releases.from !== signer.releases.to ? `targets/releases: threshold ${signer.releases.from} → ${signer.releases.to}` : undefined;
      if (signer.request) {
        return (
          <Finished
            message={[
              `⚠ Nothing published yet: the change needs signatures this host does not hold.`,
              `  Signing request ${signer.request.id} opened (${signer.request.status}): ${signer.request.location}`,
              `  It adds ${signer.name}${change ? `; ${change}` : ''} once the other signers sign it.`,
            ].join('\n')}
            send={send}
          />
        );
      }
      return (
        <Finished
          message={[
            `${glyph.ok} ${signer.name} can now sign ${state.gun} (keys ${signer.keyIds.map(shortId).join(', ')})`,
            ...(change ? [`  ${change}`] : []),
            ...signer.changes.map((c) => `  ${c}`),
          ].join('\n')}
          send={send}
        />
      );
    }
    case 'failed':
      return <Finished message={`${glyph.error} ${state.error}`} error send={send} />;
  }
}

function NameStep({ initial, error, send }: { initial: string; error?: string; send(e: SignerSetupEvent): void }) {
  const [name, setName] = useState(initial);
  return (
    <>
      <TextInput label="Signer name:" value={name} priority={Priority.ModalText} onChange={setName} onSubmit={(value) => send({ type: 'submit-name', name: value })} onCancel={() => send({ type: 'back' })} />
      {error && <Text color={theme.danger}>{glyph.error} {error}</Text>}
    </>
  );
}

/** The row of the keys step to keep in view: the key under the cursor. */
function keysStepFocusRow(state: Extract<SignerSetupState, { step: 'keys' }>): number {
  // After the "Keys in the keystore" heading.
  return 1 + state.cursor;
}

function KeysStep({ state, send }: { state: Extract<SignerSetupState, { step: 'keys' }>; send(e: SignerSetupEvent): void }) {
  const [path, setPath] = useState<string | null>(null);
  useStepKeys((input, key) => {
    if (key.escape) send({ type: 'back' });
    else if (input === 'j' || key.downArrow) send({ type: 'move', delta: 1 });
    else if (input === 'k' || key.upArrow) send({ type: 'move', delta: -1 });
    else if (input === ' ') send({ type: 'toggle' });
    else if (input === 'f') setPath('');
    else if (key.return) send({ type: 'next' });
  }, path === null);
  const chosenIds = new Set(state.chosen.map((c) => c.id));
  return (
    <>
      <Text bold>Keys in the keystore</Text>
      {state.available.length === 0 && <Text color={theme.muted}>  none usable as a signer key: press f to add a .pub file</Text>}
      {state.available.map((k, i) => (
        <Text key={k.id} inverse={i === state.cursor} wrap="truncate-end">
          {i === state.cursor ? glyph.cursor : ' '} [{chosenIds.has(k.id) ? 'x' : ' '}] {shortId(k.id)} {k.type.padEnd(8)} {k.role}
        </Text>
      ))}
      <Box marginTop={1} flexDirection="column">
        <Text bold>Chosen ({state.chosen.length})</Text>
        {state.chosen.map((c) => (
          <Text key={c.id}>
            {'  '}
            {shortId(c.id)} {c.type.padEnd(8)} {c.label}
          </Text>
        ))}
      </Box>
      {path !== null && (
        <TextInput
          label="Public key or certificate file:"
          value={path}
          priority={Priority.ModalText}
          onChange={setPath}
          onSubmit={(value) => {
            setPath(null);
            send({ type: 'add-file', path: value });
          }}
          onCancel={() => setPath(null)}
        />
      )}
      {state.error && <Text color={theme.danger}>{glyph.error} {state.error}</Text>}
    </>
  );
}

function ThresholdStep({ state, send }: { state: Extract<SignerSetupState, { step: 'threshold' }>; send(e: SignerSetupEvent): void }) {
  const [value, setValue] = useState(state.value);
  const now = currentThreshold(state);
  const keys = releasesKeysAfter(state);
  const width = useTerminalSize().columns - DIALOG_SIDES;
  return (
    <>
      <WrappedText text={`targets/releases needs ${now} of its keys to sign each release; with ${state.name} it has ${keys} distinct key(s).`} width={width} />
      <TextInput
        label="Releases threshold (empty: unchanged):"
        value={value}
        priority={Priority.ModalText}
        onChange={setValue}
        onSubmit={(v) => send({ type: 'submit-threshold', value: v })}
        onCancel={() => send({ type: 'back' })}
      />
      {state.error && <WrappedText text={`${glyph.error} ${state.error}`} width={width} color={theme.danger} />}
    </>
  );
}

/** What confirming does, as the plan says (the result and the status line say the same after). */
const CONFIRM_TEXT: Record<SignerAdditionDelivery, (gun: string) => string> = {
  publish: (gun) => `This publishes new trust data for ${gun}; the repository key's passphrase is asked.`,
  request: (gun) => `Nothing is published yet: this opens a signing request for ${gun}; the signer is added once the other signers sign it.`,
};

function ConfirmStep({ state, send }: { state: Extract<SignerSetupState, { step: 'confirm' }>; send(e: SignerSetupEvent): void }) {
  const width = useTerminalSize().columns - DIALOG_SIDES;
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
    else if (key.return) send({ type: 'next' });
  });
  // What confirming does comes first: on a short terminal the rest may need scrolling.
  return (
    <>
      <WrappedText text={CONFIRM_TEXT[state.delivery](state.gun)} width={width} />
      <Text>
        Add signer <Text bold>{state.name}</Text> to <Text bold>{state.gun}</Text> with {state.chosen.length} key(s):
      </Text>
      {state.chosen.map((c) => (
        <Text key={c.id} wrap="truncate-middle">
          {'  '}
          {c.id} ({c.type}, {c.label})
        </Text>
      ))}
      <Text>
        targets/releases threshold: {state.threshold === undefined ? `${currentThreshold(state)} (unchanged)` : `${currentThreshold(state)} → ${state.threshold}`}
      </Text>
    </>
  );
}
