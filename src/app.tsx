// The app shell: tabs, the error banner, the screen (or the dialog on top of it), the footer.
// Global keys live here at the lowest priority, so screens, text fields and dialogs win over them.
import { Box, Text, useApp as useInkApp } from 'ink';
import { useEffect, type ComponentType } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ConfigScreen } from './screens/ConfigScreen.js';
import { DialogManager, useDialogOpen } from './screens/DialogManager.js';
import { ExpiryScreen } from './screens/ExpiryScreen.js';
import { KeysScreen } from './screens/KeysScreen.js';
import { ReposScreen } from './screens/ReposScreen.js';
import { PolicyScreen } from './screens/PolicyScreen.js';
import { RequestsScreen } from './screens/RequestsScreen.js';
import { SignersScreen } from './screens/SignersScreen.js';
import { TagsScreen } from './screens/TagsScreen.js';
import { useApp, useAppStore } from './state/context.js';
import { dialogHints, type DialogKind } from './ui/dialog-hints.js';
import { bannerHeight, bannerRows, ErrorBanner, errorDetail } from './ui/ErrorBanner.js';
import { InputProvider, Priority, useKeypress } from './ui/input.js';
import { SCREENS, type ScreenId } from './state/slices/navigation.js';
import { commandFor, footerHints } from './ui/keymap.js';
import { STATUS_BAR_HEIGHT, StatusBar } from './ui/StatusBar.js';
import { Tabs } from './ui/Tabs.js';
import { MIN_SIZE, useTerminalSize } from './ui/useTerminalSize.js';

const SCREEN_VIEWS: Record<ScreenId, ComponentType<{ height: number }>> = {
  repos: ReposScreen,
  tags: TagsScreen,
  signers: SignersScreen,
  keys: KeysScreen,
  config: ConfigScreen,
  expiry: ExpiryScreen,
  requests: RequestsScreen,
  policy: PolicyScreen,
};

export function App() {
  return (
    <InputProvider>
      <Shell />
    </InputProvider>
  );
}

function Shell() {
  const { columns, rows } = useTerminalSize();
  const store = useAppStore();
  const { screen, gun, banner, busy, status, dialog } = useApp(
    useShallow((s) => ({
      screen: s.screen,
      gun: s.gun,
      banner: s.banner,
      busy: s.busy,
      status: s.status,
      dialog: (s.passphrase ? 'passphrase' : s.wizard ? 'wizard' : s.modal?.kind) satisfies DialogKind | undefined as DialogKind | undefined,
    })),
  );
  const dialogOpen = useDialogOpen();
  useGlobalKeys();
  useEffect(() => store.getState().ensureLoaded(store.getState().screen), [store]);

  if (columns < MIN_SIZE.columns || rows < MIN_SIZE.rows) {
    return <Text>Terminal too small ({columns}×{rows}): need {MIN_SIZE.columns}×{MIN_SIZE.rows}. q quits.</Text>;
  }
  // Keep the frame below the terminal height: at >= rows Ink repaints the whole screen every frame.
  const bannerText = banner && bannerRows(banner, columns);
  const bodyHeight = rows - 1 - 1 - STATUS_BAR_HEIGHT - (bannerText ? bannerHeight(bannerText) : 0);
  const Screen = SCREEN_VIEWS[screen];
  const onRepoScreen = (screen === 'tags' || screen === 'signers') && gun;
  return (
    <Box flexDirection="column" width="100%">
      <Tabs active={screen} {...(onRepoScreen ? { context: gun } : {})} />
      {bannerText && <ErrorBanner rows={bannerText} />}
      {/* Clipped sideways only under a dialog: list screens lay every line out to the width
          (src/ui/DataTable.tsx), and Ink's sideways clip re-measures and re-slices each line of
          every frame (about a third of a keypress on the Tags screen). */}
      <Box height={bodyHeight} width="100%" flexDirection="column" overflowY="hidden" overflowX={dialogOpen ? 'hidden' : 'visible'}>
        {dialogOpen ? <DialogManager height={bodyHeight} /> : <Screen height={bodyHeight} />}
      </Box>
      <StatusBar hints={dialog ? dialogHints(dialog) : footerHints(screen)} status={status} {...(busy ? { busy: busy.label } : {})} />
    </Box>
  );
}

/** Keys that work on every screen when nothing above them took the key. */
function useGlobalKeys(): void {
  const store = useAppStore();
  const { exit } = useInkApp();
  useKeypress(
    (input, key) => {
      const s = store.getState();
      const command = commandFor(input, key, ['global']);
      switch (command) {
        case 'app.quit':
          return exit(), true;
        case 'app.help':
          return s.openModal({ kind: 'help' }), true;
        case 'app.errorDetail':
          if (!s.banner) return false;
          s.openModal(errorDetail(s.banner));
          return s.dismissBanner(), true;
        case 'app.nextScreen':
          return s.cycleScreen(1), true;
        case 'app.prevScreen':
          return s.cycleScreen(-1), true;
        case 'app.screen':
          return s.showScreen(SCREENS[Number(input) - 1]!.id), true;
        case 'app.back': {
          // Esc never quits: it stops work, dismisses the banner, clears a filter, or goes back.
          const list = s.screen;
          if (s.busy?.abort) s.busy.abort();
          else if (s.banner) s.dismissBanner();
          else if (s.lists[list].filter) s.clearFilter(list);
          else s.back();
          return true;
        }
        default:
          return false;
      }
    },
    { priority: Priority.Global },
  );
}
