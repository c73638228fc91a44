// The advice for an unreachable trust server names where the server came from: when
// DOCKER_CONTENT_TRUST_SERVER is set, it overrides the Config screen, so "set the server on the
// Config screen" would not help.
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { renderWithRealServices } from './real-services.js';

const GUN = 'registry.example.com/team/app';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/**
 * The Tags screen of GUN over the real trust services; the Config screen's server for GUN, and the
 * variable's when `env` sets it, refuse connections.
 */
async function openTags(env: Record<string, string>) {
  const app = await renderWithRealServices({ env, server: { prefix: GUN, url: `https://127.0.0.1:${await freePort()}` }, columns: 140, rows: 30, open: { gun: GUN, screen: 'tags' } });
  cleanup = app.remove;
  const { ui } = app;
  await ui.waitFor('Error: cannot reach the trust server', 10_000);
  return ui;
}

describe('advice for an unreachable trust server', () => {
  it('names DOCKER_CONTENT_TRUST_SERVER when the server comes from it, not the Config screen', async () => {
    const url = `https://127.0.0.1:${await freePort()}`;
    const ui = await openTags({ DOCKER_CONTENT_TRUST_SERVER: url });
    const banner = ui.frame();
    expect(banner).toContain(`DOCKER_CONTENT_TRUST_SERVER=${url}`);
    expect(banner).toMatch(/change or unset it/);
    expect(banner).not.toContain('set the server for this repository on the Config screen');
  });

  it('points to the Config screen when the variable is not set', async () => {
    const ui = await openTags({});
    expect(ui.frame()).toContain('Config screen');
    expect(ui.frame()).not.toContain('DOCKER_CONTENT_TRUST_SERVER');
  });
});
