import { describe, expect, it } from 'vitest';
import { derInteger, derOctets, derOid, derSequence, oid, octets, parseDer, sequence, smallInteger } from '../../src/keys/der.js';
import { KeyFormatError } from '../../src/keys/errors.js';

describe('DER', () => {
  it('round-trips the structures key files use', () => {
    const der = derSequence(derInteger(2048), derOid('1.2.840.113549.1.5.12'), derOctets(Buffer.alloc(300, 1)));
    const [n, o, bytes] = sequence(parseDer(der, 't'), 't');
    expect(smallInteger(n, 'n')).toBe(2048);
    expect(oid(o, 'o')).toBe('1.2.840.113549.1.5.12');
    expect(octets(bytes, 'b')).toEqual(Buffer.alloc(300, 1));
  });

  it('encodes like OpenSSL: 2048 as 02 02 08 00, 128 with a leading zero, long lengths in 0x82 form', () => {
    expect(derInteger(2048).toString('hex')).toBe('02020800');
    expect(derInteger(128).toString('hex')).toBe('02020080');
    expect(derInteger(0).toString('hex')).toBe('020100');
    expect(derOctets(Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(derOid('2.16.840.1.101.3.4.1.42').toString('hex')).toBe('060960864801650304012a');
  });

  it.each([
    ['trailing bytes', '020100ff', /unexpected bytes/],
    ['a length past the end', '3005020100', /truncated/],
    ['indefinite length (BER only)', '3080020100 0000'.replace(' ', ''), /invalid DER length/],
    ['a child overrunning its parent', '30020203010000', /truncated/],
  ])('rejects %s', (_name, hex, message) => {
    expect(() => parseDer(Buffer.from(hex, 'hex'), 'x')).toThrow(KeyFormatError);
    expect(() => parseDer(Buffer.from(hex, 'hex'), 'x')).toThrow(message);
  });

  it('names the expected element when the structure differs', () => {
    expect(() => sequence(parseDer(Buffer.from('020100', 'hex'), 'x'), 'PBES2 parameters')).toThrow(
      'PBES2 parameters: expected tag 0x30, found 0x2',
    );
  });
});
