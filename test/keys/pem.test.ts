import { describe, expect, it } from 'vitest';
import { KeyFileError } from '../../src/keys/errors.js';
import { decodePem, encodePem } from '../../src/keys/pem.js';

const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

describe('encodePem', () => {
  it('writes headers sorted, a blank line, and base64 in 64-character lines, as Go pem.Encode', () => {
    const text = encodePem({ type: 'ENCRYPTED PRIVATE KEY', headers: { role: 'targets', gun: 'example.com/app' }, bytes });
    const b64 = bytes.toString('base64');
    expect(text).toBe(
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\n' +
        'gun: example.com/app\n' +
        'role: targets\n' +
        '\n' +
        `${b64.slice(0, 64)}\n${b64.slice(64, 128)}\n${b64.slice(128)}\n` +
        '-----END ENCRYPTED PRIVATE KEY-----\n',
    );
  });

  it('puts Proc-Type first, like Go', () => {
    const text = encodePem({ type: 'EC PRIVATE KEY', headers: { 'DEK-Info': 'AES-256-CBC,00', 'Proc-Type': '4,ENCRYPTED', role: 'x' }, bytes });
    expect(text.split('\n').slice(1, 5)).toEqual(['Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-256-CBC,00', 'role: x', '']);
  });

  it('writes no blank line when there are no headers', () => {
    expect(encodePem({ type: 'PUBLIC KEY', headers: {}, bytes: Buffer.from('abc') })).toBe(
      '-----BEGIN PUBLIC KEY-----\nYWJj\n-----END PUBLIC KEY-----\n',
    );
  });

  it('refuses header values that would break the format', () => {
    expect(() => encodePem({ type: 'X', headers: { role: 'a\nb' }, bytes })).toThrow(TypeError);
  });
});

describe('decodePem', () => {
  it('round-trips headers and bytes', () => {
    const block = { type: 'PRIVATE KEY', headers: { role: 'alice', path: 'abc' }, bytes };
    expect(decodePem(encodePem(block), 'k.pem')).toEqual([block]);
  });

  it('accepts CRLF line ends and text around blocks', () => {
    const text = 'Bag Attributes\r\n' + encodePem({ type: 'PRIVATE KEY', headers: { role: 'root' }, bytes }).replace(/\n/g, '\r\n') + 'trailer\r\n';
    const [block] = decodePem(text, 'k.pem');
    expect(block?.headers).toEqual({ role: 'root' });
    expect(block?.bytes.equals(bytes)).toBe(true);
  });

  it('returns every block in order', () => {
    const text = encodePem({ type: 'EC PARAMETERS', headers: {}, bytes: Buffer.from([6, 0]) }) + encodePem({ type: 'EC PRIVATE KEY', headers: {}, bytes });
    expect(decodePem(text, 'k.pem').map((b) => b.type)).toEqual(['EC PARAMETERS', 'EC PRIVATE KEY']);
  });

  it('reports a truncated file in one line naming the file', () => {
    const text = encodePem({ type: 'ENCRYPTED PRIVATE KEY', headers: { role: 'root' }, bytes }).split('\n').slice(0, 4).join('\n');
    let error: unknown;
    try {
      decodePem(text, 'private/abc.key');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toBe('private/abc.key: truncated PEM: "ENCRYPTED PRIVATE KEY" block opened on line 1 has no END line');
    expect((error as Error).message).not.toContain('\n');
  });

  it('reports invalid base64 with its line number', () => {
    const text = '-----BEGIN PRIVATE KEY-----\nAAAA\nAA*A\n-----END PRIVATE KEY-----\n';
    expect(() => decodePem(text, 'k.pem')).toThrow('k.pem: malformed PEM: invalid base64 on line 3');
  });

  it('reports base64 cut short', () => {
    const text = '-----BEGIN PRIVATE KEY-----\nAAAAA\n-----END PRIVATE KEY-----\n';
    expect(() => decodePem(text, 'k.pem')).toThrow(/truncated base64/);
  });

  it('reports a mismatched END line', () => {
    const text = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    expect(() => decodePem(text, 'k.pem')).toThrow(/expected "-----END PRIVATE KEY-----" on line 3/);
  });

  it('finds nothing in a file without PEM', () => {
    expect(decodePem('hello\n', 'k.pem')).toEqual([]);
  });
});
