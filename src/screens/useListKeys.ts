// The keys every list screen shares (move, page, filter, refresh, open), plus the screen's own
// commands, routed at Screen priority so dialogs and text fields above it win.
import type { ScreenId } from '../state/slices/navigation.js';
import { commandFor, type Command } from '../ui/keymap.js';
import { Priority, useKeypress } from '../ui/input.js';
import { useAppStore } from '../state/context.js';
import type { ListId } from '../state/slices/lists.js';

export type ScreenCommands = Partial<Record<Command, () => void>>;

export function useListKeys(screen: ScreenId, list: ListId, commands: ScreenCommands, pageSize: number, isActive = true): void {
  const store = useAppStore();
  useKeypress(
    (input, key) => {
      const command = commandFor(input, key, [screen, 'list']);
      if (!command) return false;
      const actions = store.getState();
      switch (command) {
        case 'nav.up':
          return actions.move(list, 'up'), true;
        case 'nav.down':
          return actions.move(list, 'down'), true;
        case 'nav.top':
          return actions.move(list, 'top'), true;
        case 'nav.bottom':
          return actions.move(list, 'bottom'), true;
        case 'nav.pageUp':
          return actions.move(list, 'pageUp', pageSize), true;
        case 'nav.pageDown':
          return actions.move(list, 'pageDown', pageSize), true;
        case 'list.filter':
          return actions.openFilter(list), true;
        case 'list.refresh':
          return void actions.load(list), true;
        default: {
          const run = commands[command];
          if (!run) return false;
          run();
          return true;
        }
      }
    },
    { priority: Priority.Screen, isActive },
  );
}
