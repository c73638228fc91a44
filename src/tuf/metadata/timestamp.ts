// timestamp.json: pins the current snapshot by length and hashes. Always made by the server in notary.
import { TufError } from '../errors.js';
import type { GoTime } from '../time.js';
import { FileMeta, metaMapToJSON, readMetaMap, requireSha256, type FileMetaJson } from './filemeta.js';
import { asObject } from './guards.js';
import { readCommonFields, SignedMetadata } from './signed.js';

export type TimestampJson = {
  _type: 'Timestamp';
  expires: string;
  meta: { [role: string]: FileMetaJson } | null;
  version: number;
};

export class Timestamp extends SignedMetadata {
  readonly type = 'Timestamp';
  readonly roleName = 'timestamp';
  /** Only `snapshot` in practice; other entries Go would keep are kept too. */
  #meta: Map<string, FileMeta>;

  private constructor(common: { version: number; expires: GoTime }, meta: Map<string, FileMeta>) {
    super(common);
    this.#meta = meta;
  }

  /** Parses and checks `signed` of timestamp.json (notary's IsValidTimestampStructure). */
  static fromJSON(json: unknown, roleName = 'timestamp'): Timestamp {
    const obj = asObject(json, roleName, 'signed');
    const common = readCommonFields(obj, roleName, 'Timestamp');
    const { meta } = readMetaMap(obj.meta, roleName, 'meta');
    requireSha256(meta, 'snapshot', roleName, 'meta');
    return new Timestamp(common, meta);
  }

  /** A timestamp (version 1 unless given) over the exact bytes of snapshot.json. */
  static fromSnapshot(snapshotBytes: Uint8Array, expires: GoTime, version = 1): Timestamp {
    return new Timestamp({ version: 1, expires }, new Map([['snapshot', FileMeta.fromBytes(snapshotBytes)]])).setVersion(version);
  }

  get meta(): ReadonlyMap<string, FileMeta> {
    return this.#meta;
  }

  get snapshotMeta(): FileMeta {
    const meta = this.#meta.get('snapshot');
    if (!meta) throw new TufError('timestamp lists no snapshot'); // unreachable for parsed or built timestamps
    return meta;
  }

  /** Points the timestamp at new snapshot bytes. */
  setSnapshot(snapshotBytes: Uint8Array): this {
    this.#meta.set('snapshot', FileMeta.fromBytes(snapshotBytes));
    return this;
  }

  toJSON(): TimestampJson {
    return { ...this.commonJSON(), _type: 'Timestamp', meta: metaMapToJSON(this.#meta) };
  }

  clone(): this {
    return new Timestamp({ version: this.version, expires: this.expires }, new Map(this.#meta)) as this;
  }
}
