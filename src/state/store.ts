// The app store (zustand/vanilla, one per app or test): plain state plus actions. Actions call only
// the injected Services; screens call only actions. Slices live in ./slices/.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Services } from './services.js';
import { createDialogSlice, type DialogSlice } from './slices/dialogs.js';
import { createListSlice, type ListSlice } from './slices/lists.js';
import { createNavigationSlice, type NavigationSlice } from './slices/navigation.js';
import { createOperationSlice, type OperationSlice } from './slices/operations.js';
import { createRequestSlice, type RequestSlice } from './slices/requests.js';
import { createPolicySlice, type PolicySlice } from './slices/policy.js';
import { createPassphraseSlice, type PassphraseSlice } from './slices/passphrase.js';
import { createWizardSlice, type WizardSlice } from './slices/wizards.js';

export type AppState = NavigationSlice & ListSlice & DialogSlice & PassphraseSlice & WizardSlice & OperationSlice & RequestSlice & PolicySlice;

export type AppStore = StoreApi<AppState>;

/** What a slice creator gets: zustand's set/get plus the injected services. */
export interface SliceContext {
  set: StoreApi<AppState>['setState'];
  get: () => AppState;
  services: Services;
  options: AppOptions;
}

export interface AppOptions {
  /** Default directory for new `.pub` files (key generation). */
  workDir: string;
  /** Hide every mutating action (k9s-style read-only mode). */
  readOnly: boolean;
}

export function createAppStore(services: Services, options: Partial<AppOptions> = {}): AppStore {
  const resolved: AppOptions = { workDir: options.workDir ?? process.cwd(), readOnly: options.readOnly ?? false };
  return createStore<AppState>()((set, get) => {
    const ctx: SliceContext = { set, get, services, options: resolved };
    return {
      ...createNavigationSlice(ctx),
      ...createListSlice(ctx),
      ...createDialogSlice(ctx),
      ...createPassphraseSlice(ctx),
      ...createWizardSlice(ctx),
      ...createOperationSlice(ctx),
      ...createRequestSlice(ctx),
      ...createPolicySlice(ctx),
    };
  });
}
