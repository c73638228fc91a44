// Which screen is shown and which repository the Tags and Signers screens are about.
import type { SliceContext } from '../store.js';

export type ScreenId = 'repos' | 'tags' | 'signers' | 'keys' | 'config' | 'expiry' | 'requests' | 'policy';

/** The screens in tab order (Tab and the digit keys follow it). */
/** `short`: the title of an inactive tab when the line is needed for the repository name. */
/**
 * `short` and `tiny` are the inactive tab's label when the repository name beside the tabs needs the
 * room (src/ui/Tabs.tsx): tiny leaves only the number, but the first tab keeps its name so the top
 * line still says where the app starts.
 */
export const SCREENS: readonly { id: ScreenId; title: string; short: string; tiny: string }[] = [
  { id: 'repos', title: 'Repositories', short: 'Repositories', tiny: 'Repositories' },
  { id: 'tags', title: 'Tags', short: 'Tags', tiny: '' },
  { id: 'signers', title: 'Signers', short: 'Sign', tiny: '' },
  { id: 'keys', title: 'Keys', short: 'Keys', tiny: '' },
  { id: 'config', title: 'Config', short: 'Conf', tiny: '' },
  { id: 'expiry', title: 'Expiry', short: 'Exp', tiny: '' },
  { id: 'requests', title: 'Requests', short: 'Req', tiny: '' },
  { id: 'policy', title: 'Policy', short: 'Pol', tiny: '' },
];

export interface NavigationSlice {
  screen: ScreenId;
  /** The repository chosen on the Repositories screen (Tags and Signers show it). */
  gun: string | null;
  showScreen(screen: ScreenId): void;
  cycleScreen(step: 1 | -1): void;
  /** Opens `gun` on the Tags (or Signers) screen. */
  openRepository(gun: string, screen?: 'tags' | 'signers'): void;
  /** Esc with nothing to cancel: from a repository's screens back to the list of repositories. */
  back(): void;
}

export function createNavigationSlice({ set, get }: SliceContext): NavigationSlice {
  return {
    screen: 'repos',
    gun: null,
    showScreen(screen) {
      // A status line is about the screen it was shown on.
      if (screen !== get().screen) set({ screen, status: '' });
      get().ensureLoaded(screen);
    },
    cycleScreen(step) {
      const index = SCREENS.findIndex((s) => s.id === get().screen);
      const next = SCREENS[(index + step + SCREENS.length) % SCREENS.length]!;
      get().showScreen(next.id);
    },
    openRepository(gun, screen = 'tags') {
      if (get().gun !== gun) {
        set({ gun });
        get().resetList('tags');
        get().resetList('signers');
      }
      get().showScreen(screen);
    },
    back() {
      const { screen } = get();
      if (screen === 'tags' || screen === 'signers') get().showScreen('repos');
    },
  };
}
