// `trust-tui server import`: copies a notary-server 0.7 deployment into a trust-tui store. Every
// live version of every role goes in byte for byte, in the source's insertion order (so the change
// feed lists the timestamps in the order notary-server stored them), all in one transaction: a
// failure leaves the destination as it was. Versions already in the store with the same bytes are
// skipped, so the import can run again; different bytes under a stored version stop it.
import { createHash } from 'node:crypto';
import { parseMetadata } from '../../tuf/metadata/parse.js';
import type { PrivateKey } from '../../tuf/private-key.js';
import type { Keyring, ServerKeyRole } from '../signer.js';
import type { Storage, StorageTransaction } from '../stores/storage.js';
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
}

class DryRunRollback extends Error {}

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

  const reports = new Map<string, RepositoryReport>();
  const report = (gun: string) => {
    let r = reports.get(gun);
    if (!r) reports.set(gun, (r = { gun, imported: 0, alreadyPresent: 0, timestampKey: 'missing', snapshotKey: 'client-held' }));
    return r;
  };
  let keysImported = 0;

  const run = async (tx: StorageTransaction) => {
    for await (const file of readTufFiles(source)) {
      const sha256 = createHash('sha256').update(file.data).digest('hex');
      const where = `${file.gun}: ${file.role} version ${file.version}`;
      if (file.sha256 !== null && file.sha256 !== '' && file.sha256 !== sha256) {
        throw new ImportConflictError(`${source.display}: ${where} (tuf_files id ${file.id}) does not match its own sha256 column: the source is damaged; nothing was imported`);
      }
      const stored = await tx.getVersion(file.gun, file.role, file.version);
      if (stored) {
        if (stored.sha256 !== sha256) {
          throw new ImportConflictError(
            `${where} is already in the destination with other content (sha256 ${stored.sha256.slice(0, 12)}…, source ${sha256.slice(0, 12)}…): import into an empty store or delete that repository there first; nothing was imported`,
          );
        }
        report(file.gun).alreadyPresent++;
        continue;
      }
      const current = await tx.getCurrent(file.gun, file.role);
      if (current && current.version > file.version) {
        throw new ImportConflictError(
          `${where} is missing from the destination, which already has version ${current.version}: the repository was changed there; import into an empty store or delete that repository there first; nothing was imported`,
        );
      }
      await tx.putMetadata(file.gun, [{ role: file.role, version: file.version, data: file.data }]);
      report(file.gun).imported++;
    }
    const wanted: WantedKey[] = [];
    for (const r of reports.values()) wanted.push(...(await findServerKeys(tx, r, signerKeys)));
    keysImported = wanted.length;
    if (!dryRun && keyring) {
      // PBKDF2 at the server's count takes a fifth of a second per key: four at a time (libuv's pool).
      const made = await mapLimit(wanted, 4, (w) => keyring.wrapKey(w.gun, w.role, w.key));
      for (const key of made) await keyring.addKey(tx, key);
    }
    if (dryRun) throw new DryRunRollback();
  };
  try {
    await storage.transaction(run);
  } catch (e) {
    if (!(e instanceof DryRunRollback)) throw e;
  }

  const repositories = [...reports.values()].sort((a, b) => a.gun.localeCompare(b.gun));
  return {
    source: source.display,
    signerSource: options.signer?.source.display,
    dryRun,
    repositories,
    imported: repositories.reduce((n, r) => n + r.imported, 0),
    alreadyPresent: repositories.reduce((n, r) => n + r.alreadyPresent, 0),
    ...counts,
    keysImported,
  };
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
async function findServerKeys(tx: StorageTransaction, r: RepositoryReport, signerKeys: Map<string, OpenedSignerKey> | undefined): Promise<WantedKey[]> {
  const rootFile = await tx.getCurrent(r.gun, 'root');
  if (!rootFile) return [];
  const root = parseMetadata(rootFile.data, 'root').signed;
  const wanted: WantedKey[] = [];
  for (const role of ['timestamp', 'snapshot'] as const satisfies readonly ServerKeyRole[]) {
    const held = new Set((await tx.listKeys(r.gun, role)).map((k) => k.keyId));
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
