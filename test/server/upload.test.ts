import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { ApiError } from '../../src/notary/api-errors.js';
import { HtpasswdError, parseHtpasswd } from '../../src/server/auth.js';
import { multipartBoundary, MultipartError, MultipartLimitError, parseMultipart as parseStream } from '../../src/server/multipart.js';
import { isValidGun } from '../../src/notary/names.js';
import { readUploadedFiles } from '../../src/server/upload.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
  return 'accepted';
};

const parseMultipart = (body: Buffer, boundary: string, maxParts = 100) => parseStream(Readable.from([body]), boundary, { maxParts });

describe('multipart publish bodies', () => {
  it('reads what the notary client sends, keeping slashes in file names (notary#1630)', async () => {
    const files = [
      { role: 'targets/releases', bytes: Buffer.from('{"signed":{"version":3},"signatures":[]}') },
      // A trailing line break inside the data is part of the file, not of the delimiter.
      { role: 'snapshot', bytes: Buffer.from('{"signed":{"version":7}}\r\n') },
    ];
    const { body, contentType } = encodeMultipart(files);
    const parts = await parseMultipart(body, multipartBoundary(contentType)!);
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

  it('accepts a preamble, quoted escapes and a .json suffix (curl style)', async () => {
    const body = Buffer.from(
      'preamble\r\n--xyz\r\nContent-Disposition: form-data; name="files"; filename="tar\\"gets.json"\r\n\r\n{}\r\n' +
        '--xyz\r\nContent-Disposition: form-data; name=files; filename="targets.json"\r\n\r\n{"signed":{"version":2}}\r\n--xyz--\r\n',
    );
    const parts = await parseMultipart(body, 'xyz');
    expect(parts.map((p) => p.filename)).toEqual(['tar"gets.json', 'targets.json']);
    expect(readUploadedFiles(parts.slice(1))).toMatchObject([{ role: 'targets', version: 2 }]);
  });

  it('stops at the part limit, counting parts of every field', async () => {
    const part = (name: string) => `--b\r\nContent-Disposition: form-data; name="${name}"; filename="targets"\r\n\r\n{}\r\n`;
    const body = (n: number, name = 'files') => Buffer.from(part(name).repeat(n) + '--b--\r\n');
    await expect(parseMultipart(body(3), 'b', 3)).resolves.toHaveLength(3);
    await expect(parseMultipart(body(4), 'b', 3)).rejects.toThrow(MultipartLimitError);
    await expect(parseMultipart(body(4, 'other'), 'b', 3)).rejects.toThrow(MultipartLimitError);
  });

  it('takes the boundary only from multipart content types', () => {
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });

  it('refuses broken framing', async () => {
    await expect(parseMultipart(Buffer.from('no boundary here'), 'b')).rejects.toThrow(MultipartError);
    await expect(parseMultipart(Buffer.from('--b\r\nContent-Disposition: form-data\r\n\r\nnever closed'), 'b')).rejects.toThrow(MultipartError);
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
