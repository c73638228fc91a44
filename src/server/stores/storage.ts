// The storage behind `trust-tui server`: every version of every role of every repository (GUN),
// the change feed, and the server-held private keys (encrypted). The interface is asynchronous and
// has one `transaction(fn)` so that a shared PostgreSQL store can implement it as well as SQLite.

/** One stored version of a role's metadata: the exact bytes the client uploaded (or the server made). */
export interface StoredMetadata {
  gun: string;
  /** `root`, `targets`, `snapshot`, `timestamp`, `targets/…` */
  role: string;
  version: number;
  /** Lower-case hex sha256 of `data`, for `<role>.<sha256>.json` lookups. */
  sha256: string;
  data: Buffer;
  createdAt: Date;
}

/** A version to store. */
export interface NewMetadata {
  role: string;
  version: number;
  data: Buffer;
}

/** One entry of notary's change feed: a new timestamp (`update`) or a deleted repository (`deletion`). */
export interface ChangeRecord {
  /** Monotonic, as a decimal string (notary's JSON has `"ID":"3"`). */
  id: string;
  createdAt: Date;
  gun: string;
  /** Timestamp version, 0 for deletions. */
  version: number;
  /** Hex sha256 of the timestamp bytes, "" for deletions. */
  sha256: string;
  category: 'update' | 'deletion';
}

/** A private key the server signs with (timestamp, and snapshot when the client hands it over). */
export interface ServerKeyRecord {
  gun: string;
  role: 'timestamp' | 'snapshot';
  /** TUF key ID of the public key. */
  keyId: string;
  /** The public key JSON's `keytype`. */
  keytype: string;
  /** The public key JSON's `keyval.public`. */
  publicB64: string;
  /** The private key as an encrypted PKCS#8 PEM (never stored in the clear). */
  encryptedPrivateKey: string;
  createdAt: Date;
}

export interface ChangeQuery {
  /** Only this repository; undefined = every repository. */
  gun?: string;
  /** Start after this ID (or before it when reading backwards); 0 = the beginning (or the end). */
  changeId: number;
  /** How many records; reading backwards when `reverse`. */
  records: number;
  reverse: boolean;
}

/**
 * A signing request staged in the pending area (trust-tui's extension routes outside `/_trust/tuf/`).
 * The document is opaque to storage; the pending area (pending.ts) parses and checks it.
 */
export interface PendingRequestRecord {
  gun: string;
  /** The request's hex ID. */
  id: string;
  /** Its roles with their bases, one string (`role@version:sha256,…`): one open request per value. */
  baseKey: string;
  deadline: Date;
  /** The request document (JSON, UTF-8). */
  document: Buffer;
  createdAt: Date;
  updatedAt: Date;
}

/** Read access; also available inside a transaction, where it sees the transaction's own writes. */
export interface MetadataReader {
  /** The newest stored version of `role`. */
  getCurrent(gun: string, role: string): Promise<StoredMetadata | undefined>;
  /** The newest version of every role of the repository, by role name. */
  getCurrentAll(gun: string): Promise<Map<string, StoredMetadata>>;
  getVersion(gun: string, role: string, version: number): Promise<StoredMetadata | undefined>;
  getByChecksum(gun: string, role: string, sha256Hex: string): Promise<StoredMetadata | undefined>;
  /** Keys of one role, newest first. */
  listKeys(gun: string, role: ServerKeyRecord['role']): Promise<ServerKeyRecord[]>;
  changes(query: ChangeQuery): Promise<ChangeRecord[]>;
  /** The staged signing requests of a repository, oldest first. */
  listPending(gun: string): Promise<PendingRequestRecord[]>;
  getPending(gun: string, id: string): Promise<PendingRequestRecord | undefined>;
}

/** Which version of a role is stored under which checksum, without the bytes. */
export interface MetadataHead {
  version: number;
  sha256: string;
}

/**
 * Cheap lookups that read no metadata bytes: the read cache (cached.ts) asks the store what is
 * current (or still stored) and serves the bytes it already has when they match.
 */
export interface HeadReader {
  currentHead(gun: string, role: string): Promise<MetadataHead | undefined>;
  /** The newest head of every role of the repository, by role name. */
  currentHeads(gun: string): Promise<Map<string, MetadataHead>>;
  /** The newest version stored under this checksum. */
  checksumHead(gun: string, role: string, sha256Hex: string): Promise<MetadataHead | undefined>;
  versionHead(gun: string, role: string, version: number): Promise<MetadataHead | undefined>;
}

export interface StorageTransaction extends MetadataReader {
  /**
   * Stores new versions. Each must be greater than every stored version of its role, else the whole
   * transaction fails with VersionConflictError (notary's `VERSION` error).
   */
  putMetadata(gun: string, files: readonly NewMetadata[]): Promise<void>;
  /** Removes every version of every role of the repository (and its pending requests) and records a `deletion` change. Keys stay. */
  deleteRepository(gun: string): Promise<void>;
  /** Creates or replaces (same gun and id) a pending request; createdAt is kept on replace. */
  putPending(record: Omit<PendingRequestRecord, 'createdAt' | 'updatedAt'>): Promise<void>;
  /** Removes a pending request; false when there was none. */
  deletePending(gun: string, id: string): Promise<boolean>;
  addKey(key: Omit<ServerKeyRecord, 'createdAt'>): Promise<void>;
}

export interface Storage extends MetadataReader {
  /**
   * Runs `fn` in one transaction: all of its writes land together or not at all, and transactions on
   * the same store (in this process or another) run one after the other.
   */
  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T>;
  /** Every server key, oldest first: start-up opens each to check the passphrase. */
  allKeys(): Promise<ServerKeyRecord[]>;
  /** True while the store can be used (the health check). */
  healthy(): Promise<boolean>;
  /**
   * True when a write goes through now (a small probe write) and no write failed for lack of room
   * or an IO error recently without one succeeding since (the readiness check).
   */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}

/** A stored version is greater than or equal to the one being written. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
  constructor(
    readonly gun: string,
    readonly role: string,
    readonly version: number,
  ) {
    super(`${gun}: ${role} version ${version} is not newer than the stored one`);
  }
}

/**
 * A write the storage layer could not make: the disk or quota is full, the file is over its size
 * limit, or the device failed. Notary answers these with UPDATING (a storage-layer failure).
 */
export function isStorageWriteFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/.test(code) ||
    ['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EIO'].includes(code) ||
    POSTGRES_WRITE_FAILURES.includes(code)
  );
}

/**
 * PostgreSQL SQLSTATEs (Appendix A of its manual) for a write the server could not make: disk_full,
 * out_of_memory, io_error, and a database that was made read-only or is in recovery (a standby).
 */
const POSTGRES_WRITE_FAILURES = ['53100', '53200', '58030', '25006'];

/**
 * The database cannot be reached: connection exceptions (SQLSTATE class 08), an administrator or
 * crash shutdown (57P01-57P03), or the socket failing under the driver. Answered as UPDATING too.
 */
export function isStorageUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code))) {
    return true;
  }
  return e instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(e.message);
}
