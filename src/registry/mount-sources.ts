// Which repositories of a registry this machine pushed (or found) a blob in, so that a later push of
// the same blob to another repository can mount it (distribution-spec "Mounting a blob from another
// repository") instead of sending it again, as docker's v2 metadata service does. One small JSON file
// per registry host under trust-tui's cache directory, replaced atomically, capped in size; losing
// it only costs uploads.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../keys/atomic-write.js';

/** Blobs remembered per registry (the oldest are forgotten first). */
export const MAX_REMEMBERED_BLOBS = 5000;
/** Repositories remembered per blob (the most recent). */
export const MAX_SOURCES_PER_BLOB = 4;

interface RecordFile {
  version: 1;
  /** digest -> repositories, most recent last. */
  blobs: Record<string, string[]>;
}

export class MountSources {
  readonly #file: string;
  readonly #blobs: Map<string, string[]>;
  #changed = false;

  private constructor(file: string, blobs: Map<string, string[]>) {
    this.#file = file;
    this.#blobs = blobs;
  }

  /** The record of `registryHost` in `cacheDir` (empty when missing or unreadable: it is a cache). */
  static async open(cacheDir: string, registryHost: string): Promise<MountSources> {
    const file = join(cacheDir, 'push-sources', `${registryHost.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
    const blobs = new Map<string, string[]>();
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<RecordFile>;
      for (const [digest, repositories] of Object.entries(parsed.blobs ?? {})) {
        if (Array.isArray(repositories)) blobs.set(digest, repositories.filter((r) => typeof r === 'string'));
      }
    } catch {
      // Missing or damaged: start over.
    }
    return new MountSources(file, blobs);
  }

  /** Repositories holding `digest`, most recent first. */
  sources(digest: string): string[] {
    return [...(this.#blobs.get(digest) ?? [])].reverse();
  }

  remember(digest: string, repository: string): void {
    const known = (this.#blobs.get(digest) ?? []).filter((r) => r !== repository);
    known.push(repository);
    this.#blobs.delete(digest); // re-inserted last: Map order is the age order
    this.#blobs.set(digest, known.slice(-MAX_SOURCES_PER_BLOB));
    while (this.#blobs.size > MAX_REMEMBERED_BLOBS) this.#blobs.delete(this.#blobs.keys().next().value as string);
    this.#changed = true;
  }

  /** Writes the record if it changed; a failure is ignored (the push itself succeeded). */
  async save(): Promise<void> {
    if (!this.#changed) return;
    const data: RecordFile = { version: 1, blobs: Object.fromEntries(this.#blobs) };
    try {
      await mkdir(join(this.#file, '..'), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.#file, `${JSON.stringify(data)}\n`, 0o600);
      this.#changed = false;
    } catch {
      // A read-only cache directory costs only future uploads.
    }
  }
}
