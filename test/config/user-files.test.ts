// Files the user names are read with their size limit even when they are devices or pipes: a key
// file argument of /dev/zero is refused at the limit instead of filling memory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readUserFile } from '../../src/config/user-files.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-user-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readUserFile with a size limit', () => {
  it('refuses a device without end at the limit, quickly', async () => {
    const started = Date.now();
    await expect(readUserFile('/dev/zero', 'key file', { maxBytes: 1024 * 1024 })).rejects.toThrow('key file /dev/zero holds more than the 1048576 bytes allowed');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads a file of exactly the limit, and refuses one byte more by its size', async () => {
    const file = path.join(dir, 'k.pem');
    writeFileSync(file, Buffer.alloc(100, 'a'));
    expect((await readUserFile(file, 'key file', { maxBytes: 100 })).length).toBe(100);
    await expect(readUserFile(file, 'key file', { maxBytes: 99 })).rejects.toThrow('is 100 bytes, more than the 99 allowed');
  });
});
