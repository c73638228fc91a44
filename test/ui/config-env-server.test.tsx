// The Config screen names DOCKER_CONTENT_TRUST_SERVER when it is set: it is used instead of every
// server entry the screen lists, so a user editing those entries would otherwise see no effect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTrustServices } from '../../src/state/trust-services.js';
import { renderAppSized } from './helpers.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function openConfig(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-config-env-'));
  const services = createTrustServices({ trustDir: path.join(dir, 'trust'), configDir: path.join(dir, 'config'), env });
  await services.updateConfig({ kind: 'server', prefix: 'registry.example.com/*', url: 'https://notary.example.com' });
  const ui = renderAppSized(services, 100, 20);
  await ui.press('5');
  cleanup = () => {
    ui.unmount();
    rmSync(dir, { recursive: true, force: true });
  };
  await ui.waitFor('https://notary.example.com');
  return ui;
}

describe('Config screen and DOCKER_CONTENT_TRUST_SERVER', () => {
  it('lists the variable as what is used instead of the server entries, and Enter on it says how to use them', async () => {
    const ui = await openConfig({ DOCKER_CONTENT_TRUST_SERVER: 'https://trust.internal:4443' });
    expect(ui.frame()).toContain('DOCKER_CONTENT_TRUST_SERVER');
    expect(ui.frame()).toContain('https://trust.internal:4443 (used instead of the servers below)');
    // The rows: TOFU, trust directory, settings file, the variable.
    for (let i = 0; i < 3; i++) await ui.press('j');
    await ui.press('\r');
    await ui.waitFor('Unset DOCKER_CONTENT_TRUST_SERVER and restart to use the servers below');
  });

  it('shows no such row when the variable is not set', async () => {
    const ui = await openConfig({});
    expect(ui.frame()).not.toContain('DOCKER_CONTENT_TRUST_SERVER');
  });
});
