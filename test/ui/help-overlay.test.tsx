// The ? overlay on a short terminal: its rows scroll instead of being cut off.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { InputProvider } from '../../src/ui/input.js';
import { HelpOverlay } from '../../src/ui/HelpOverlay.js';
import { renderTui } from './helpers.js';

afterEach(() => cleanup());

describe('help overlay', () => {
  it('fits a 15-row terminal and scrolls with j/k to the last key', async () => {
    let closed = false;
    const ui = renderTui(
      <InputProvider>
        <HelpOverlay screen="tags" height={11} onClose={() => (closed = true)} />
      </InputProvider>,
    );
    await ui.ready();
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(11);
    expect(ui.frame()).toMatch(/j\/k scroll \(5\/\d+\)/);
    expect(ui.frame()).not.toContain('refresh, keeping the cursor');
    for (let i = 0; i < 20; i++) await ui.press('j');
    expect(ui.frame()).toContain('refresh, keeping the cursor');
    await ui.press('k');
    await ui.press('q');
    expect(closed).toBe(true);
  });

  it('shows everything without a scroll hint when there is room', async () => {
    const ui = renderTui(
      <InputProvider>
        <HelpOverlay screen="tags" height={40} onClose={() => undefined} />
      </InputProvider>,
    );
    await ui.ready();
    expect(ui.frame()).toContain('refresh, keeping the cursor');
    expect(ui.frame()).not.toContain('j/k scroll');
  });
});
