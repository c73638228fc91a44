// A list that could not be loaded says why in its body; at a narrow width the message wraps, and
// every wrapped line keeps the body's indent instead of starting at column 0.
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { renderWithRealServices } from './real-services.js';

const GUN = 'registry.example.com/team/app';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('a list that could not be loaded, at 60 columns', () => {
  it('wraps its message with the indent on every line', async () => {
    const app = await renderWithRealServices({ env: {}, server: { prefix: GUN, url: `https://127.0.0.1:${await freePort()}` }, columns: 60, rows: 30, open: { gun: GUN, screen: 'tags' } });
    cleanup = app.remove;
    const { ui } = app;
    await ui.waitFor('Press r to retry.', 10_000);
    const lines = ui.frame().split('\n');
    const first = lines.findIndex((l) => l.includes('Could not load tags:'));
    const last = lines.findIndex((l) => l.includes('Press r to retry.'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(first);
    for (const line of lines.slice(first, last + 1)) expect(line, ui.frame()).toMatch(/^ {2}\S/);
  });
});
