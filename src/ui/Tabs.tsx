// The screen tabs. The active one is in brackets (visible without colour).
import { Box, Text } from 'ink';
import { SCREENS, type ScreenId } from '../state/slices/navigation.js';
import { truncateMiddle } from './columns.js';
import { theme } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

export function Tabs({ active, context }: { active: ScreenId; context?: string }) {
  const { columns } = useTerminalSize();
  const levels = ['title', 'short', 'tiny'] as const;
  type Level = (typeof levels)[number];
  const label = (s: (typeof SCREENS)[number], i: number, level: Level) => {
    const name = s.id === active ? s.title : s[level];
    return name ? `${i + 1} ${name}` : `${i + 1}`;
  };
  const width = (level: Level) => SCREENS.reduce((sum, s, i) => sum + label(s, i, level).length + 3, 0);
  // Inactive tabs shorten, then keep only their numbers, when the line is too narrow for them all (or
  // the repository name would otherwise get too little room), so the active tab always shows.
  const level = levels.find((l) => columns - width(l) - 1 >= (context === undefined ? 0 : 16)) ?? 'tiny';
  // The repository name keeps its end (the part that tells repositories apart) when space is short.
  const room = columns - width(level) - 1;
  const shown = context && room >= 8 ? truncateMiddle(context, room) : undefined;
  return (
    <Box width="100%">
      <Text wrap="truncate-end">
        {SCREENS.map((s, i) => {
          const text = label(s, i, level);
          return s.id === active ? (
            <Text key={s.id} bold color={theme.accent}>
              [{text}]{' '}
            </Text>
          ) : (
            <Text key={s.id}> {text}  </Text>
          );
        })}
        {shown ? <Text color={theme.muted}> {shown}</Text> : null}
      </Text>
    </Box>
  );
}
