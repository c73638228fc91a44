// `{"keyids":[…],"threshold":N}`: who may sign a role (Go's RootRole, also embedded in delegations).
import { TufError } from '../errors.js';
import { jsonPath, type JsonObject } from '../gojson.js';
import { asInteger, asStringArray } from './guards.js';

export type RoleKeysJson = { keyids: string[] | null; threshold: number };

/** An immutable key list + threshold; edits return a new value. */
export class RoleKeys {
  readonly keyIds: readonly string[];
  /** Go wrote `"keyids":null` (a nil slice); kept so re-serialising reproduces its bytes. */
  readonly #keyIdsWereNull: boolean;

  constructor(
    keyIds: readonly string[],
    readonly threshold: number,
    keyIdsWereNull = false,
  ) {
    if (!Number.isSafeInteger(threshold) || threshold < 1) throw new TufError(`threshold must be an integer ≥ 1, not ${threshold}`);
    this.keyIds = [...keyIds];
    this.#keyIdsWereNull = keyIdsWereNull && keyIds.length === 0;
  }

  /**
   * Reads `keyids` and `threshold` from `obj`. `describedRole` names the role in messages as
   * notary does: `invalid threshold specified for targets/releases: 0`.
   */
  static fromJSON(obj: JsonObject, role: string, field: string, describedRole: string): RoleKeys {
    const keyIds = asStringArray(obj.keyids, role, jsonPath(field, 'keyids'));
    const threshold = asInteger(
      obj.threshold,
      role,
      jsonPath(field, 'threshold'),
      1,
      `invalid threshold specified for ${describedRole}: ${String(obj.threshold)}`,
    );
    return new RoleKeys(keyIds.items, threshold, keyIds.wasNull);
  }

  /** The distinct key IDs (a duplicate in the file never counts twice towards the threshold). */
  get distinctKeyIds(): string[] {
    return [...new Set(this.keyIds)];
  }

  withKeyIds(keyIds: readonly string[]): RoleKeys {
    return new RoleKeys([...new Set(keyIds)], this.threshold);
  }

  withThreshold(threshold: number): RoleKeys {
    return new RoleKeys(this.keyIds, threshold, this.#keyIdsWereNull);
  }

  toJSON(): RoleKeysJson {
    return { keyids: this.keyIds.length === 0 && this.#keyIdsWereNull ? null : [...this.keyIds], threshold: this.threshold };
  }
}
