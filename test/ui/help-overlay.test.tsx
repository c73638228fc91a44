// The ? overlay on a short terminal: its rows scroll instead of being cut off.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { InputProvider } from '../../src/ui/input.js';
import { HelpOverlay } from '../../src/ui/HelpOverlay.js';
import { renderSized, renderTui } from './helpers.js';

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
    expect(ui.frame()).toMatch(/j\/k g\/G scroll \(5\/\d+\)/);
    expect(ui.frame()).not.toContain('refresh, keeping the cursor');
    for (let i = 0; i < 20; i++) await ui.press('j');
    expect(ui.frame()).toContain('refresh, keeping the cursor');
    await ui.press('k');
    await ui.press('q');
    expect(closed).toBe(true);
  });

  it('scrolled to the end, then given room by a resize: shows everything, not an empty box; g and G jump', async () => {
    const overlay = (height: number) => (
      <InputProvider>
        <HelpOverlay screen="tags" height={height} onClose={() => undefined} />
      </InputProvider>
    );
    const ui = renderTui(overlay(11));
    await ui.ready();
    await ui.press('G');
    expect(ui.frame()).toContain('refresh, keeping the cursor');
    await ui.press('g');
    expect(ui.frame()).toMatch(/j\/k g\/G scroll \(5\/\d+\)/);
    await ui.press('G');
    ui.rerender(overlay(60));
    await ui.ready();
    expect(ui.frame()).toContain('Tags');
    expect(ui.frame()).toContain('refresh, keeping the cursor');
    expect(ui.frame()).not.toContain('scroll (');
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

  it('at 60 columns: one column, every description whole (wrapped, never cut)', async () => {
    const ui = renderSized(
      <InputProvider>
        <HelpOverlay screen="signers" height={40} onClose={() => undefined} />
      </InputProvider>,
      60,
      45,
    );
    await ui.waitFor('Everywhere');
    const frame = ui.frame();
    for (const line of frame.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(60);
    expect(frame).not.toContain('…');
    // The descriptions as one text: every word of the longest ones is there, in order.
    const text = frame.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('export a verification policy (Kyverno, policy-controller, Connaisseur, cosign script) requiring k of the signers');
    expect(text).toContain('a contributor left: sweep all keys of this signer from every known repository');
    // One column: the headings are on lines of their own, one below the other.
    const lines = frame.split('\n');
    const signers = lines.findIndex((l) => l.includes('Signers'));
    const everywhere = lines.findIndex((l) => l.includes('Everywhere'));
    expect(signers).toBeGreaterThan(0);
    expect(everywhere).toBeGreaterThan(signers);
    ui.unmount();
  });
});
