// The last failure: its cause and the next step. The app keeps running; Esc dismisses it.
import { Box, Text } from 'ink';
import { glyph, theme } from './theme.js';

export const BANNER_HEIGHT = 4;

export function ErrorBanner({ cause, next }: { cause: string; next: string }) {
  return (
    <Box flexDirection="column" borderStyle="single" borderColor={theme.danger} paddingX={1} width="100%" height={BANNER_HEIGHT}>
      <Text color={theme.danger} wrap="truncate-end">
        {glyph.error} Error: {cause}
      </Text>
      <Text wrap="truncate-end">
        {glyph.next} {next} <Text color={theme.muted}>(Esc to dismiss)</Text>
      </Text>
    </Box>
  );
}
