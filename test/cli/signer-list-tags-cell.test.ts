// `signer list`'s TAGS IN ROLE: the count and the first few tags, so a role of hundreds of tags is
// one table line; --json keeps the whole list.
import { describe, expect, it } from 'vitest';
import { tagsCell } from '../../src/cli/commands/signer.js';

describe('signer list: the TAGS IN ROLE cell', () => {
  it('names every tag of a small role', () => {
    expect(tagsCell([])).toBe('0');
    expect(tagsCell(['v1', 'v2'])).toBe('2: v1, v2');
    expect(tagsCell(['a', 'b', 'c', 'd', 'e'])).toBe('5: a, b, c, d, e');
  });

  it('names the first five of a large role and how many more, pointing to --json', () => {
    const tags = Array.from({ length: 301 }, (_, i) => `t${i}`);
    expect(tagsCell(tags)).toBe('301: t0, t1, t2, t3, t4 … (+296; --json lists all)');
  });
});
