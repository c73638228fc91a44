// The journal of `migrate` runs, in the settings directory: per source and destination, the
// repositories whose migration finished and was verified, with what the destination served then. A run
// that was interrupted continues with the rest; a repository recorded here is checked against the
// destination alone, so a second run works even after the source server is gone.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../keys/atomic-write.js';

export interface TagSigners {
  tag: string;
  /** Hex sha256 of the manifest. */
  digest: string;
  /** Signer names (`Repo Admin` when only the repository key signed it), as docker shows them. */
  signers: string[];
}

export interface JournalEntry {
  /** Root version the destination served after the migration. */
  rootVersion: number;
  tags: TagSigners[];
  finishedAt: string;
}

type JournalData = Record<string, Record<string, JournalEntry>>;

export class MigrationJournal {
  readonly file: string;

  constructor(configDir: string) {
    this.file = path.join(configDir, 'migrations.json');
  }

  static runKey(from: string, to: string): string {
    return `${from} -> ${to}`;
  }

  async #read(): Promise<JournalData> {
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      return data && typeof data === 'object' && !Array.isArray(data) ? (data as JournalData) : {};
    } catch {
      return {};
    }
  }

  async entries(runKey: string): Promise<Record<string, JournalEntry>> {
    return (await this.#read())[runKey] ?? {};
  }

  /**
   * The repositories finished at destination `to`, whatever the source was (a run from the live
   * server, then one from the cache after it went away); `runKey`'s own entries first.
   */
  async entriesTo(runKey: string, to: string): Promise<Record<string, JournalEntry>> {
    const data = await this.#read();
    const merged: Record<string, JournalEntry> = {};
    for (const [key, entries] of Object.entries(data)) if (key.endsWith(` -> ${to}`) && key !== runKey) Object.assign(merged, entries);
    return Object.assign(merged, data[runKey] ?? {});
  }

  async markDone(runKey: string, gun: string, entry: JournalEntry): Promise<void> {
    const data = await this.#read();
    data[runKey] = { ...(data[runKey] ?? {}), [gun]: entry };
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n', 0o600);
  }
}
