// The frame every dialog shares: a bordered box with a title, a body and a line of key hints.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { theme } from './theme.js';

/** `compact`: no blank lines between title, body and hints (a dialog that must fit a short terminal). */
export function Dialog({ title, tone = 'normal', hints, compact = false, children }: { title: string; tone?: 'normal' | 'danger'; hints?: string; compact?: boolean; children: ReactNode }) {
  const gap = compact ? 0 : 1;
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={tone === 'danger' ? theme.danger : theme.accent} paddingX={1} width="100%">
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      <Box flexDirection="column" marginTop={gap}>
        {children}
      </Box>
      {hints && (
        <Box marginTop={gap}>
          <Text color={theme.muted}>{hints}</Text>
        </Box>
      )}
    </Box>
  );
}
