// The frame every dialog shares: a bordered box with a title, a body and a line of key hints.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { theme } from './theme.js';

export function Dialog({ title, tone = 'normal', hints, children }: { title: string; tone?: 'normal' | 'danger'; hints?: string; children: ReactNode }) {
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={tone === 'danger' ? theme.danger : theme.accent} paddingX={1} width="100%">
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      <Box flexDirection="column" marginTop={1}>
        {children}
      </Box>
      {hints && (
        <Box marginTop={1}>
          <Text color={theme.muted}>{hints}</Text>
        </Box>
      )}
    </Box>
  );
}
