// What the error banner and wizard errors say for a failure: the cause in words, and a next step.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/state/failure.js';

const failureOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, describeFailure);

describe('describeFailure', () => {
  it('says which file is missing instead of an ENOENT code', async () => {
    const path = join(tmpdir(), 'trust-tui-no-such-key.pem');
    const failure = await failureOf(readFile(path));
    expect(failure.cause).toBe(`No such file: ${path}`);
    expect(failure.next).toMatch(/Check the path/);
  });

  it('splits trust messages into cause and next step', () => {
    expect(describeFailure(new Error('no signer named dave; add one with a'))).toEqual({ cause: 'no signer named dave', next: 'Add one with a.' });
  });
});
