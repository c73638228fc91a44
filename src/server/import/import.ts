// `trust-tui server import`: copies a notary-server 0.7 deployment into a trust-tui store. Every
// live version of every role goes in byte for byte, in the source's insertion order (so the change
// feed lists the timestamps in the order notary-server stored them). Every row is checked against
// the store before the first write, so a conflict writes nothing; the writes then go in
// transactions of up to REPOSITORIES_PER_TRANSACTION repositories (one, for most estates). Versions
// already in the store with the same bytes are skipped, so the import can run again (also to finish
// one that failed midway); different bytes under a stored version stop it.
import { createHash } from 'node:crypto';
import { parseMetadata } from '../../tuf/metadata/parse.js';
import type { PrivateKey } from '../../tuf/private-key.js';
import type { Keyring, ServerKeyRole } from '../signer.js';
import type { MetadataReader, Storage } from '../stores/storage.js';
import { openSignerKey, passphraseFor, SignerKeyError, signerPassphraseVariable } from './signer-keys.js';
import { countChanges, readSignerKeys, readTufFiles, type SqlSource } from './source.js';

/** The destination already holds other data under a version the source has. */
export class ImportConflictError extends Error {
  override name = 'ImportConflictError';
}

/** What happened to a server-held key the repository's root lists. */
export type KeyOutcome = 'imported' | 'already-held' | 'missing' | 'client-held';

export interface RepositoryReport {
  gun: string;
  /** Versions written now (or that would be, with dryRun). */
  imported: number;
  /** Versions the store already had with the same bytes. */
  alreadyPresent: number;
  timestampKey: KeyOutcome;
  snapshotKey: KeyOutcome;
  /** Commands that give the repository a new timestamp key, when its old one was not imported. */
  rotate?: string[];
}

export interface ImportSummary {
  source: string;
  signerSource?: string;
  dryRun: boolean;
  repositories: RepositoryReport[];
  imported: number;
  alreadyPresent: number;
  /** Rows of tuf_files with deleted_at set: not imported. */
  deletedRows: number;
  /** The source's change feed, for comparison. */
  sourceChanges: { update: number; deletion: number };
  keysImported: number;
}

export interface ImportOptions {
  source: SqlSource;
  /** notary-signer's database and where its passphrases are; without it no key is imported. */
  signer?: { source: SqlSource; passphraseVariables: ReadonlyMap<string, string>; env: NodeJS.ProcessEnv };
  /**
   * Opens the store to import into (and the keyring that encrypts imported keys with
   * TRUST_TUI_SERVER_PASSPHRASE, needed when `signer` is given). Called once the source and the
   * signer keys have been read, so that a bad source or passphrase leaves the destination untouched.
   * The store is closed before this function returns.
   */
  openDestination: () => Promise<{ storage: Storage; keyring?: Keyring }>;
  dryRun?: boolean;
  /** Default REPOSITORIES_PER_TRANSACTION. */
  repositoriesPerTransaction?: number;
}

/**
 * Repositories one write transaction may touch. The PostgreSQL store takes an advisory lock per
 * repository until the commit, and PostgreSQL's lock table holds max_locks_per_transaction (64) ×
 * max_connections locks in all: a whole estate in one transaction would run out of it.
 */
export const REPOSITORIES_PER_TRANSACTION = 500;

export async function importNotaryServer(options: ImportOptions): Promise<ImportSummary> {
  const { source } = options;
  const [sourceChanges, deletedRows] = await Promise.all([countChanges(source), countDeletedRows(source)]);
  // Keys are opened before anything is written: a wrong passphrase stops the import at once.
  const signerKeys = options.signer ? await openSignerKeys(options.signer) : undefined;
  const { storage, keyring } = await options.openDestination();
  try {
    return await importInto(options, storage, keyring, signerKeys, { sourceChanges, deletedRows });
  } finally {
    await storage.close();
  }
}

/** The newest root of a repository, as far as the check has read. */
interface RootSeen {
  version: number;
  data: Buffer;
}

