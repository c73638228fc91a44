// The private-key directory shared with the notary CLI and `docker trust`:
// <trustDir>/private/<canonical key id>.key, 0700 directories, 0600 files (notary trustmanager/keystore.go).
// Notary's pre-0.4 layouts (private/root_keys/, private/tuf_keys/<gun>/) are read but never written.
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { PrivateKey } from '../tuf/private-key.js';
import { notWritableIn } from '../config/writable.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  KeyConflictError,
  KeyFileError,
  KeyNotFoundError,
  KeyStoreError,
  WrongPassphraseError,
} from './errors.js';
import { encodeKeyFile, keyFileHeaders, openKeyFile, parseKeyFile, visibleKeyType, ROLES_WITH_GUN, type KeyFile, type KeyLabels } from './keyfile.js';
import type { PassphraseSource } from './passphrase.js';
import { shortKeyId } from '../tuf/short-key-id.js';

/** A key file in the store, described from its name and headers only (nothing is decrypted). */
export interface StoredKey {
  /** Canonical key ID (the file name). */
  id: string;
  role: string;
  gun?: string;
  path: string;
  encrypted: boolean;
  /** Found in notary's pre-0.4 layout. */
  legacy: boolean;
  /** The key type when the file shows it without a passphrase (see visibleKeyType). */
  type?: string;
  /** Why the file cannot be read; `role`/`gun` then come from its location only. */
  problem?: string;
}

export interface StoreOptions {
  /**
   * The passphrase of the file already stored for this key, if it differs from the new one (e.g.
   * changing a passphrase). Without it, an existing file must open with the new passphrase.
   */
  currentPassphrase?: string;
}

/** Wrong passphrases accepted per unlock before giving up (sources that cannot ask again stop earlier). */
export const MAX_UNLOCK_ATTEMPTS = 3;

const KEY_ID = /^[0-9a-f]{64}$/;
const ROOT_KEYS_DIR = 'root_keys';
const TUF_KEYS_DIR = 'tuf_keys';

export class KeyStore {
  readonly privateDir: string;
  readonly #unlocked = new Map<string, PrivateKey>();

  constructor(readonly trustDir: string) {
    this.privateDir = join(trustDir, 'private');
  }

