// Where signing requests live between signers. The file transport keeps them under
// `<trust dir>/trust-tui/requests/<gun>/<id>.request.json` (notary and docker ignore that folder);
// the files themselves travel by any channel. The pending area of `trust-tui server`
// (server-transport.ts) implements the same interface; where.ts picks one per repository.
import { mkdir, readdir, readFile, rm, chmod } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../keys/atomic-write.js';
import { InputError } from '../errors.js';
import { parseRequestDocument, serializeRequest, isDetached, type SigningRequest } from './format.js';

export interface RequestTransport {
  /** A short name for messages and --json: "file" or "server". */
  readonly kind: string;
  list(gun?: string): Promise<SigningRequest[]>;
  /** The request with this ID (or a unique prefix of at least 4 hex digits). */
  get(id: string): Promise<SigningRequest | undefined>;
  /** Stores (creates or replaces) a request; answers where it is. */
  put(request: SigningRequest): Promise<string>;
  remove(request: SigningRequest): Promise<void>;
  /** Where a request is kept, for messages (a path or a URL). */
  locationOf(request: SigningRequest): string;
}

function safeGunPath(gun: string): string {
  const parts = gun.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) throw new InputError(`repository name ${gun} cannot be a folder name`);
  return path.join(...parts);
}

export class FileRequestTransport implements RequestTransport {
  readonly kind = 'file';
  readonly root: string;

  constructor(trustDir: string) {
    this.root = path.join(trustDir, 'trust-tui', 'requests');
  }

  locationOf(request: SigningRequest): string {
    return path.join(this.root, safeGunPath(request.gun), `${request.id}.request.json`);
  }

  async #files(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    const out: string[] = [];
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) out.push(...(await this.#files(full)));
      else if (e.isFile() && e.name.endsWith('.request.json')) out.push(full);
    }
    return out;
  }

  async list(gun?: string): Promise<SigningRequest[]> {
    const dir = gun === undefined ? this.root : path.join(this.root, safeGunPath(gun));
    const out: SigningRequest[] = [];
    for (const file of await this.#files(dir)) {
      const doc = parseRequestDocument(await readFile(file, 'utf8'), file);
      if (!isDetached(doc) && (gun === undefined || doc.gun === gun)) out.push(doc);
    }
    return out.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
  }

  async get(id: string): Promise<SigningRequest | undefined> {
    const all = (await this.list()).filter((r) => r.id.startsWith(id));
    if (all.length > 1 && !all.some((r) => r.id === id)) throw new InputError(`request ID ${id} is ambiguous (${all.map((r) => r.id).join(', ')})`, { hint: 'give more digits' });
    return all.find((r) => r.id === id) ?? all[0];
  }

  async put(request: SigningRequest): Promise<string> {
    const file = this.locationOf(request);
    // Every folder from the trust directory down is private: requests name unreleased tags.
    let dir = path.dirname(file);
    const dirs: string[] = [];
    while (dir.length >= this.root.length) {
      dirs.unshift(dir);
      dir = path.dirname(dir);
    }
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    for (const d of [path.dirname(this.root), ...dirs]) await chmod(d, 0o700).catch(() => undefined);
    await writeFileAtomic(file, serializeRequest(request), 0o600);
    return file;
  }

  /** Creates the requests folder (and trust-tui's folder above it) private to the user. */
  async ensureRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    for (const d of [path.dirname(this.root), this.root]) await chmod(d, 0o700).catch(() => undefined);
  }

  async remove(request: SigningRequest): Promise<void> {
    await rm(this.locationOf(request), { force: true });
  }
}