async function importInto(
  options: ImportOptions,
  storage: Storage,
  keyring: Keyring | undefined,
  signerKeys: Map<string, OpenedSignerKey> | undefined,
  counts: Pick<ImportSummary, 'sourceChanges' | 'deletedRows'>,
): Promise<ImportSummary> {
  const { source } = options;
  const dryRun = options.dryRun ?? false;
  if (signerKeys && !dryRun) {
    if (!keyring) throw new SignerKeyError('importing server keys needs TRUST_TUI_SERVER_PASSPHRASE: the server stores its keys encrypted with it');
    const refused = await keyring.checkPassphrase(await storage.allKeys());
    if (refused.length > 0) {
      throw new SignerKeyError(
        `TRUST_TUI_SERVER_PASSPHRASE does not open ${refused.length} key(s) already in the destination (e.g. the ${refused[0]!.role} key of ${refused[0]!.gun}): use that store's passphrase`,
      );
    }
  }

  // 1. Check every row against the store, writing nothing: a conflict anywhere stops the import
  //    before its first write.
  const reports = new Map<string, RepositoryReport>();
  const roots = new Map<string, RootSeen>();
  for await (const file of readTufFiles(source)) {
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    const where = `${file.gun}: ${file.role} version ${file.version}`;
    if (file.sha256 !== null && file.sha256 !== '' && file.sha256 !== sha256) {
      throw new ImportConflictError(`${source.display}: ${where} (tuf_files id ${file.id}) does not match its own sha256 column: the source is damaged; nothing was imported`);
    }
    let r = reports.get(file.gun);
    if (!r) reports.set(file.gun, (r = { gun: file.gun, imported: 0, alreadyPresent: 0, timestampKey: 'missing', snapshotKey: 'client-held' }));
    if (file.role === 'root' && file.version > (roots.get(file.gun)?.version ?? 0)) roots.set(file.gun, { version: file.version, data: file.data });
    const stored = await storage.getVersion(file.gun, file.role, file.version);
    if (stored) {
      if (stored.sha256 !== sha256) {
        throw new ImportConflictError(
          `${where} is already in the destination with other content (sha256 ${stored.sha256.slice(0, 12)}…, source ${sha256.slice(0, 12)}…): import into an empty store or delete that repository there first; nothing was imported`,
        );
      }
      r.alreadyPresent++;
      continue;
    }
    const current = await storage.getCurrent(file.gun, file.role);
    if (current && current.version > file.version) {
      throw new ImportConflictError(
        `${where} is missing from the destination, which already has version ${current.version}: the repository was changed there; import into an empty store or delete that repository there first; nothing was imported`,
      );
    }
    r.imported++;
  }

  // 2. The server keys each repository's newest root lists (the store's, when it is newer).
  const wanted: WantedKey[] = [];
  for (const r of reports.values()) {
    const stored = await storage.getCurrent(r.gun, 'root');
    const seen = roots.get(r.gun);
    const root = stored && stored.version >= (seen?.version ?? 0) ? stored.data : seen?.data;
    if (root) wanted.push(...(await findServerKeys(storage, r, root, signerKeys)));
  }
  const repositories = [...reports.values()].sort((a, b) => a.gun.localeCompare(b.gun));
  const summary: ImportSummary = {
    source: source.display,
    signerSource: options.signer?.source.display,
    dryRun,
    repositories,
    imported: repositories.reduce((n, r) => n + r.imported, 0),
    alreadyPresent: repositories.reduce((n, r) => n + r.alreadyPresent, 0),
    ...counts,
    keysImported: wanted.length,
  };
  if (dryRun) return summary;

  // 3. Write, in the source's order (the change feed follows it), a bounded number of repositories
  //    per transaction. Keys are encrypted first: PBKDF2 at the server's count takes a fifth of a
  //    second per key, four at a time (libuv's pool), and must not hold the write lock.
  const made = keyring ? await mapLimit(wanted, 4, (w) => keyring.wrapKey(w.gun, w.role, w.key)) : [];
  const perTransaction = options.repositoriesPerTransaction ?? REPOSITORIES_PER_TRANSACTION;
  const rows = readTufFiles(source)[Symbol.asyncIterator]();
  let next = await rows.next();
  while (!next.done) {
    await storage.transaction(async (tx) => {
      const touched = new Set<string>();
      for (; !next.done; next = await rows.next()) {
        const file = next.value;
        if (!touched.has(file.gun) && touched.size >= perTransaction) return;
        touched.add(file.gun);
        if (await tx.getVersion(file.gun, file.role, file.version)) continue; // counted as present above
        await tx.putMetadata(file.gun, [{ role: file.role, version: file.version, data: file.data }]);
      }
    });
  }
  for (let i = 0; i < made.length; i += perTransaction) {
    const batch = made.slice(i, i + perTransaction);
    await storage.transaction(async (tx) => {
      for (const key of batch) await keyring!.addKey(tx, key);
    });
  }
  return summary;
}

