// A list that could not be loaded says why in its body; at a narrow width the message wraps, and
// every wrapped line keeps the body's indent instead of starting at column 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTrustServices } from '../../src/state/trust-services.js';
import { freePort } from '../helpers/ports.js';
import { renderAppSized } from './helpers.js';

const GUN = 'registry.example.com/team/app';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('a list that could not be loaded, at 60 columns', () => {
  it('wraps its message with the indent on every line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-list-error-'));
    const services = createTrustServices({ trustDir: path.join(dir, 'trust'), configDir: path.join(dir, 'config'), env: {} });
    await services.updateConfig({ kind: 'server', prefix: GUN, url: `https://127.0.0.1:${await freePort()}` });
    const ui = renderAppSized(services, 60, 30, { gun: GUN, screen: 'tags' });
    cleanup = () => {
      ui.unmount();
      rmSync(dir, { recursive: true, force: true });
    };
    await ui.waitFor('Press r to retry.', 10_000);
    const lines = ui.frame().split('\n');
    const first = lines.findIndex((l) => l.includes('Could not load tags:'));
    const last = lines.findIndex((l) => l.includes('Press r to retry.'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(first);
    for (const line of lines.slice(first, last + 1)) expect(line, ui.frame()).toMatch(/^ {2}\S/);
  });
});
