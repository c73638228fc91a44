// The Config screen names DOCKER_CONTENT_TRUST_SERVER when it is set: it is used instead of every
// server entry the screen lists, so a user editing those entries would otherwise see no effect.
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithRealServices } from './real-services.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function openConfig(env: Record<string, string>) {
  const app = await renderWithRealServices({ env, server: { prefix: 'registry.example.com/*', url: 'https://notary.example.com' }, columns: 100, rows: 20 });
  cleanup = app.remove;
  const { ui } = app;
  await ui.press('5');
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
