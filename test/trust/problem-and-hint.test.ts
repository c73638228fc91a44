// How a failure in one of many repositories is reported (sweep, expiry, renew share it).
import { describe, expect, it } from 'vitest';
import { problemAndHint, TrustError } from '../../src/trust/errors.js';

describe('problemAndHint', () => {
  it('keeps the first line of the cause and the next step; anything thrown becomes text', () => {
    expect(problemAndHint(new TrustError('cannot read x\nstack-like detail', { hint: { cli: 'run a', ui: 'press b' } }))).toEqual({
      problem: 'cannot read x',
      hint: { cli: 'run a', ui: 'press b' },
    });
    expect(problemAndHint(new Error('plain'))).toEqual({ problem: 'plain' });
    expect(problemAndHint('a string')).toEqual({ problem: 'a string' });
  });
});
