// Passphrase prompts on a terminal, with docker's wording: hidden input in raw mode, Backspace and
// Ctrl-U editing, Ctrl-C cancels, an input that ends fails at once naming the variable to set instead.
// Never reads from a stdin that is not a TTY (that would hang a CI job).
import { StringDecoder } from 'node:string_decoder';
import {
  PassphraseAttemptsExceededError,
  PassphraseInputEndedError,
  PassphraseUnavailableError,
  PromptCancelledError,
} from './errors.js';
import {
  EnvironmentThenPromptSource,
  EnvPassphraseSource,
  isPassphraseTooShort,
  passphraseVariables,
  typedPassphrase,
  type PassphraseRequest,
  type PassphraseSource,
} from './passphrase.js';
import { shortKeyId } from '../tuf/short-key-id.js';

/** The parts of `process.stdin` the prompt uses; a fake TTY stream in tests. */
export interface TerminalInput {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  /** True once the stream has ended (process.stdin after its terminal closed). */
  readonly readableEnded?: boolean;
  setRawMode?(mode: boolean): unknown;
  // `any[]` as in EventEmitter, so process.stdin and PassThrough streams fit.
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type
  off(event: string, listener: (...args: any[]) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface TerminalOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface TerminalOptions {
  input?: TerminalInput;
  /** Prompts go to stderr by default, so stdout stays clean for data and JSON. */
  output?: TerminalOutput;
}

/** Chances to choose a valid new passphrase (too short or not repeated correctly) before giving up. */
export const NEW_PASSPHRASE_ATTEMPTS = 3;

const ROOT_WARNING =
  'You are about to choose the passphrase for a new root key, the most sensitive key of a repository.\n' +
  'Use a long random passphrase kept in a password manager, and back up the key file: a lost root key\n' +
  'or passphrase cannot be recovered.\n';

/** docker's prompt names: root keys `root`, targets/snapshot keys `repository`, other keys their role. */
export function promptAlias(role: string): string {
  if (role === 'targets' || role === 'snapshot') return 'repository';
  return role;
}

/** HiddenLineReader's input ended, or Ctrl-D was typed on an empty line: no answer will come. */
export class InputEndedError extends Error {
  override name = 'InputEndedError';
  constructor() {
    super('input ended before a line was entered');
  }
}

/** Reads lines without echo from a raw-mode TTY. Characters typed after Enter are kept for the next read. */
export class HiddenLineReader {
  #pending = '';
  /** The input emitted 'end': every later read fails at once (an ended stream never emits it again). */
  #ended = false;
  readonly #decoder = new StringDecoder('utf8');

  constructor(private readonly input: TerminalInput) {}

  /**
   * Reads one line. `prompt` is called once the terminal is in raw mode, to show the question: a
   * key typed as soon as the question shows is then never seen by the terminal's line editing
   * (there, a Ctrl-D is taken as end of file and reaches raw mode as a NUL byte).
   */
  read(prompt?: () => void): Promise<string> {
    const input = this.input;
    if (this.#ended || input.readableEnded) {
      this.#ended = true;
      return Promise.reject(new InputEndedError());
    }
    return new Promise<string>((resolve, reject) => {
      let line = '';
      let escape = 0; // 1 after ESC, 2 inside an ESC [ … sequence (arrow keys and the like)
      const wasRaw = input.isRaw ?? false;
      let settled = false;

      const finish = (error: Error | undefined) => {
        settled = true;
        input.off('data', onData);
        input.off('end', onEnd);
        input.setRawMode?.(wasRaw);
        input.pause();
        if (error) reject(error);
        else resolve(line);
      };
      const consume = (text: string) => {
        const chars = Array.from(text);
        for (let i = 0; i < chars.length && !settled; i++) {
          const ch = chars[i]!;
          if (escape === 1) {
            escape = ch === '[' ? 2 : 0;
            continue;
          }
          if (escape === 2) {
            if (ch >= '@' && ch <= '~') escape = 0;
            continue;
          }
          switch (ch) {
            case '\r':
            case '\n': {
              let rest = chars.slice(i + 1).join('');
              if (ch === '\r' && rest.startsWith('\n')) rest = rest.slice(1);
              this.#pending = rest;
              finish(undefined);
              return;
            }
            case '\u0003': // Ctrl-C: raw mode turns it into a character instead of SIGINT
              this.#pending = '';
              finish(new PromptCancelledError());
              return;
            case '\u0004': // Ctrl-D on an empty line: end of input
            case '\u0000': // the same, typed before raw mode (the line discipline turned it into NUL)
              if (line === '') {
                this.#pending = '';
                finish(new InputEndedError());
                return;
              }
              break;
            case '\u007f':
            case '\b':
              line = Array.from(line).slice(0, -1).join('');
              break;
            case '\u0015': // Ctrl-U clears the line
              line = '';
              break;
            case '\u001b':
              escape = 1;
              break;
            default:
              if (ch >= ' ') line += ch;
          }
        }
      };
      const onData = (chunk: string | Buffer) => consume(typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
      const onEnd = () => {
        this.#ended = true;
        finish(new InputEndedError());
      };

      input.setRawMode?.(true);
      try {
        prompt?.();
      } catch (e) {
        input.setRawMode?.(wasRaw);
        throw e; // rejects the read
      }
      const pending = this.#pending;
      this.#pending = '';
      if (pending) consume(pending);
      if (settled) return;
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    });
  }
}

/**
 * Prompts on the terminal, as docker does: `Enter passphrase for root key with ID 1a2b3c4:`; for new
 * keys it asks twice and refuses passphrases under 8 bytes. Answers are cached per role for the life
 * of this source (a retry after a wrong passphrase always asks again). Prompts are serialized.
 */
export class TerminalPassphraseSource implements PassphraseSource {
  readonly #options: TerminalOptions;
  #terminal?: { input: TerminalInput; output: TerminalOutput; reader: HiddenLineReader };
  readonly #cache = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TerminalOptions = {}) {
    this.#options = options;
  }

  // process.stdin is set up on first access (a stream, its tty or pipe module): a command that
  // never asks for a passphrase never pays for it.
  #io() {
    if (!this.#terminal) {
      const input = this.#options.input ?? process.stdin;
      this.#terminal = { input, output: this.#options.output ?? process.stderr, reader: new HiddenLineReader(input) };
    }
    return this.#terminal;
  }

  get #input(): TerminalInput {
    return this.#io().input;
  }

