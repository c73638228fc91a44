// NO_COLOR (no-color.org) drops colours only; bold, underline and inverse are not colours and stay
// (test/e2e/ui-keys-config.test.ts checks the escapes the built UI writes).
import { describe, expect, it } from 'vitest';
import { themeFor } from '../../src/ui/theme.js';

describe('theme', () => {
  it('NO_COLOR set to anything but the empty string removes every colour', () => {
    expect(Object.values(themeFor({ NO_COLOR: '1' }))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(themeFor({ NO_COLOR: '' }).danger).toBe('red');
    expect(themeFor({}).accent).toBe('cyan');
  });
});
