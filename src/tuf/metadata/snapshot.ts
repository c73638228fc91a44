// snapshot.json: length and hashes of the exact bytes of root, targets and every delegation file.
// notary keys `meta` by role name without `.json` (unlike the TUF spec; notary#1414).
import { isTargetsRoleName } from '../delegation.js';
import { TufError } from '../errors.js';
import type { GoTime } from '../time.js';
import { FileMeta, metaMapToJSON, readMetaMap, requireSha256, type FileMetaJson } from './filemeta.js';
import { asObject } from './guards.js';
import { readCommonFields, SignedMetadata } from './signed.js';

export type SnapshotJson = {
  _type: 'Snapshot';
  expires: string;
  meta: { [role: string]: FileMetaJson } | null;
  version: number;
};

/** Roles a snapshot lists: root, targets and delegations (never snapshot or timestamp). */
function checkListedRole(role: string): void {
  if (role !== 'root' && !isTargetsRoleName(role)) {
    throw new TufError(`a snapshot lists root, targets and delegations, not ${JSON.stringify(role)}`);
  }
}

export class Snapshot extends SignedMetadata {
  readonly type = 'Snapshot';
  readonly roleName = 'snapshot';
  #meta: Map<string, FileMeta>;

  private constructor(common: { version: number; expires: GoTime }, meta: Map<string, FileMeta>) {
    super(common);
    this.#meta = meta;
  }

  /** Parses and checks `signed` of snapshot.json (notary's IsValidSnapshotStructure). */
  static fromJSON(json: unknown, roleName = 'snapshot'): Snapshot {
    const obj = asObject(json, roleName, 'signed');
    const common = readCommonFields(obj, roleName, 'Snapshot');
    // A nil `meta` cannot pass the checks below, so there is no null to preserve.
    const { meta } = readMetaMap(obj.meta, roleName, 'meta');
    for (const required of ['root', 'targets']) requireSha256(meta, required, roleName, 'meta');
    return new Snapshot(common, meta);
  }

  /** A snapshot (version 1 unless given) over the exact bytes of each role's file; root and targets are required. */
  static fromRoles(files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>, expires: GoTime, version = 1): Snapshot {
    const entries = files instanceof Map ? [...files] : Object.entries(files);
    const snapshot = new Snapshot({ version: 1, expires }, new Map()).setVersion(version);
    for (const [role, bytes] of entries) snapshot.setRoleFile(role, bytes);
    for (const required of ['root', 'targets']) {
      if (!snapshot.#meta.has(required)) throw new TufError(`a snapshot must list ${required}`);
    }
    return snapshot;
  }

  get meta(): ReadonlyMap<string, FileMeta> {
    return this.#meta;
  }

  metaFor(role: string): FileMeta | undefined {
    return this.#meta.get(role);
  }

  /** Records length, sha256 and sha512 of a role's exact file bytes. */
  setRoleFile(role: string, bytes: Uint8Array): this {
    return this.setMeta(role, FileMeta.fromBytes(bytes));
  }

  setMeta(role: string, meta: FileMeta): this {
    checkListedRole(role);
    this.#meta.set(role, meta);
    return this;
  }

  /** Drops a role (a deleted delegation); false when it was not listed. */
  deleteMeta(role: string): boolean {
    if (role === 'root' || role === 'targets') throw new TufError(`a snapshot must list ${role}`);
    return this.#meta.delete(role);
  }

  toJSON(): SnapshotJson {
    return { ...this.commonJSON(), _type: 'Snapshot', meta: metaMapToJSON(this.#meta) };
  }

  clone(): this {
    return new Snapshot({ version: this.version, expires: this.expires }, new Map(this.#meta)) as this;
  }
}
