import { describe, expect, it } from 'vitest';
import { SHORT_KEY_ID_LENGTH, shortKeyId } from '../../src/tuf/short-key-id.js';

describe('shortKeyId', () => {
  it('shortens a key ID, or a longer prefix of one typed by the user, to the one short length', () => {
    const id = '2e9689dd0e26'.padEnd(64, '0');
    expect(shortKeyId(id)).toBe('2e9689d');
    expect(shortKeyId(id.slice(0, 12))).toBe('2e9689d');
    expect(SHORT_KEY_ID_LENGTH).toBe(7);
  });

  it('leaves names and anything not hex unchanged', () => {
    expect(shortKeyId('alice')).toBe('alice');
    expect(shortKeyId('imported.key')).toBe('imported.key');
  });
});