  /** Every key file, sorted by role, GUN and ID. A key in both layouts is listed once (the current one). */
  async list(): Promise<StoredKey[]> {
    const seen = new Set<string>();
    const unique = (await this.#listAll()).filter((k) => !seen.has(k.id) && seen.add(k.id));
    return unique.sort(
      (a, b) => cmp(a.role, b.role) || cmp(a.gun ?? '', b.gun ?? '') || cmp(a.id, b.id),
    );
  }

  async get(id: string): Promise<StoredKey | undefined> {
    if (KEY_ID.test(id)) {
      const flat = await this.#describe(join(this.privateDir, `${id}.key`), { id, legacy: false });
      if (flat) return flat;
      // Not in the current layout: only the legacy layouts can hold it. (Listing every key file
      // here made each publish of a bulk command read the whole store: quadratic over a fleet.)
      return (await this.#listLegacy()).find((k) => k.id === id);
    }
    return (await this.list()).find((k) => k.id === id);
  }

  async has(id: string): Promise<boolean> {
    return (await this.get(id)) !== undefined;
  }

  /** Keys whose ID starts with `query`, or whose role is `query` (a signer name, `root`, `targets/releases`). */
  async find(query: string): Promise<StoredKey[]> {
    if (!query) return [];
    return (await this.list()).filter((k) => k.id.startsWith(query) || k.role === query);
  }

  /**
   * Writes the key file (encrypted unless `passphrase` is empty) atomically with mode 0600.
   * Storing a key again rewrites its headers (docker does the same); a file at that path holding a
   * different key, or one that cannot be verified, is never replaced (KeyConflictError).
   */
  async store(key: PrivateKey, labels: KeyLabels, passphrase: string, options: StoreOptions = {}): Promise<StoredKey> {
    const role = labels.role.trim();
    if (!role) throw new KeyStoreError(`key ${shortKeyId(key.id)}: a role is required`);
    if (ROLES_WITH_GUN.includes(role) && !labels.gun) {
      throw new KeyStoreError(`key ${shortKeyId(key.id)}: a ${role} key needs the repository (GUN) it belongs to`);
    }
    const path = join(this.privateDir, `${key.id}.key`);
    await this.#ensureReplaceable(path, key, [passphrase, options.currentPassphrase]);
    const headers = keyFileHeaders({ role, gun: labels.gun });
    const text = await encodeKeyFile(key, { role, gun: labels.gun }, passphrase);
    try {
      await mkdir(this.privateDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, text, 0o600);
    } catch (e) {
      throw notWritableIn(this.trustDir, e);
    }
    this.#unlocked.set(key.id, key);
    return { id: key.id, role, ...(headers.gun ? { gun: headers.gun } : {}), path, encrypted: passphrase !== '', legacy: false };
  }

  /**
   * Decrypts a stored key, asking `passphrases` again after a wrong answer (at most
   * MAX_UNLOCK_ATTEMPTS times). Unlocked keys are kept in memory for the life of this store.
   */
  async unlock(id: string, passphrases: PassphraseSource): Promise<PrivateKey> {
    const cached = this.#unlocked.get(id);
    if (cached) return cached;
    const stored = await this.get(id);
    if (!stored) throw new KeyNotFoundError(id, this.privateDir);
    if (stored.problem) {
      throw new KeyFileError(
        stored.path,
        `stored key ${shortKeyId(stored.id)}${stored.role ? ` (${stored.role})` : ''} cannot be read: ${stored.problem}`,
        'restore the file from a backup (`trust-tui key save` writes one), or move it out of the trust directory to go on without this key',
      );
    }
    const file = parseKeyFile(await readFile(stored.path, 'utf8'), stored.path);
    const key = await unlockKeyFile(file, passphrases, { keyId: stored.id, role: stored.role, gun: stored.gun });
    if (key.id !== stored.id) {
      throw new KeyFileError(stored.path, `holds key ${shortKeyId(key.id)}, not ${shortKeyId(stored.id)} as its name says`);
    }
    this.#unlocked.set(id, key);
    return key;
  }

  /** Deletes every file of the key (current and legacy layouts). */
  async remove(id: string): Promise<StoredKey> {
    const files = (await this.#listAll()).filter((k) => k.id === id);
    if (files.length === 0) throw new KeyNotFoundError(id, this.privateDir);
    for (const file of files) await unlink(file.path).catch((e: unknown) => Promise.reject(notWritableIn(this.trustDir, e)));
    this.#unlocked.delete(id);
    return files[0]!;
  }

  async #ensureReplaceable(path: string, key: PrivateKey, passphrases: (string | undefined)[]): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let file: KeyFile;
    try {
      file = parseKeyFile(text, path);
    } catch (e) {
      if (e instanceof KeyFileError) throw new KeyConflictError(key.id, path, `exists but is not a readable key file (${e.detail})`, 'move it away first');
      throw e;
    }
    const candidates = file.encrypted ? [...new Set(passphrases.filter((p): p is string => p !== undefined))] : [''];
    for (const candidate of candidates) {
      let existing: PrivateKey;
      try {
        existing = await openKeyFile(file, candidate, key.id);
      } catch (e) {
        if (e instanceof WrongPassphraseError) continue;
        if (e instanceof KeyFileError) throw new KeyConflictError(key.id, path, `exists but cannot be decoded (${e.detail})`, 'move it away first');
        throw e;
      }
      if (existing.id === key.id) return;
      throw new KeyConflictError(key.id, path, `already holds a different key (${shortKeyId(existing.id)})`);
    }
    throw new KeyConflictError(key.id, path, 'already exists with another passphrase', 'give its current passphrase to replace it');
  }

  async #listAll(): Promise<StoredKey[]> {
    return [...(await this.#listFlat()), ...(await this.#listLegacy())];
  }

  async #listFlat(): Promise<StoredKey[]> {
    const names = await keyFileNames(this.privateDir);
    const keys = await Promise.all(
      names.map((name) => this.#describe(join(this.privateDir, name), { id: name.slice(0, -4), legacy: false })),
    );
    return keys.filter((k): k is StoredKey => k !== undefined);
  }

  /** private/root_keys/<id>[_root].key and private/tuf_keys/<gun>/<id>[_<role>].key (notary < 0.4). */
  async #listLegacy(): Promise<StoredKey[]> {
    const found: Promise<StoredKey | undefined>[] = [];
    const rootDir = join(this.privateDir, ROOT_KEYS_DIR);
    for (const name of await keyFileNames(rootDir)) {
      const { id } = splitLegacyName(name);
      found.push(this.#describe(join(rootDir, name), { id, role: 'root', legacy: true }));
    }
    const tufDir = join(this.privateDir, TUF_KEYS_DIR);
    for (const path of await keyFilesBelow(tufDir)) {
      const rel = relative(tufDir, path).split(sep);
      const { id, role } = splitLegacyName(rel.pop()!);
      const gun = rel.join('/');
      found.push(this.#describe(path, { id, legacy: true, ...(role ? { role } : {}), ...(gun ? { gun } : {}) }));
    }
    return (await Promise.all(found)).filter((k): k is StoredKey => k !== undefined);
  }

  /** Reads a key file's headers; undefined if it does not exist. Unreadable files are reported in `problem`. */
  async #describe(
    path: string,
    known: { id: string; legacy: boolean; role?: string; gun?: string },
  ): Promise<StoredKey | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return { ...known, role: known.role ?? '', path, encrypted: false, problem: (e as Error).message };
    }
    try {
      const file = parseKeyFile(text, path);
      const gun = file.gun ?? known.gun;
      const type = visibleKeyType(file);
      return {
        id: known.id,
        role: file.role ?? known.role ?? '',
        ...(gun ? { gun } : {}),
        path,
        encrypted: file.encrypted,
        legacy: known.legacy,
        ...(type ? { type } : {}),
      };
    } catch (e) {
      if (!(e instanceof KeyFileError)) throw e;
      return { ...known, role: known.role ?? '', path, encrypted: false, problem: e.detail };
    }
  }
}

/**
 * Opens a key file with passphrases from `source`, retrying after wrong ones (at most
 * MAX_UNLOCK_ATTEMPTS). Also used for files outside the store, e.g. a key being imported.
 */
export async function unlockKeyFile(
  file: KeyFile,
  source: PassphraseSource,
  who: { keyId: string; role: string; gun?: string; file?: string },
): Promise<PrivateKey> {
  if (!file.encrypted) return openKeyFile(file, '', who.keyId);
  for (let attempt = 0; attempt < MAX_UNLOCK_ATTEMPTS; attempt++) {
    const passphrase = await source.get({ ...who, purpose: 'unlock', attempt });
    try {
      return await openKeyFile(file, passphrase, who.keyId);
    } catch (e) {
      if (!(e instanceof WrongPassphraseError)) throw e;
    }
  }
  throw new WrongPassphraseError(who.keyId);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Legacy names are `<id>.key` or `<id>_<role>.key`. */
function splitLegacyName(name: string): { id: string; role?: string } {
  const base = name.slice(0, -4);
  const underscore = base.indexOf('_');
  return underscore === -1 ? { id: base } : { id: base.slice(0, underscore), role: base.slice(underscore + 1) };
}

async function keyFileNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('.key') && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

async function keyFilesBelow(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await keyFilesBelow(path)));
    else if (entry.isFile() && entry.name.endsWith('.key') && !entry.name.startsWith('.')) files.push(path);
  }
  return files;
}