async function countDeletedRows(source: SqlSource): Promise<number> {
  const rows = await source.query('SELECT COUNT(*) AS n FROM tuf_files WHERE deleted_at IS NOT NULL', []);
  return Number(rows[0]?.n ?? 0);
}

interface OpenedSignerKey {
  gun: string;
  role: string;
  key: PrivateKey;
}

async function openSignerKeys(signer: NonNullable<ImportOptions['signer']>): Promise<Map<string, OpenedSignerKey>> {
  const rows = await readSignerKeys(signer.source);
  const opened = new Map<string, OpenedSignerKey>();
  for (const row of rows) {
    const { variable, value } = passphraseFor(row.passphraseAlias, signer.passphraseVariables, signer.env);
    if (value === undefined) {
      const own = signerPassphraseVariable(row.passphraseAlias);
      throw new SignerKeyError(
        `notary-signer keys use the passphrase alias ${JSON.stringify(row.passphraseAlias)}: set ${variable}${variable === own ? '' : ` (or ${own})`} to its passphrase, as for notary-signer`,
      );
    }
    opened.set(row.keyId, { gun: row.gun, role: row.role, key: await openSignerKey(row, value, variable) });
  }
  return opened;
}

interface WantedKey {
  gun: string;
  role: ServerKeyRole;
  key: PrivateKey;
}

/**
 * Decides, for the timestamp (and server-managed snapshot) keys the repository's newest root lists,
 * whether trust-tui already holds them, notary-signer has them (returned, to be imported), or they
 * are missing (the root key holder must rotate). Records the outcome in the report.
 */
async function findServerKeys(
  reader: MetadataReader,
  r: RepositoryReport,
  rootBytes: Buffer,
  signerKeys: Map<string, OpenedSignerKey> | undefined,
): Promise<WantedKey[]> {
  const root = parseMetadata(rootBytes, 'root').signed;
  const wanted: WantedKey[] = [];
  for (const role of ['timestamp', 'snapshot'] as const satisfies readonly ServerKeyRole[]) {
    const held = new Set((await reader.listKeys(r.gun, role)).map((k) => k.keyId));
    let outcome: KeyOutcome = role === 'timestamp' ? 'missing' : 'client-held';
    for (const keyId of root.role(role).keyIds) {
      if (held.has(keyId)) {
        outcome = 'already-held';
        continue;
      }
      const found = signerKeys?.get(keyId);
      if (!found) continue;
      wanted.push({ gun: r.gun, role, key: found.key });
      outcome = 'imported';
    }
    if (role === 'timestamp') r.timestampKey = outcome;
    else r.snapshotKey = outcome;
  }
  if (r.timestampKey === 'missing') {
    r.rotate = [`notary key rotate ${r.gun} timestamp -r`, `trust-tui key rotate timestamp ${r.gun}`];
  }
  return wanted;
}

/** Runs `fn` over `items`, at most `limit` at once, keeping the order of the results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
