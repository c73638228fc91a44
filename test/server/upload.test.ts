import { describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { ApiError } from '../../src/notary/server/api-errors.js';
import { HtpasswdError, parseHtpasswd } from '../../src/notary/server/auth.js';
import { multipartBoundary, MultipartError, parseMultipart } from '../../src/notary/server/multipart.js';
import { isValidGun } from '../../src/notary/server/names.js';
import { readUploadedFiles } from '../../src/notary/server/upload.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
  return 'accepted';
};

describe('multipart publish bodies', () => {
  it('reads what the notary client sends, keeping slashes in file names (notary#1630)', () => {
    const files = [
      { role: 'targets/releases', bytes: Buffer.from('{"signed":{"version":3},"signatures":[]}') },
      // A trailing line break inside the data is part of the file, not of the delimiter.
      { role: 'snapshot', bytes: Buffer.from('{"signed":{"version":7}}\r\n') },
    ];
    const { body, contentType } = encodeMultipart(files);
    const parts = parseMultipart(body, multipartBoundary(contentType)!);
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['files', 'targets/releases'],
      ['files', 'snapshot'],
    ]);
    expect(parts.map((p) => p.data.toString())).toEqual(files.map((f) => f.bytes.toString()));
    expect(readUploadedFiles(parts).map((f) => [f.role, f.version])).toEqual([
      ['targets/releases', 3],
      ['snapshot', 7],
    ]);
  });

  it('accepts a preamble, LF line endings, quoted escapes and a .json suffix (curl style)', () => {
    const body = Buffer.from(
      'preamble\n--xyz\nContent-Disposition: form-data; name="files"; filename="tar\\"gets.json"\n\n{}\n' +
        '--xyz\nContent-Disposition: form-data; name=files; filename="targets.json"\n\n{"signed":{"version":2}}\n--xyz--\n',
    );
    const parts = parseMultipart(body, 'xyz');
    expect(parts.map((p) => p.filename)).toEqual(['tar"gets.json', 'targets.json']);
    expect(readUploadedFiles(parts.slice(1))).toMatchObject([{ role: 'targets', version: 2 }]);
  });

  it('takes the boundary only from multipart content types', () => {
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });

  it('refuses broken framing', () => {
    expect(() => parseMultipart(Buffer.from('no boundary here'), 'b')).toThrow(MultipartError);
    expect(() => parseMultipart(Buffer.from('--b\r\nContent-Disposition: form-data\r\n\r\nnever closed'), 'b')).toThrow(MultipartError);
  });

  it('maps bad parts to notary error codes, and ignores fields other than "files"', () => {
    const part = (filename: string | undefined, data: string, name = 'files') => ({ name, filename, data: Buffer.from(data) });
    expect(codeOf(() => readUploadedFiles([part('', '{}')]))).toBe('NO_FILENAME');
    expect(codeOf(() => readUploadedFiles([part(undefined, '{}')]))).toBe('NO_FILENAME');
    expect(codeOf(() => readUploadedFiles([part('foo', '{}')]))).toBe('INVALID_ROLE');
    expect(codeOf(() => readUploadedFiles([part('targets/UPPER', '{}')]))).toBe('INVALID_ROLE');
    expect(codeOf(() => readUploadedFiles([part('targets', '{"signed":')]))).toBe('MALFORMED_JSON');
    expect(codeOf(() => readUploadedFiles([part('targets', '{"signed":{"version":1.5}}')]))).toBe('MALFORMED_JSON');
    expect(codeOf(() => readUploadedFiles([part('targets', '[]')]))).toBe('MALFORMED_JSON');
    expect(readUploadedFiles([part('root', 'not even json', 'other')])).toEqual([]);
  });
});

describe('names', () => {
  it('accepts GUNs notary accepts and refuses path tricks and control characters', () => {
    for (const ok of ['example.com/app', 'docker.io/library/alpine', '127.0.0.1:5000/team/app', 'a']) expect(isValidGun(ok)).toBe(true);
    for (const bad of ['', 'a/../b', '..', 'a//b', '/a', 'a/', 'a/./b', 'a\nb', 'a\u0000b', 'a*b', 'a\\b', 'x'.repeat(256)]) {
      expect(isValidGun(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('htpasswd files', () => {
  it('reads bcrypt entries and refuses other hash types with the line number', () => {
    const bcryptHash = '$2y$05$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
    expect([...parseHtpasswd(`# users\n\nalice:${bcryptHash}\n`, 'f').keys()]).toEqual(['alice']);
    expect(() => parseHtpasswd('bob:$apr1$xyz$abc\n', 'users.htpasswd')).toThrow(HtpasswdError);
    expect(() => parseHtpasswd('bob:$apr1$xyz$abc\n', 'users.htpasswd')).toThrow(/users\.htpasswd line 1/);
  });
});
