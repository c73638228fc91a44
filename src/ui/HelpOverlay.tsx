// `?`: every key of the current screen, generated from the keymap (the same table as the footer).
// Two columns (this screen and lists | everywhere) so it fits an 80×24 terminal.
import { Box, Text } from 'ink';
import { Dialog } from './Dialog.js';
import { Priority, useKeypress } from './input.js';
import { helpEntries, SCREENS, type ScreenId, type Scope } from './keymap.js';

export function HelpOverlay({ screen, onClose }: { screen: ScreenId; onClose(): void }) {
  useKeypress(
    (input, key) => {
      if (input === '?' || input === 'q' || key.escape) onClose();
    },
    { priority: Priority.Modal, capture: true },
  );
  const title = SCREENS.find((s) => s.id === screen)?.title ?? screen;
  return (
    <Dialog title="Keys" hints="Esc, ? or q to close">
      <Box>
        <Box flexDirection="column" flexGrow={1} flexBasis={0}>
          <Section scope={screen} heading={title} />
          <Section scope="list" heading="Lists" />
        </Box>
        <Box flexDirection="column" flexGrow={1} flexBasis={0} marginLeft={2}>
          <Section scope="global" heading="Everywhere" />
        </Box>
      </Box>
    </Dialog>
  );
}

function Section({ scope, heading }: { scope: Scope; heading: string }) {
  const entries = helpEntries(scope);
  if (entries.length === 0) return null;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold underline>
        {heading}
      </Text>
      {entries.map((e) => (
        <Box key={e.description} flexShrink={0}>
          <Box width={14} flexShrink={0}>
            <Text bold>{e.keys}</Text>
          </Box>
          <Text wrap="truncate-end">{e.description}</Text>
        </Box>
      ))}
    </Box>
  );
}
