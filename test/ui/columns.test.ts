// Column layout rules: least important columns hide first, lines never exceed the width, names are
// shortened in the middle so that their distinguishing ends stay.
import { describe, expect, it } from 'vitest';
import { fitCell, fitColumns, fitNames, truncateMiddle } from '../../src/ui/columns.js';

const cols = [
  { width: 20, priority: 5 },
  { width: 17, priority: 2 },
  { width: 10, priority: 1 },
  { width: 20, priority: 3 },
  { minWidth: 12, priority: 4 },
];

describe('fitColumns', () => {
  it('hides the least important columns first and never exceeds the width', () => {
    for (let total = 20; total <= 140; total++) {
      const fit = fitColumns(cols, total);
      const used = 1 + fit.reduce((sum, c) => sum + c.width + 1, 0);
      expect(used, `at ${total}`).toBeLessThanOrEqual(total);
    }
    expect(fitColumns(cols, 60).map((c) => c.index)).toEqual([0, 3, 4]);
    expect(fitColumns(cols, 72).map((c) => c.index)).toEqual([0, 1, 3, 4]);
    expect(fitColumns(cols, 100).map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives the spare cells to the flexible column', () => {
    const fit = fitColumns(cols, 120);
    expect(1 + fit.reduce((sum, c) => sum + c.width + 1, 0)).toBe(120);
  });
});

describe('shortening', () => {
  it('keeps both ends of a long name, so names sharing a prefix stay apart', () => {
    const a = truncateMiddle('registry.example.com/platform/team/frontend-app', 24);
    const b = truncateMiddle('registry.example.com/platform/team/backend-api', 24);
    expect([...a]).toHaveLength(24);
    expect(a).toBe('registry.e…/frontend-app');
    expect(truncateMiddle('registry.example.com/team/app', 22)).toBe('registry.exa…/team/app');
    expect(a).not.toBe(b);
    expect(fitNames(['registry.example.com/a/one-repository', 'registry.example.com/b/two-repository'], 40)).toMatch(/one-repository.*two-repository/);
    expect(fitCell('12', 5, 'right')).toBe('   12');
  });
});
