// The footer, always visible: the spinner or last status on one line, key hints on the next.
import { Box, Text } from 'ink';
import { Spinner } from './Spinner.js';
import { theme } from './theme.js';

export const STATUS_BAR_HEIGHT = 2;

export function StatusBar({ hints, status, busy }: { hints: readonly { key: string; hint: string }[]; status: string; busy?: string }) {
  return (
    <Box flexDirection="column" width="100%" height={STATUS_BAR_HEIGHT}>
      {busy ? (
        <Box>
          <Spinner label={busy} />
          <Text color={theme.muted}> (Esc stops)</Text>
        </Box>
      ) : (
        <Text wrap="truncate-end">{status || ' '}</Text>
      )}
      <Text wrap="truncate-end" color={theme.muted}>
        {hints.map((h) => `${h.key}:${h.hint}`).join('  ')}
      </Text>
    </Box>
  );
}