  get #output(): TerminalOutput {
    return this.#io().output;
  }

  get #reader(): HiddenLineReader {
    return this.#io().reader;
  }

  /** True when both ends are terminals and the input can switch off echo. */
  get interactive(): boolean {
    return Boolean(this.#input.isTTY && this.#output.isTTY && this.#input.setRawMode);
  }

  get(req: PassphraseRequest): Promise<string> {
    if (!this.interactive) {
      return Promise.reject(new PassphraseUnavailableError(req.role, req.keyId, ['run on a terminal'], req.purpose));
    }
    const answer = this.#queue.then(() => this.#ask(req));
    this.#queue = answer.catch(() => undefined);
    return answer;
  }

  async #ask(req: PassphraseRequest): Promise<string> {
    // A key file being imported has its own passphrase: neither taken from nor kept for its role's keys.
    const cacheKey = req.file === undefined ? req.role : `file ${req.file}`;
    const cached = req.attempt === 0 ? this.#cache.get(cacheKey) : undefined;
    if (cached !== undefined) return cached;
    const label = req.file === undefined ? `${promptAlias(req.role)} key with ID ${shortKeyId(req.keyId)}` : `encrypted key file ${req.file}`;
    try {
      const passphrase = req.purpose === 'new' ? await this.#askNew(req, label) : await this.#askExisting(req, label);
      this.#cache.set(cacheKey, passphrase);
      return passphrase;
    } catch (e) {
      if (!(e instanceof InputEndedError)) throw e;
      throw new PassphraseInputEndedError(req.role, req.keyId, [`set ${passphraseVariables(req.role)[0]}`], req.purpose);
    }
  }

  async #askExisting(req: PassphraseRequest, label: string): Promise<string> {
    if (req.attempt > 0) this.#output.write('Passphrase incorrect. Please retry.\n');
    return this.#prompt(`Enter passphrase for ${label}: `);
  }

  async #askNew(req: PassphraseRequest, label: string): Promise<string> {
    if (req.role === 'root') this.#output.write(ROOT_WARNING);
    for (let i = 0; i < NEW_PASSPHRASE_ATTEMPTS; i++) {
      const first = await this.#prompt(`Enter passphrase for new ${label}: `);
      if (isPassphraseTooShort(first)) {
        this.#output.write(
          'Passphrase is too short. Please use a password manager to generate and store a good random passphrase.\n',
        );
        continue;
      }
      const repeated = await this.#prompt(`Repeat passphrase for new ${label}: `);
      if (repeated === first) return first;
      this.#output.write('Passphrases do not match. Please retry.\n');
    }
    throw new PassphraseAttemptsExceededError();
  }

  async #prompt(text: string): Promise<string> {
    let shown = false;
    try {
      return typedPassphrase(
        await this.#reader.read(() => {
          this.#output.write(text);
          shown = true;
        }),
      );
    } finally {
      if (shown) this.#output.write('\n');
    }
  }
}

/** The CLI's source: environment variables first, then a terminal prompt when stdin and stderr are TTYs. */
export function defaultPassphraseSource(
  options: TerminalOptions & { env?: Readonly<Record<string, string | undefined>> } = {},
): PassphraseSource {
  return new EnvironmentThenPromptSource(new EnvPassphraseSource(options.env), new TerminalPassphraseSource(options));
}
