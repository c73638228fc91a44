import { describe, expect, it } from 'vitest';
import { type DockerInspectEntry, dockerInspectJson } from '../../src/trust/docker-format.js';

const entry = (tag: string): DockerInspectEntry => ({
  Name: 'example.com/app',
  SignedTags: [{ SignedTag: tag, Digest: 'ab', Signers: ['alice'] }],
  Signers: [],
  AdministrativeKeys: [{ Name: 'Root', Keys: [{ ID: 'k' }] }],
});

describe('dockerInspectJson', () => {
  it("writes Go's MarshalIndent: 4 spaces, a final newline, and <, >, &, U+2028, U+2029 escaped as Go escapes them", () => {
    const text = dockerInspectJson([entry('a<b>&c\u2028d\u2029"e')]);
    expect(text).toContain('"SignedTag": "a\\u003cb\\u003e\\u0026c\\u2028d\\u2029\\"e",');
    expect(text.endsWith(']\n')).toBe(true);
    expect(JSON.parse(text)[0].SignedTags[0].SignedTag).toBe('a<b>&c\u2028d\u2029"e');
  });

  it('leaves text without such characters as JSON.stringify writes it', () => {
    const entries = [entry('v1')];
    expect(dockerInspectJson(entries)).toBe(`${JSON.stringify(entries, null, 4)}\n`);
    expect(dockerInspectJson([])).toBe('[]\n');
  });
});
