import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  PassphraseAttemptsExceededError,
  PassphraseInputEndedError,
  PassphraseUnavailableError,
  PromptCancelledError,
  WrongPassphraseError,
} from '../../src/keys/errors.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { KeyStore } from '../../src/keys/keystore.js';
import {
  EnvPassphraseSource,
  FirstAvailablePassphraseSource,
  ScriptedPassphraseSource,
  type PassphraseRequest,
} from '../../src/keys/passphrase.js';
import { defaultPassphraseSource, TerminalPassphraseSource } from '../../src/keys/terminal.js';
import { scratchDir } from './fixtures.js';

const ID = '1a2b3c4d'.padEnd(64, '0');
const req = (role: string, extra: Partial<PassphraseRequest> = {}): PassphraseRequest => ({
  keyId: ID,
  role,
  purpose: 'unlock',
  attempt: 0,
  ...extra,
});

/** A fake TTY: raw-mode tracking input, and an output that types the next scripted keystrokes after each prompt. */
class FakeTerminal {
  readonly input = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(this: { isRaw: boolean }, mode: boolean) {
      this.isRaw = mode;
    },
  });
  text = '';
  readonly output = {
    isTTY: true,
    write: (s: string) => {
      this.text += s;
      if (s.endsWith(': ') && this.keystrokes.length > 0) {
        const next = this.keystrokes.shift()!;
        setImmediate(() => this.input.write(next));
      }
      return true;
    },
  };
  constructor(private readonly keystrokes: (string | Buffer)[]) {}
}

describe('EnvPassphraseSource', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['root', { DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: 'docker', NOTARY_ROOT_PASSPHRASE: 'notary' }, 'docker'],
    ['root', { NOTARY_ROOT_PASSPHRASE: 'notary', DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'repo' }, 'notary'],
    ['targets', { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'docker', NOTARY_TARGETS_PASSPHRASE: 'notary' }, 'docker'],
    ['targets', { NOTARY_TARGETS_PASSPHRASE: 'notary', NOTARY_DELEGATION_PASSPHRASE: 'deleg' }, 'notary'],
    ['snapshot', { NOTARY_SNAPSHOT_PASSPHRASE: 'notary', NOTARY_TARGETS_PASSPHRASE: 'targets' }, 'notary'],
    ['targets/releases', { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'docker', NOTARY_DELEGATION_PASSPHRASE: 'notary' }, 'docker'],
    ['alice', { NOTARY_DELEGATION_PASSPHRASE: 'notary', NOTARY_TARGETS_PASSPHRASE: 'targets' }, 'notary'],
    ['alice', { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: '', NOTARY_DELEGATION_PASSPHRASE: 'notary' }, 'notary'],
  ];
  it.each(cases)('%s key with %j -> %s', async (role, env, expected) => {
    expect(await new EnvPassphraseSource(env).get(req(role))).toBe(expected);
  });

  it('never gives the root key the repository passphrase', async () => {
    const source = new EnvPassphraseSource({ DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'repo' });
    await expect(source.get(req('root'))).rejects.toBeInstanceOf(PassphraseUnavailableError);
  });

  it('does not offer the same value twice for one key', async () => {
    const source = new EnvPassphraseSource({ NOTARY_ROOT_PASSPHRASE: 'x' });
    await expect(source.get(req('root', { attempt: 1 }))).rejects.toThrow(
      new WrongPassphraseError(ID, 'NOTARY_ROOT_PASSPHRASE').message,
    );
  });
});

