// What the error banner and wizard errors say for a failure: the cause in words, and a next step.
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/errors.js';
import { PromptCancelledError, WrongPassphraseError } from '../../src/keys/errors.js';
import { ServerUnreachableError } from '../../src/notary/http-errors.js';
import { describeFailure, isCancellation } from '../../src/state/failure.js';
import { CancelledError, InputError } from '../../src/trust/errors.js';

const failureOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, describeFailure);

describe('describeFailure', () => {
  it('says which file is missing instead of an ENOENT code', async () => {
    const path = join(tmpdir(), 'trust-tui-no-such-key.pem');
    const failure = await failureOf(readFile(path));
    expect(failure.cause).toBe(`No such file: ${path}`);
    expect(failure.next).toMatch(/Check the path/);
  });

  it("takes the next step from the error's hint, in its UI form", () => {
    const e = new InputError('no signer named dave', { hint: { cli: 'add one with trust-tui signer add', ui: 'add one on the Signers screen' } });
    expect(describeFailure(e)).toEqual({ cause: 'no signer named dave', next: 'Add one on the Signers screen.' });
  });

  it('never shows command-line advice for an unreachable server', () => {
    const failure = describeFailure(new ServerUnreachableError('https://notary.test', 'ECONNREFUSED'));
    expect(failure.cause).toBe('cannot reach the trust server at https://notary.test: ECONNREFUSED');
    expect(failure.next).toMatch(/Config screen/);
    expect(failure.next).not.toMatch(/--server|trust-tui /);
  });

  it('does not split a message that merely contains a semicolon', () => {
    const failure = describeFailure(new Error('root: version 3 skips version 2; rotate through every version'));
    expect(failure.cause).toBe('root: version 3 skips version 2; rotate through every version');
  });

  it("keeps a message's later lines for the whole-message dialog (the banner shows the first)", () => {
    const failure = describeFailure(new Error('cannot publish example.com/team/app\nthe server said: 400 bad request\n\nretry after 10 s'));
    expect(failure.cause).toBe('cannot publish example.com/team/app');
    expect(failure.detail).toEqual(['the server said: 400 bad request', 'retry after 10 s']);
  });

  it('classifies cancellations by class, not by name', () => {
    expect(isCancellation(new CancelledError('no'))).toBe(true);
    expect(isCancellation(new PromptCancelledError())).toBe(true);
    const impostor = new Error('x');
    impostor.name = 'CancelledError';
    expect(isCancellation(impostor)).toBe(false);
    expect(describeError(impostor).exitCode).toBe(1);
    expect(describeError(new CancelledError('no')).exitCode).toBe(3);
  });
});

describe('the command line error line', () => {
  it('is the cause and the CLI form of the hint, on one line', () => {
    expect(describeError(new ServerUnreachableError('https://notary.test', 'ECONNREFUSED')).message).toBe(
      'cannot reach the trust server at https://notary.test: ECONNREFUSED — check that it runs, or choose another with --server or trust-tui config server',
    );
    expect(describeError(new WrongPassphraseError('a'.repeat(64), 'DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE')).message).toBe(
      'wrong passphrase for key aaaaaaa (from DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE) — correct DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE and try again',
    );
    expect(describeError(new Error('first\nsecond')).message).toBe('first');
  });
});
