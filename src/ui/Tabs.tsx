// The screen tabs. The active one is in brackets (visible without colour).
import { Box, Text } from 'ink';
import { SCREENS, type ScreenId } from '../state/slices/navigation.js';
import { truncateMiddle } from './columns.js';
import { theme } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

export function Tabs({ active, context }: { active: ScreenId; context?: string }) {
  const { columns } = useTerminalSize();
  const width = (short: boolean) => SCREENS.reduce((sum, s, i) => sum + `${i + 1} ${short && s.id !== active ? s.short : s.title}`.length + 3, 0);
  // Inactive tabs take their short titles when the repository name would otherwise get too little room.
  const compact = context !== undefined && columns - width(false) - 1 < 16;
  // The repository name keeps its end (the part that tells repositories apart) when space is short.
  const room = columns - width(compact) - 1;
  const shown = context && room >= 8 ? truncateMiddle(context, room) : undefined;
  return (
    <Box width="100%">
      <Text wrap="truncate-end">
        {SCREENS.map((s, i) => {
          const label = `${i + 1} ${compact && s.id !== active ? s.short : s.title}`;
          return s.id === active ? (
            <Text key={s.id} bold color={theme.accent}>
              [{label}]{' '}
            </Text>
          ) : (
            <Text key={s.id}> {label}  </Text>
          );
        })}
        {shown ? <Text color={theme.muted}> {shown}</Text> : null}
      </Text>
    </Box>
  );
}