describe('defaultPassphraseSource (environment, then terminal)', () => {
  it('without a variable or a terminal, fails at once naming the variable to set', async () => {
    const input = new PassThrough(); // piped stdin: not a TTY
    const source = defaultPassphraseSource({ env: {}, input, output: { isTTY: false, write: () => true } });
    const error = (await source.get(req('root')).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PassphraseUnavailableError);
    expect(error).toMatchObject({
      message: 'no passphrase for the root key 1a2b3c4',
      hint: { cli: 'set DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE or run on a terminal' },
    });
    expect(input.listenerCount('data')).toBe(0);
    const repo = (await source.get(req('alice', { purpose: 'new' })).catch((e: unknown) => e)) as Error;
    expect(repo).toMatchObject({
      message: 'no passphrase for the new alice key 1a2b3c4',
      hint: { cli: 'set DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE or run on a terminal' },
    });
  });

  it('prefers the environment over a terminal', async () => {
    const term = new FakeTerminal(['typed\r']);
    const source = defaultPassphraseSource({ env: { NOTARY_TARGETS_PASSPHRASE: 'from-env' }, ...term });
    expect(await source.get(req('targets'))).toBe('from-env');
    expect(term.text).toBe('');
  });

  it('prompts on the terminal when no variable is set', async () => {
    const term = new FakeTerminal(['typed\r']);
    expect(await defaultPassphraseSource({ env: {}, ...term }).get(req('targets'))).toBe('typed');
  });

  it('passes errors other than "unavailable" straight through a chain', async () => {
    const failing = new ScriptedPassphraseSource(() => {
      throw new PromptCancelledError();
    });
    const never = new ScriptedPassphraseSource(() => 'never');
    await expect(new FirstAvailablePassphraseSource(failing, never).get(req('root'))).rejects.toBeInstanceOf(PromptCancelledError);
  });
});

