import { describe, expect, it } from 'vitest';
import { MetadataError, TufError } from '../../src/tuf/errors.js';
import { goJsonString, htmlEscape, parseJsonStrict, serializeEnvelope } from '../../src/tuf/gojson.js';

function parseError(input: string | Uint8Array, role = 'targets'): MetadataError {
  try {
    parseJsonStrict(input, role);
  } catch (e) {
    expect(e).toBeInstanceOf(MetadataError);
    return e as MetadataError;
  }
  throw new Error('expected a MetadataError');
}

describe('parseJsonStrict', () => {
  it('parses what JSON.parse parses, for valid metadata-like input', () => {
    const text = ' {"a":[1,-2,0,true,false,null,"x\\u0041\\n\\"y"],"b":{},"c":[], "d":"é☃\u{1F600}"} ';
    expect(parseJsonStrict(Buffer.from(text), 'root')).toEqual(JSON.parse(text));
  });

  it('keeps a "__proto__" member as data instead of changing the prototype', () => {
    const value = parseJsonStrict('{"__proto__":{"polluted":1}}', 'root') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('lets the last of duplicate keys win, as Go does', () => {
    expect(parseJsonStrict('{"a":1,"a":2}', 'root')).toEqual({ a: 2 });
  });

  it('rejects invalid UTF-8, naming the role', () => {
    const err = parseError(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'targets/releases');
    expect(err.role).toBe('targets/releases');
    expect(err.field).toBeUndefined();
    expect(err.message).toMatch(/targets\/releases metadata: is not valid UTF-8/);
  });

  it.each([
    ['{"a":1', /end of input/],
    ['{"a":1,}', /expected a string for an object key/],
    ['[1 2]', /expected "," or "]"/],
    ['{"a":tru}', /unexpected character/],
    ['"a\nb"', /control character/],
    ['"a\\x"', /invalid string literal/],
    ['"abc', /unterminated string/],
    ['{} {}', /unexpected data after/],
    ['\ufeff{}', /unexpected character/], // Go does not skip a byte-order mark
    ['{"a":01}', /unexpected data|expected/],
    ['', /end of input/],
  ])('rejects malformed JSON %j', (input, message) => {
    const err = parseError(input, 'snapshot');
    expect(err.role).toBe('snapshot');
    expect(err.message).toMatch(message);
  });

  it.each([
    ['{"signed":{"version":1.0}}', 'signed.version', /1\.0 is not an integer/],
    ['{"signed":{"version":1e3}}', 'signed.version', /1e3 is not an integer/],
    ['{"x":[0,-2.5E-3]}', 'x[1]', /not an integer/],
    ['{"t":{"v1.0":{"length":9007199254740993}}}', 't["v1.0"].length', /too large/],
    ['{"n":-9007199254740992}', 'n', /too large/],
  ])('rejects the number in %s, naming field %s', (input, field, message) => {
    const err = parseError(input);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it('accepts the largest safe integers', () => {
    expect(parseJsonStrict('[9007199254740991,-9007199254740991]', 'root')).toEqual([9007199254740991, -9007199254740991]);
  });

  it('parses a multi-megabyte document quickly', () => {
    const targets: Record<string, unknown> = {};
    for (let i = 0; i < 20000; i++) targets[`tag-${i}`] = { hashes: { sha256: 'A'.repeat(43) + '=' }, length: i };
    const text = JSON.stringify({ signed: { targets } });
    const start = performance.now();
    parseJsonStrict(Buffer.from(text), 'targets');
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('Go string and envelope encoding', () => {
  it('HTML-escapes <, >, &, U+2028 and U+2029 with lowercase hex', () => {
    expect(htmlEscape('{"a<b>&c\u2028\u2029":"é"}')).toBe('{"a\\u003cb\\u003e\\u0026c\\u2028\\u2029":"é"}');
  });

  it('writes string literals as Go encoding/json does', () => {
    expect(goJsonString('a"b\\c\n\r\t\u0001<>&\u2028é')).toBe('"a\\"b\\\\c\\n\\r\\t\\u0001\\u003c\\u003e\\u0026\\u2028é"');
    expect(goJsonString('\ud800x')).toBe('"\\ufffdx"');
  });

  it('writes the envelope compactly, in field order, with no trailing newline', () => {
    const bytes = serializeEnvelope({ version: 1, _type: 'Targets', name: '<tag>' }, [
      { keyid: 'ab', method: 'ecdsa', sig: 'AAAA' },
      { keyid: 'cd', method: 'eddsa', sig: 'BBBB' },
    ]);
    expect(bytes.toString()).toBe(
      '{"signed":{"_type":"Targets","name":"\\u003ctag\\u003e","version":1},"signatures":[{"keyid":"ab","method":"ecdsa","sig":"AAAA"},{"keyid":"cd","method":"eddsa","sig":"BBBB"}]}',
    );
  });

  it('writes an empty signature list as []', () => {
    expect(serializeEnvelope({}, []).toString()).toBe('{"signed":{},"signatures":[]}');
  });

  it('refuses control characters in strings, which Go cannot serialise either', () => {
    expect(() => serializeEnvelope({ targets: { 'a\nb': 1 } }, [])).toThrow(TufError);
    expect(() => serializeEnvelope({ targets: { 'a\nb': 1 } }, [])).toThrow(/control character \\u000a/);
  });
});
