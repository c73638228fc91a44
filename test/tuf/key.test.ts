import { describe, expect, it } from 'vitest';
import { PublicKey } from '../../src/tuf/key.js';
import { canonicalJson, compareUtf8 } from '../../src/tuf/canonical.js';

describe('canonical JSON', () => {
  it('sorts keys by UTF-8 bytes, not UTF-16 units', () => {
    // U+1F600 (surrogate pair) sorts after U+FF01 in UTF-8 byte order.
    expect(['\u{1F600}', '\uFF01', 'a'].sort(compareUtf8)).toEqual(['a', '\uFF01', '\u{1F600}']);
  });
  it('escapes only quote and backslash', () => {
    expect(canonicalJson({ b: 'x"\\<&>\n', a: [1, true, null] })).toBe('{"a":[1,true,null],"b":"x\\"\\\\<&>\n"}');
  });
  it('refuses numbers Go cannot carry', () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/a: 1.5 is not an integer/);
    expect(() => canonicalJson({ a: 2 ** 60 })).toThrow(/not an integer/);
  });
});

describe('key IDs', () => {
  it('match the captured notary vectors', () => {
    const ec = PublicKey.fromJSON({ keytype: 'ecdsa', keyval: { private: null, public: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpYbufQ8wK52pYiCiyTodpQ8Y87cShWEIcDtYGzpnu0WyPPSknDA06XnMJ4bYoFszGoYA8qiLgmiZ/AELlkWIHg==' } });
    expect(ec.id).toBe('d6e0bdff34a9698504e6a76ec8bf81264b9161fb10c4e862ce0db25295534f80');
    expect(ec.canonicalId).toBe(ec.id);
    const ed = PublicKey.fromJSON({ keytype: 'ed25519', keyval: { private: null, public: 'Td+Jk458P+P11emnlHVRAyQDgeyhuYzXphD8Yoo/96I=' } });
    expect(ed.id).toBe('87d45ca75f06f76df8549b7d3de9bb56b0df0984997f3cb94ae1780bc883fd14');
  });
  it('rejects unknown key types and private material', () => {
    expect(() => PublicKey.fromJSON({ keytype: 'dsa', keyval: { public: 'AA==' } })).toThrow(/unknown key type "dsa"/);
    expect(() => PublicKey.fromJSON({ keytype: 'ecdsa', keyval: { public: 'AA==', private: 'secret' } })).toThrow(/private key material/);
  });
});
