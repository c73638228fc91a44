// The screen tabs. The active one is in brackets (visible without colour).
import { Box, Text } from 'ink';
import { SCREENS, type ScreenId } from '../state/slices/navigation.js';
import { theme } from './theme.js';

export function Tabs({ active, context }: { active: ScreenId; context?: string }) {
  return (
    <Box width="100%">
      <Text wrap="truncate-end">
        {SCREENS.map((s, i) => {
          const label = `${i + 1} ${s.title}`;
          return s.id === active ? (
            <Text key={s.id} bold color={theme.accent}>
              [{label}]{' '}
            </Text>
          ) : (
            <Text key={s.id}> {label}  </Text>
          );
        })}
        {context ? <Text color={theme.muted}> {context}</Text> : null}
      </Text>
    </Box>
  );
}