describe('TerminalPassphraseSource', () => {
  it('asks with docker\'s wording, hides input, and restores the terminal', async () => {
    const term = new FakeTerminal(['secret\r']);
    expect(await new TerminalPassphraseSource(term).get(req('root'))).toBe('secret');
    expect(term.text).toBe('Enter passphrase for root key with ID 1a2b3c4: \n');
    expect(term.input.isRaw).toBe(false);
  });

  it('calls targets and snapshot keys "repository" keys and says when a retry follows a wrong passphrase', async () => {
    const term = new FakeTerminal(['again\r']);
    await new TerminalPassphraseSource(term).get(req('targets', { attempt: 1 }));
    expect(term.text).toBe('Passphrase incorrect. Please retry.\nEnter passphrase for repository key with ID 1a2b3c4: \n');
  });

  it('asks twice for a new key', async () => {
    const term = new FakeTerminal(['long enough\r', 'long enough\r']);
    expect(await new TerminalPassphraseSource(term).get(req('alice', { purpose: 'new' }))).toBe('long enough');
    expect(term.text).toBe(
      'Enter passphrase for new alice key with ID 1a2b3c4: \nRepeat passphrase for new alice key with ID 1a2b3c4: \n',
    );
  });

  it('refuses new passphrases under 8 characters and mismatches, then gives up after 3 tries', async () => {
    const term = new FakeTerminal(['short\r', 'long enough\r', 'different\r', 'short2\r']);
    const error = await new TerminalPassphraseSource(term).get(req('alice', { purpose: 'new' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PassphraseAttemptsExceededError);
    expect(term.text).toContain(
      'Passphrase is too short. Please use a password manager to generate and store a good random passphrase.\n',
    );
    expect(term.text).toContain('Passphrases do not match. Please retry.\n');
    expect(term.text.match(/Enter passphrase for new alice key/g)).toHaveLength(3);
  });

  it('accepts a good new passphrase after a short one', async () => {
    const term = new FakeTerminal(['short\r', 'long enough\r', 'long enough\r']);
    expect(await new TerminalPassphraseSource(term).get(req('alice', { purpose: 'new' }))).toBe('long enough');
  });

  it('warns before choosing a new root passphrase', async () => {
    const term = new FakeTerminal(['root passphrase\r', 'root passphrase\r']);
    await new TerminalPassphraseSource(term).get(req('root', { purpose: 'new' }));
    expect(term.text.startsWith('You are about to choose the passphrase for a new root key')).toBe(true);
  });

  it('handles Backspace, Ctrl-U, arrow keys and UTF-8 split across chunks', async () => {
    const utf8 = Buffer.from('pässwörd\r');
    const term = new FakeTerminal(['abcX\u007f\u0015pa\u001b[D\u001b[C']);
    const source = new TerminalPassphraseSource(term);
    const answer = source.get(req('root'));
    await new Promise((r) => setTimeout(r, 10));
    term.input.write(utf8.subarray(0, 2)); // "p" and the first byte of "ä"
    term.input.write(utf8.subarray(2));
    // "abcX", Backspace, Ctrl-U clear the line; the arrow-key sequences are ignored.
    expect(await answer).toBe('papässwörd');
  });

  it('cancels on Ctrl-C with PromptCancelledError and restores the terminal', async () => {
    const term = new FakeTerminal(['abc\u0003']);
    await expect(new TerminalPassphraseSource(term).get(req('root'))).rejects.toBeInstanceOf(PromptCancelledError);
    expect(term.input.isRaw).toBe(false);
  });

  it('shows each question only once the terminal is in raw mode, so a key typed at once is never line-edited', async () => {
    const term = new FakeTerminal(['long enough\r', 'long enough\r']);
    const rawAtQuestion: boolean[] = [];
    const write = term.output.write;
    term.output.write = (s: string) => {
      if (s.endsWith(': ')) rawAtQuestion.push(term.input.isRaw);
      return write(s);
    };
    await new TerminalPassphraseSource(term).get(req('alice', { purpose: 'new' }));
    expect(rawAtQuestion).toEqual([true, true]);
    expect(term.input.isRaw).toBe(false);
  });

  it('fails at once naming the variable when its input ends, and so does every later question', async () => {
    const term = new FakeTerminal([]);
    const source = new TerminalPassphraseSource(term);
    const answer = source.get(req('alice', { purpose: 'new' })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    term.input.end();
    const error = await answer;
    expect(error).toBeInstanceOf(PassphraseInputEndedError);
    expect(error).toMatchObject({
      message: 'standard input ended at the passphrase prompt for the new alice key 1a2b3c4',
      hint: { cli: 'set DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE' },
    });
    expect(term.input.isRaw).toBe(false);
    // An ended stream never emits 'end' again: waiting for it would hang.
    await expect(source.get(req('root'))).rejects.toMatchObject({
      name: 'PassphraseInputEndedError',
      hint: { cli: 'set DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE' },
    });
    expect(term.text).toBe('Enter passphrase for new alice key with ID 1a2b3c4: \n');
  });

  it('takes Ctrl-D on an empty line, or the NUL that a Ctrl-D typed before raw mode becomes, as end of input', async () => {
    for (const keys of ['\u0004', '\u0000']) {
      const term = new FakeTerminal([keys]);
      await expect(new TerminalPassphraseSource(term).get(req('targets')), JSON.stringify(keys)).rejects.toBeInstanceOf(
        PassphraseInputEndedError,
      );
      expect(term.input.isRaw).toBe(false);
    }
    // Within a line both are ignored, as before.
    const term = new FakeTerminal(['ab\u0004c\u0000d\r']);
    expect(await new TerminalPassphraseSource(term).get(req('targets'))).toBe('abcd');
  });

  it('keeps what was typed after Enter for the next question (pasted answers)', async () => {
    const term = new FakeTerminal(['first pass\rsecond pass\r']);
    const source = new TerminalPassphraseSource(term);
    expect(await source.get(req('root'))).toBe('first pass');
    expect(await source.get(req('targets'))).toBe('second pass');
  });

  it('reuses an answer for the same role on a first attempt, but asks again on a retry', async () => {
    const term = new FakeTerminal(['one\r', 'two\r']);
    const source = new TerminalPassphraseSource(term);
    expect(await source.get(req('targets'))).toBe('one');
    expect(await source.get(req('targets', { keyId: 'b'.repeat(64) }))).toBe('one');
    expect(await source.get(req('targets', { attempt: 1 }))).toBe('two');
  });

  it('is unavailable when stdin is not a TTY', async () => {
    const source = new TerminalPassphraseSource({ input: new PassThrough(), output: { isTTY: true, write: () => true } });
    expect(source.interactive).toBe(false);
    await expect(source.get(req('root'))).rejects.toMatchObject({ message: 'no passphrase for the root key 1a2b3c4', hint: { cli: 'run on a terminal' } });
  });

  it('unlocks a stored key after a wrong first answer', async () => {
    const dir = scratchDir();
    const key = await generatePrivateKey();
    await new KeyStore(dir).store(key, { role: 'alice' }, 'right passphrase');
    const term = new FakeTerminal(['wrong\r', 'right passphrase\r']);
    expect((await new KeyStore(dir).unlock(key.id, new TerminalPassphraseSource(term))).id).toBe(key.id);
    expect(term.text).toContain('Passphrase incorrect. Please retry.');
  });
});
