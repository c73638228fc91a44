// Starts the interactive UI on a terminal: alternate screen, the store over the real trust layer,
// signals. Loaded only through src/main.ts, which has chosen React's build first. No JSX here, so
// that nothing but the imports below decides what loads.
import { resolve } from 'node:path';
import { render } from 'ink';
import { createElement } from 'react';
import { App } from './app.js';
import { defaultConfigDir, defaultTrustDir } from './config/paths.js';
import { StoreProvider } from './state/context.js';
import { createAppStore } from './state/store.js';
import type { Services } from './state/services.js';
import { createTrustServices } from './state/trust-services.js';

export interface MainOptions {
  trustDir?: string;
  configDir?: string;
  readOnly?: boolean;
  /** How long one operation may wait for servers (`--timeout`; default 30 s, as a command). */
  timeoutMs?: number;
  /** The lead's adapter over all of src/trust; defaults to what is wired today. */
  services?: Services;
}

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

export async function main(options: MainOptions = {}): Promise<void> {
  const useAltScreen = !process.env.TRUST_TUI_NO_ALT_SCREEN;
  let restored = false;
  const restore = () => {
    if (useAltScreen && !restored) {
      restored = true;
      process.stdout.write(LEAVE_ALT_SCREEN);
    }
  };
  if (useAltScreen) process.stdout.write(ENTER_ALT_SCREEN); // ink 6 has no alternate-screen option
  process.on('exit', restore); // also runs on process.exit and uncaught errors
  // Registered before Ink's own listener: a clean slate before each resized frame.
  if (useAltScreen) process.stdout.on('resize', () => process.stdout.write(CLEAR_SCREEN));

  const trustDir = resolve(options.trustDir ?? defaultTrustDir());
  const configDir = resolve(options.configDir ?? defaultConfigDir());
  const store = createAppStore(options.services ?? createTrustServices({ trustDir, configDir, timeoutMs: options.timeoutMs }), { readOnly: options.readOnly ?? false });
  const app = render(createElement(StoreProvider, { store }, createElement(App)), { exitOnCtrlC: true });
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.exitCode = 128 + (signal === 'SIGTERM' ? 15 : 1);
      app.unmount();
    });
  }
  try {
    await app.waitUntilExit();
  } finally {
    app.cleanup();
    restore();
  }
  // Quitting during the sign dialog's push cancels it rather than leaving it to sign unseen.
  const stopped = await store.getState().stopWork();
  if (stopped) {
    process.stderr.write(`trust-tui: ${stopped}\n`);
    // A cancelled operation exits as every cancelled command does (EXIT.cancelled in src/cli/exit-codes.ts).
    process.exitCode = 3;
  }
}
