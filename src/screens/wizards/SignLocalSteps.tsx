// The sign dialog's steps for a local image: the review of what will be pushed and signed, and the
// push's progress (per blob, bytes of its size; drawn from the snapshots the store sends at a bounded
// rate, and at most MAX_BLOB_LINES blobs; fewer in a short terminal, so that 60x15 shows it all).
import { Text } from 'ink';
import { isBlobDone, pushTotals, type BlobView } from '../../state/wizards/push-view.js';
import type { SignEvent, SignState } from '../../state/wizards/sign.js';
import { glyph, theme } from '../../ui/theme.js';
import { humanSize } from '../format.js';
import { Field, useStepKeys } from './WizardFrame.js';

const MAX_BLOB_LINES = 2;
const BAR_WIDTH = 10;

export function LocalReview({ state, send }: { state: Extract<SignState, { step: 'local-review' }>; send(e: SignEvent): void }) {
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
    else if (key.return) send({ type: 'confirm' });
  });
  const { plan } = state;
  const manifests = plan.manifests === 1 ? '1 manifest' : `${plan.manifests} manifests (an index)`;
  return (
    <>
      <Field label="Push">{`${plan.from} → ${plan.tag}`}</Field>
      <Field label="Digest">{plan.root.digest}</Field>
      <Field label="Blobs">{`${plan.blobs.count} (${humanSize(plan.blobs.bytes)} at most), ${manifests}`}</Field>
      <Field label="Then sign in">{plan.initialises ? 'a new repository, initialised after the push' : plan.roles.join(', ')}</Field>
    </>
  );
}

function bar(sent: number, size: number): string {
  const filled = size === 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((sent / size) * BAR_WIDTH));
  return '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
}

const STATE_WORDS: Record<BlobView['state'], string> = {
  checking: 'checking',
  exists: 'already there',
  mounted: 'mounted',
  uploading: 'uploading',
  retrying: 'retrying',
  pushed: 'pushed',
};

function BlobLine({ blob }: { blob: BlobView }) {
  const hex = blob.digest.slice(blob.digest.indexOf(':') + 1, blob.digest.indexOf(':') + 13);
  const skipped = blob.state === 'exists' || blob.state === 'mounted';
  return (
    <Text wrap="truncate-end" color={isBlobDone(blob) ? theme.muted : undefined}>
      {hex} {skipped ? ' '.repeat(BAR_WIDTH) : bar(blob.sent, blob.size)} {skipped ? humanSize(blob.size) : `${humanSize(blob.sent)}/${humanSize(blob.size)}`}{' '}
      {STATE_WORDS[blob.state]}
    </Text>
  );
}

/** The push running: Esc cancels it (until the tag is pushed; then only the signing is left). */
export function PushingStep({ state, send, blobLines }: { state: Extract<SignState, { step: 'pushing' }>; send(e: SignEvent): void; blobLines?: number }) {
  useStepKeys((_input, key) => {
    if (key.escape) send({ type: 'back' });
  });
  return <PushProgressView state={state} {...(blobLines !== undefined ? { blobLines } : {})} />;
}

export function PushProgressView({ state, blobLines = MAX_BLOB_LINES }: { state: Extract<SignState, { step: 'pushing' | 'push-failed' }>; blobLines?: number }) {
  const { progress, plan } = state;
  const totals = pushTotals(progress);
  // The blobs still moving first, then the latest finished ones.
  const active = progress.blobs.filter((b) => !isBlobDone(b));
  const shown = [...active, ...progress.blobs.filter(isBlobDone).reverse()].slice(0, blobLines);
  const pushed = progress.manifests >= plan.manifests;
  return (
    <>
      <Text wrap="truncate-end">
        Blobs: {totals.done} of {plan.blobs.count} in the registry, {humanSize(totals.sent)} of {humanSize(totals.bytes)} sent
      </Text>
      {shown.map((blob) => (
        <BlobLine key={blob.digest} blob={blob} />
      ))}
      {state.step === 'pushing' && (
        <Text color={theme.accent} wrap="truncate-end">
          {pushed
            ? `${glyph.ok} Pushed ${plan.tag}; signing (the passphrase dialog asks when needed)`
            : state.cancelling
              ? `Cancelling the push of ${plan.from}: nothing will be signed`
              : `Pushing ${plan.from}; blobs sent stay for a rerun`}
        </Text>
      )}
    </>
  );
}
