// The interactive UI's entry (dist/main.js), loaded by src/cli.ts and `demo` only when the UI starts.
// React picks its development or production build when it is first loaded (./ui/react-mode.ts), so
// everything that loads React comes through a dynamic import after that choice: in the bundle a
// static import of an external package is evaluated before any code of the importing file.
import './ui/react-mode.js';
import type { MainOptions } from './main-ui.js';

export type { MainOptions };

/** Loads the UI's modules (React, Ink, the screens) without starting it. */
export function loadUi(): Promise<typeof import('./main-ui.js')> {
  return import('./main-ui.js');
}

export async function main(options: MainOptions = {}): Promise<void> {
  const ui = await loadUi();
  await ui.main(options);
}
