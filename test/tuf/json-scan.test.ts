import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/tuf/canonical.js';
import { parseEnvelopeJson } from '../../src/tuf/gojson.js';
import { scanJson } from '../../src/tuf/json-scan.js';

const envelope = (signedText: string) => `{"signed":${signedText},"signatures":[{"keyid":"k","method":"ecdsa","sig":"AA=="}]}`;
const canonicalRange = (text: string) => {
  const range = scanJson(text, 1000).canonicalSigned;
  return range && text.slice(range.start, range.end);
};

describe('scanJson', () => {
  it('finds the canonical `signed` text of a file as notary writes it', () => {
    const signed = '{"_type":"Targets","expires":"2030-01-01T00:00:00Z","targets":{"v1":{"hashes":{"sha256":"AA=="},"length":-3},"vé":{"length":0}},"version":2}';
    expect(canonicalRange(envelope(signed))).toBe(signed);
    // Whitespace outside `signed` does not matter.
    expect(canonicalRange(`{ "signatures" : [] ,\n "signed" : ${signed} }`)).toBe(signed);
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['keys out of order', '{"b":1,"a":2}'],
    ['nested keys out of order', '{"a":{"y":1,"x":2}}'],
    ['a duplicate key', '{"a":1,"a":2}'],
    ['an escape canonical JSON writes differently', '{"a":"\\u003c"}'],
    ['an escaped quote (left to the full canonicaliser)', '{"a":"\\""}'],
    ['minus zero', '{"a":-0}'],
    // U+FFFF sorts before U+1F600 by UTF-8 bytes, but after it by UTF-16 code units.
    ['keys in UTF-16 rather than UTF-8 order', '{"\u{1F600}":1,"\uFFFF":2}'],
  ])('does not claim canonical form with %s', (_what, signed) => {
    const text = envelope(signed);
    expect(canonicalRange(text)).toBeUndefined();
    // …and the fallback (canonicalising the parsed value) is what the message then is.
    expect(parseEnvelopeJson(Buffer.from(text), 'targets').signedCanonical).toBeUndefined();
  });

  it('accepts keys in UTF-8 order where UTF-16 order differs', () => {
    const signed = '{"\uFFFF":2,"\u{1F600}":1}';
    expect(canonicalRange(envelope(signed))).toBe(signed);
    expect(canonicalJson(JSON.parse(signed))).toBe(signed);
  });

  it('does not claim canonical form for a `signed` that is not an object, or appears twice', () => {
    expect(canonicalRange('{"signed":"x","z":{"a":1}}')).toBeUndefined();
    expect(canonicalRange('{"signed":{"a":1},"signed":{"b":1}}')).toBeUndefined();
  });

  it.each([['1.0'], ['1e2'], ['9007199254740993'], ['-9007199254740993']])('leaves %s to the strict parser', (n) => {
    expect(scanJson(`{"signed":{"length":${n}}}`, 1000).goCompatible).toBe(false);
  });

  it('accepts the largest integers float64 carries exactly, and leaves deep nesting to the strict parser', () => {
    expect(scanJson('[9007199254740991,-9007199254740991]', 1000).goCompatible).toBe(true);
    expect(scanJson(`${'['.repeat(1000)}${']'.repeat(1000)}`, 1000).goCompatible).toBe(false);
  });

  it('never claims canonical form for text that is not the canonical JSON of its value (random documents)', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['a', 'b', 'ab', 'é', '\uFFFF', '\u{1F600}', '"', '\\', '<', '0'];
    const str = () => Array.from({ length: rand(3) }, () => pieces[rand(pieces.length)]).join('');
    const value = (depth: number): unknown => {
      switch (depth > 2 ? rand(3) : rand(5)) {
        case 0:
          return rand(3) === 0 ? -rand(5) : rand(1000);
        case 1:
          return str();
        case 2:
          return [true, false, null][rand(3)];
        case 3:
          return Array.from({ length: rand(3) }, () => value(depth + 1));
        default:
          return Object.fromEntries(Array.from({ length: rand(4) }, () => [str(), value(depth + 1)]));
      }
    };
    let proven = 0;
    for (let i = 0; i < 3000; i++) {
      const v = { x: value(0), [str()]: value(1) };
      // The canonical text, JSON.stringify's (other escapes, key order), and with whitespace.
      for (const text of [canonicalJson(v), JSON.stringify(v), JSON.stringify(v, null, 1)]) {
        const doc = envelope(text);
        const claimed = canonicalRange(doc);
        if (claimed === undefined) continue;
        proven++;
        expect(claimed).toBe(canonicalJson(JSON.parse(text)));
      }
    }
    expect(proven).toBeGreaterThan(1000);
  });
});
