// Reading the policy file: a missing one says how to write one; a binary or huge file is refused in
// one line instead of being quoted back by the YAML parser.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/trust/signing-policy/service.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-policy-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPolicy', () => {
  it('a missing file names how to write one', async () => {
    await expect(loadPolicy(path.join(dir, 'none.yaml'))).rejects.toMatchObject({ message: `no policy file ${path.join(dir, 'none.yaml')}`, hint: expect.objectContaining({ cli: expect.stringContaining('policy init') }) });
  });

  it('a binary file is refused in one short line', async () => {
    const file = path.join(dir, 'image.bin');
    writeFileSync(file, Buffer.concat([Buffer.from('version: 1\n'), Buffer.alloc(200_000, 0), Buffer.from('junk')]));
    const e = (await loadPolicy(file).catch((err: Error) => err)) as Error;
    expect(e.message).toBe(`${file} is not a text file; a signing policy is YAML (trust-policy.yaml)`);
  });

  it('a file over 1 MiB is refused by its size', async () => {
    const file = path.join(dir, 'huge.yaml');
    writeFileSync(file, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    await expect(loadPolicy(file)).rejects.toThrow(/policy file .*huge.yaml is \d+ bytes, more than the 1048576 allowed/);
  });
});
