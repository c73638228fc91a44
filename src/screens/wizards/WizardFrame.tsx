// What every wizard step shows: the flow's name, "Step n of N: <step>", the body, the keys.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { Dialog } from '../../ui/Dialog.js';
import { Priority, useKeypress, type KeyHandler } from '../../ui/input.js';
import { theme } from '../../ui/theme.js';

export function WizardFrame(props: { title: string; steps: readonly string[]; step: number; hints: string; compact?: boolean; height?: number; focusRow?: number; children: ReactNode }) {
  const { title, steps, step, hints, compact, height, focusRow, children } = props;
  const subtitle = (
    <Text color={theme.accent} wrap="truncate-end">
      Step {step} of {steps.length}: {steps[step - 1]}
    </Text>
  );
  return (
    <Dialog title={title} subtitle={subtitle} hints={hints} {...(compact === undefined ? {} : { compact })} {...(height === undefined ? {} : { height })} {...(focusRow === undefined ? {} : { focusRow })}>
      {children}
    </Dialog>
  );
}

/** Keys of a step that has no text field; the wizard layer swallows every other key. */
export function useStepKeys(handler: KeyHandler, isActive = true): void {
  useKeypress(handler, { priority: Priority.Modal, capture: true, isActive });
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Box width={16} flexShrink={0}>
        <Text color={theme.muted}>{label}</Text>
      </Box>
      <Text wrap="truncate-end">{children}</Text>
    </Box>
  );
}
