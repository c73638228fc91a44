// The app over the real trust services (keystore, settings, Notary client) in a scratch directory,
// with one server entry set: for UI tests of what the real services say (advice, errors, settings).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTrustServices } from '../../src/state/trust-services.js';
import { renderAppSized } from './helpers.js';

export interface RealServicesApp {
  ui: ReturnType<typeof renderAppSized>;
  /** Unmounts the app and removes its directory. */
  remove(): void;
}

/** The app at `columns`×`rows`, its server for `prefix` set to `url`, opened on `open` when given. */
export async function renderWithRealServices(options: {
  env: Record<string, string>;
  server: { prefix: string; url: string };
  columns: number;
  rows: number;
  open?: Parameters<typeof renderAppSized>[3];
}): Promise<RealServicesApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-real-services-'));
  const services = createTrustServices({ trustDir: path.join(dir, 'trust'), configDir: path.join(dir, 'config'), env: options.env });
  await services.updateConfig({ kind: 'server', ...options.server });
  const ui = renderAppSized(services, options.columns, options.rows, options.open);
  return {
    ui,
    remove: () => {
      ui.unmount();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
