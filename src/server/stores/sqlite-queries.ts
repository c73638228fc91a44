// The SQLite store's schema and its synchronous statements (better-sqlite3), one Queries object per
// connection; src/server/stores/sqlite.ts wraps them in the async Storage interface.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ChangeQuery, ChangeRecord, MetadataHead, NewMetadata, PendingRequestRecord, ServerKeyRecord, StoredMetadata } from './storage.js';
import { VersionConflictError } from './storage.js';

// 2: pending_requests (the pending area). Every statement is IF NOT EXISTS, so running SCHEMA on a
// version-1 database adds what is new and leaves the rest as it is.
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tuf_files (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  gun        TEXT    NOT NULL,
  role       TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  sha256     TEXT    NOT NULL,
  data       BLOB    NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (gun, role, version)
);
CREATE INDEX IF NOT EXISTS tuf_files_by_checksum ON tuf_files (gun, role, sha256);
CREATE TABLE IF NOT EXISTS changefeed (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  gun        TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  sha256     TEXT    NOT NULL,
  category   TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changefeed_by_gun ON changefeed (gun, id);
CREATE TABLE IF NOT EXISTS server_keys (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  gun                   TEXT    NOT NULL,
  role                  TEXT    NOT NULL,
  key_id                TEXT    NOT NULL,
  keytype               TEXT    NOT NULL,
  public_b64            TEXT    NOT NULL,
  encrypted_private_key TEXT    NOT NULL,
  created_at            INTEGER NOT NULL,
  UNIQUE (gun, role, key_id)
);
CREATE TABLE IF NOT EXISTS pending_requests (
  gun        TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  base_key   TEXT    NOT NULL,
  deadline   INTEGER NOT NULL,
  document   BLOB    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (gun, id)
);
`;

interface FileRow {
  gun: string;
  role: string;
  version: number;
  sha256: string;
  data: Buffer;
  created_at: number;
}

interface ChangeRow {
  id: number;
  gun: string;
  version: number;
  sha256: string;
  category: string;
  created_at: number;
}

export interface KeyRow {
  gun: string;
  role: string;
  key_id: string;
  keytype: string;
  public_b64: string;
  encrypted_private_key: string;
  created_at: number;
}

interface PendingRow {
  gun: string;
  id: string;
  base_key: string;
  deadline: number;
  document: Buffer;
  created_at: number;
  updated_at: number;
}

const toPending = (r: PendingRow): PendingRequestRecord => ({
  gun: r.gun,
  id: r.id,
  baseKey: r.base_key,
  deadline: new Date(r.deadline),
  document: r.document,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const toMetadata = (r: FileRow): StoredMetadata => ({
  gun: r.gun,
  role: r.role,
  version: r.version,
  sha256: r.sha256,
  data: r.data,
  createdAt: new Date(r.created_at),
});

const toChange = (r: ChangeRow): ChangeRecord => ({
  id: String(r.id),
  createdAt: new Date(r.created_at),
  gun: r.gun,
  version: r.version,
  sha256: r.sha256,
  category: r.category === 'deletion' ? 'deletion' : 'update',
});

export const toKey = (r: KeyRow): ServerKeyRecord => ({
  gun: r.gun,
  role: r.role === 'snapshot' ? 'snapshot' : 'timestamp',
  keyId: r.key_id,
  keytype: r.keytype,
  publicB64: r.public_b64,
  encryptedPrivateKey: r.encrypted_private_key,
  createdAt: new Date(r.created_at),
});

/** The statements of one connection. Synchronous; the async interface wraps them. */
export class Queries {
  /** Bytes of row data written since last asked (see takeWrittenBytes). */
  private writtenBytes = 0;
  private readonly current;
  private readonly currentHead;
  private readonly checksumHead;
  private readonly currentAll;
  private readonly versionHeadStmt;
  private readonly byVersion;
  private readonly byChecksum;
  private readonly maxVersion;
  private readonly insertFile;
  private readonly insertChange;
  private readonly deleteFiles;
  private readonly keysOfRole;
  private readonly insertKey;
  private readonly pendingOfGun;
  private readonly pendingById;
  private readonly upsertPending;
  private readonly removePending;
  private readonly removeAllPending;

  constructor(readonly db: Database.Database) {
    const cols = 'gun, role, version, sha256, data, created_at';
    this.current = db.prepare<[string, string], FileRow>(
      `SELECT ${cols} FROM tuf_files WHERE gun = ? AND role = ? ORDER BY version DESC LIMIT 1`,
    );
    // Heads read only the columns before `data`, so SQLite never touches the blob's pages.
    this.currentHead = db.prepare<[string, string], MetadataHead>(
      'SELECT version, sha256 FROM tuf_files WHERE gun = ? AND role = ? ORDER BY version DESC LIMIT 1',
    );
    this.checksumHead = db.prepare<[string, string, string], MetadataHead>(
      'SELECT version, sha256 FROM tuf_files WHERE gun = ? AND role = ? AND sha256 = ? ORDER BY version DESC LIMIT 1',
    );
    // The newest head of every role, by index seeks only (a skip-scan over roles: no pass over the
    // repository's whole history).
    this.currentAll = db.prepare<{ gun: string }, MetadataHead & { role: string }>(
      `WITH RECURSIVE roles(role) AS (
         SELECT MIN(role) FROM tuf_files WHERE gun = @gun
         UNION ALL
         SELECT (SELECT MIN(role) FROM tuf_files WHERE gun = @gun AND role > roles.role) FROM roles WHERE roles.role IS NOT NULL)
       SELECT roles.role AS role, f.version AS version, f.sha256 AS sha256 FROM roles JOIN tuf_files f
         ON f.id = (SELECT id FROM tuf_files WHERE gun = @gun AND role = roles.role ORDER BY version DESC LIMIT 1)`,
    );
    this.versionHeadStmt = db.prepare<[string, string, number], MetadataHead>(
      'SELECT version, sha256 FROM tuf_files WHERE gun = ? AND role = ? AND version = ?',
    );
    this.byVersion = db.prepare<[string, string, number], FileRow>(
      `SELECT ${cols} FROM tuf_files WHERE gun = ? AND role = ? AND version = ?`,
    );
    this.byChecksum = db.prepare<[string, string, string], FileRow>(
      `SELECT ${cols} FROM tuf_files WHERE gun = ? AND role = ? AND sha256 = ? ORDER BY version DESC LIMIT 1`,
    );
    this.maxVersion = db
      .prepare<[string, string], number | null>('SELECT MAX(version) FROM tuf_files WHERE gun = ? AND role = ?')
      .pluck();
    this.insertFile = db.prepare<[string, string, number, string, Buffer, number]>(
      'INSERT INTO tuf_files (gun, role, version, sha256, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertChange = db.prepare<[string, number, string, string, number]>(
      'INSERT INTO changefeed (gun, version, sha256, category, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteFiles = db.prepare<[string]>('DELETE FROM tuf_files WHERE gun = ?');
    this.keysOfRole = db.prepare<[string, string], KeyRow>(
      `SELECT gun, role, key_id, keytype, public_b64, encrypted_private_key, created_at
         FROM server_keys WHERE gun = ? AND role = ? ORDER BY id DESC`,
    );
    this.insertKey = db.prepare<[string, string, string, string, string, string, number]>(
      `INSERT INTO server_keys (gun, role, key_id, keytype, public_b64, encrypted_private_key, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const pendingCols = 'gun, id, base_key, deadline, document, created_at, updated_at';
    this.pendingOfGun = db.prepare<[string], PendingRow>(`SELECT ${pendingCols} FROM pending_requests WHERE gun = ? ORDER BY created_at, id`);
    this.pendingById = db.prepare<[string, string], PendingRow>(`SELECT ${pendingCols} FROM pending_requests WHERE gun = ? AND id = ?`);
    this.upsertPending = db.prepare<[string, string, string, number, Buffer, number, number]>(
      `INSERT INTO pending_requests (${pendingCols}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (gun, id) DO UPDATE SET base_key = excluded.base_key, deadline = excluded.deadline,
         document = excluded.document, updated_at = excluded.updated_at`,
    );
    this.removePending = db.prepare<[string, string]>('DELETE FROM pending_requests WHERE gun = ? AND id = ?');
    this.removeAllPending = db.prepare<[string]>('DELETE FROM pending_requests WHERE gun = ?');
  }

  listPending(gun: string): PendingRequestRecord[] {
    return this.pendingOfGun.all(gun).map(toPending);
  }

  getPending(gun: string, id: string): PendingRequestRecord | undefined {
    const row = this.pendingById.get(gun, id);
    return row && toPending(row);
  }

  putPending(r: Omit<PendingRequestRecord, 'createdAt' | 'updatedAt'>, now: number): void {
    this.upsertPending.run(r.gun, r.id, r.baseKey, r.deadline.getTime(), r.document, now, now);
    this.writtenBytes += r.document.length;
  }

  /** Bytes of files and documents written since the last call. */
  takeWrittenBytes(): number {
    const bytes = this.writtenBytes;
    this.writtenBytes = 0;
    return bytes;
  }

  deletePending(gun: string, id: string): boolean {
    return this.removePending.run(gun, id).changes > 0;
  }

  getCurrent(gun: string, role: string): StoredMetadata | undefined {
    const row = this.current.get(gun, role);
    return row && toMetadata(row);
  }

  getCurrentAll(gun: string): Map<string, StoredMetadata> {
    const files = new Map<string, StoredMetadata>();
    for (const head of this.currentAll.all({ gun })) {
      const file = this.getCurrent(gun, head.role);
      if (file) files.set(head.role, file);
    }
    return files;
  }

  getVersion(gun: string, role: string, version: number): StoredMetadata | undefined {
    const row = this.byVersion.get(gun, role, version);
    return row && toMetadata(row);
  }

  getByChecksum(gun: string, role: string, sha256Hex: string): StoredMetadata | undefined {
    const row = this.byChecksum.get(gun, role, sha256Hex.toLowerCase());
    return row && toMetadata(row);
  }

  currentHeadOf(gun: string, role: string): MetadataHead | undefined {
    return this.currentHead.get(gun, role);
  }

  currentHeads(gun: string): Map<string, MetadataHead> {
    return new Map(this.currentAll.all({ gun }).map((h) => [h.role, { version: h.version, sha256: h.sha256 }]));
  }

  checksumHeadOf(gun: string, role: string, sha256Hex: string): MetadataHead | undefined {
    return this.checksumHead.get(gun, role, sha256Hex.toLowerCase());
  }

  versionHead(gun: string, role: string, version: number): MetadataHead | undefined {
    return this.versionHeadStmt.get(gun, role, version);
  }

  listKeys(gun: string, role: string): ServerKeyRecord[] {
    return this.keysOfRole.all(gun, role).map(toKey);
  }

  changes(q: ChangeQuery): ChangeRecord[] {
    // Notary's paging: forwards = IDs after changeId, oldest first; backwards = IDs before changeId
    // (or the newest when changeId is 0), returned oldest first as well.
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.gun !== undefined) {
      where.push('gun = ?');
      params.push(q.gun);
    }
    if (!q.reverse) {
      where.push('id > ?');
      params.push(q.changeId);
    } else if (q.changeId > 0) {
      where.push('id < ?');
      params.push(q.changeId);
    }
    const sql =
      'SELECT id, gun, version, sha256, category, created_at FROM changefeed' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY id ${q.reverse ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.db.prepare<(string | number)[], ChangeRow>(sql).all(...params, q.records);
    if (q.reverse) rows.reverse();
    return rows.map(toChange);
  }

  /** `sha256s`: the files' checksums when computed already (hex, in the same order). */
  putMetadata(gun: string, files: readonly NewMetadata[], now: number, sha256s: readonly (string | undefined)[] = []): void {
    for (const [i, f] of files.entries()) {
      const stored = this.maxVersion.get(gun, f.role);
      if (stored !== null && stored !== undefined && stored >= f.version) {
        throw new VersionConflictError(gun, f.role, f.version);
      }
      const sha256 = sha256s[i] ?? createHash('sha256').update(f.data).digest('hex');
      this.insertFile.run(gun, f.role, f.version, sha256, f.data, now);
      this.writtenBytes += f.data.length;
      if (f.role === 'timestamp') this.insertChange.run(gun, f.version, sha256, 'update', now);
    }
  }

  deleteRepository(gun: string, now: number): void {
    this.deleteFiles.run(gun);
    this.removeAllPending.run(gun);
    this.insertChange.run(gun, 0, '', 'deletion', now);
  }

  addKey(k: Omit<ServerKeyRecord, 'createdAt'>, now: number): void {
    this.insertKey.run(k.gun, k.role, k.keyId, k.keytype, k.publicB64, k.encryptedPrivateKey, now);
  }
}

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the server database has schema version ${current}; this trust-tui knows up to ${SCHEMA_VERSION}`);
  }
  if (current === SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
