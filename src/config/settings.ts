// trust-tui's own settings (this host's root key, trust pinning, servers per GUN prefix, watched
// repositories). Every change is a read-modify-write of the file on disk under a lock beside it
// (config.json.lock), written atomically, so a change made meanwhile by another process (the UI and
// `trust-tui config`) is never reverted.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../keys/atomic-write.js';
import { HintedError } from '../tuf/errors.js';
import { settingsProblem } from './settings-check.js';
import { isNotWritable } from './writable.js';
import { withFileLock } from './settings-lock.js';

export interface ServerEntry {
  url: string;
  /** A CA bundle (file path) that the server's TLS certificate chains to. */
  ca?: string;
}

export interface PinEntry {
  /** TUF key IDs of root certificates that this GUN (or prefix) must use. */
  certs?: string[];
  /** PEM text of a CA bundle that root certificates must chain to. */
  ca?: string;
}

export interface SettingsData {
  /** Canonical ID of the root key this host uses for new repositories. */
  rootKeyId?: string;
  /** Trust on first use: accept the first root a server sends when no pin applies. */
  tofu: boolean;
  pins: Record<string, PinEntry>;
  servers: Record<string, ServerEntry>;
  watched: string[];
  /** Key types of keys this host generated or loaded (key files do not say). */
  keyTypes: Record<string, string>;
}

const DEFAULTS: SettingsData = { tofu: true, pins: {}, servers: {}, watched: [], keyTypes: {} };

export class SettingsError extends HintedError {
  override name = 'SettingsError';
}

export class Settings {
  readonly file: string;
  readonly lockFile: string;
  #data?: SettingsData;

  constructor(readonly dir: string) {
    this.file = join(dir, 'config.json');
    this.lockFile = `${this.file}.lock`;
  }

  /** The settings as last read (defaults for anything the file does not set). */
  get data(): SettingsData {
    if (this.#data) return this.#data;
    let stored: unknown = {};
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT') {
        throw new SettingsError(`cannot read settings ${this.file}: ${err.message}`, { hint: 'fix or remove the file' });
      }
    }
    // A field of the wrong type must not fall back to a default: "tofu" and the pins decide trust.
    const problem = settingsProblem(stored);
    if (problem) throw new SettingsError(`settings ${this.file} cannot be used: ${problem}`, { hint: 'fix the file, or remove it to start from the defaults' });
    return (this.#data = { ...structuredClone(DEFAULTS), ...(stored as Partial<SettingsData>) });
  }

  /** Reads the file again (a long-running process sees changes other processes made). */
  reload(): SettingsData {
    this.#data = undefined;
    return this.data;
  }

  /**
   * Applies `change` to the settings as they are on disk now, under the lock, and writes the result
   * atomically (0600 in a 0700 directory). `change` may throw to refuse; nothing is written then.
   */
  async update(change: (draft: SettingsData) => void): Promise<SettingsData> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      return await withFileLock(this.lockFile, async () => {
        const draft = structuredClone(this.reload());
        change(draft);
        // Never write a file that every later command would refuse (settings-check.ts).
        const problem = settingsProblem(draft);
        if (problem) throw new SettingsError(`the change would make settings ${this.file} unusable: ${problem}; nothing was changed`);
        await writeFileAtomic(this.file, `${JSON.stringify(draft, undefined, '\t')}\n`, 0o600);
        this.#data = draft;
        return draft;
      });
    } catch (e) {
      throw this.#unwritable(e) ?? e;
    }
  }

  /** A settings directory this user cannot write, in words (node says only `EACCES: … open '…lock'`). */
  #unwritable(e: unknown): SettingsError | undefined {
    const code = (e as NodeJS.ErrnoException).code;
    const cause = isNotWritable(e) ? `this user may not write there (${code})` : code === 'ENOTDIR' || code === 'EEXIST' ? `a part of that path is a file (${code})` : undefined;
    if (!cause) return undefined;
    return new SettingsError(`cannot write the settings in ${this.dir}: ${cause}; nothing was changed`, { hint: 'give --config-dir a directory this user can write' });
  }
}
