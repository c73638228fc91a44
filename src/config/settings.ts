// trust-tui's own settings (this host's root key, trust pinning, servers per GUN prefix, watched
// repositories). conf owns the file and writes it atomically; reads parse the same file directly,
// because loading conf costs more than a whole read-only command should take.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HintedError } from '../tuf/errors.js';

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
  #data?: SettingsData;

  constructor(readonly dir: string) {
    this.file = join(dir, 'config.json');
  }

  /** The current settings (defaults for anything the file does not set). */
  get data(): SettingsData {
    if (this.#data) return this.#data;
    let stored: Partial<SettingsData> = {};
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SettingsData>;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT') {
        throw new SettingsError(`cannot read settings ${this.file}: ${err.message}`, { hint: 'fix or remove the file' });
      }
    }
    return (this.#data = { ...structuredClone(DEFAULTS), ...stored });
  }

  /** Applies `change` to a copy of the settings and writes the result atomically through conf. */
  async update(change: (draft: SettingsData) => void): Promise<SettingsData> {
    const draft = structuredClone(this.data);
    change(draft);
    const { default: Conf } = await import('conf');
    const store = new Conf<SettingsData>({ cwd: this.dir, projectName: 'trust-tui', projectSuffix: '' });
    store.store = draft;
    this.#data = draft;
    return draft;
  }
}
