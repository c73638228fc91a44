// targets.json and every delegation file (`targets/<name>.json`): signed targets, and the roles this
// file delegates to. Go struct: {SignedCommon, Targets Files, Delegations {Keys, Roles}}.
import type { JsonValue } from '../canonical.js';
import {
  delegationNameProblem,
  isDirectChild,
  isPathAllowed,
  isTargetsRoleName,
  parentRoleName,
  restrictPaths,
} from '../delegation.js';
import { MetadataError, TufError } from '../errors.js';
import { jsonPath, type JsonObject } from '../gojson.js';
import type { PublicKey } from '../key.js';
import type { GoTime } from '../time.js';
import { FileMeta, type FileMetaJson } from './filemeta.js';
import {
  asNullableArray,
  asNullableObject,
  asObject,
  asString,
  asStringArray,
  checkKeyIdsKnown,
  keyMapToJSON,
  readKeyMap,
} from './guards.js';
import { RoleKeys } from './role-keys.js';
import { readCommonFields, SignedMetadata } from './signed.js';

export type DelegatedRoleJson = { keyids: string[] | null; name: string; paths?: string[]; threshold: number };
export type TargetsJson = {
  _type: 'Targets';
  delegations: { keys: JsonObject | null; roles: DelegatedRoleJson[] | null };
  expires: string;
  targets: { [name: string]: FileMetaJson } | null;
  version: number;
};

/** One entry of `delegations.roles`: a child role, its keys and threshold, and the path prefixes it may sign. */
export class DelegatedRole {
  constructor(
    readonly name: string,
    readonly keys: RoleKeys,
    /** Plain prefixes; `""` means every name. Empty means nothing. */
    readonly paths: readonly string[],
  ) {}

  get keyIds(): readonly string[] {
    return this.keys.keyIds;
  }

  get threshold(): number {
    return this.keys.threshold;
  }

  /** Whether this role's own `paths` cover `targetName` (callers restrict by the parents first). */
  allowsPath(targetName: string): boolean {
    return isPathAllowed(targetName, this.paths);
  }

  toJSON(): DelegatedRoleJson {
    const json: DelegatedRoleJson = { ...this.keys.toJSON(), name: this.name };
    // `paths` is omitempty in Go: a nil or empty list is left out.
    if (this.paths.length > 0) json.paths = [...this.paths];
    return json;
  }
}

/** Edits to one delegation, applied in notary's order: paths (remove, clear, add), then keys (remove, add). */
export interface DelegationChange {
  addKeys?: readonly PublicKey[];
  /** TUF key IDs as listed in this file. */
  removeKeyIds?: readonly string[];
  /** Threshold of a new role (default 1), or a new threshold for an existing one. */
  threshold?: number;
  addPaths?: readonly string[];
  removePaths?: readonly string[];
  clearPaths?: boolean;
  /** The (restricted) paths of this file's own role: added paths must lie within them, as notary checks. */
  parentPaths?: readonly string[];
}

// Go's json.Marshal of the envelope fails on control characters in strings (see gojson.ts).
const CONTROL_CHAR = /[\u0000-\u001f]/;

export class Targets extends SignedMetadata {
  readonly type = 'Targets';
  readonly roleName: string;
  #targets: Map<string, FileMeta>;
  #delegationKeys: Map<string, PublicKey>;
  #delegations: DelegatedRole[];
  // Which empty collections Go would write as `null` (nil map or slice), so that re-serialising a
  // file notary wrote reproduces its bytes, e.g. `"roles":null` after the last delegation was removed.
  #targetsWereNull = false;
  #delegationKeysWereMissing = false;
  #delegationRolesWereNull = false;

  private constructor(roleName: string, common: { version: number; expires: GoTime }) {
    super(common);
    this.roleName = roleName;
    this.#targets = new Map();
    this.#delegationKeys = new Map();
    this.#delegations = [];
  }

  /** Parses and checks `signed` of a targets or delegation file (notary's isValidTargetsStructure). */
  static fromJSON(json: unknown, roleName = 'targets'): Targets {
    if (!isTargetsRoleName(roleName)) throw new MetadataError(roleName, undefined, `${roleName} is not a valid targets role name`);
    const obj = asObject(json, roleName, 'signed');
    const t = new Targets(roleName, readCommonFields(obj, roleName, 'Targets'));

    const targets = asNullableObject(obj.targets, roleName, 'targets');
    t.#targetsWereNull = targets.wasNull;
    const members = targets.members;
    for (const name of Object.keys(members)) t.#targets.set(name, FileMeta.fromJSON(members[name], roleName, 'targets', name));

    // `delegations` is a struct in Go: missing or null leaves nil keys and nil roles.
    const delegations = obj.delegations === null || obj.delegations === undefined ? {} : asObject(obj.delegations, roleName, 'delegations');
    // Keys.UnmarshalJSON turns `"keys":null` into an empty map; only a missing member stays nil.
    t.#delegationKeysWereMissing = delegations.keys === undefined;
    t.#delegationKeys = readKeyMap(asNullableObject(delegations.keys, roleName, 'delegations.keys').members, roleName, 'delegations.keys');
    const roles = asNullableArray(delegations.roles, roleName, 'delegations.roles');
    t.#delegationRolesWereNull = roles.wasNull;
    for (const [i, item] of roles.items.entries()) t.#delegations.push(t.#readDelegatedRole(item, jsonPath('delegations.roles', i)));
    return t;
  }

  #readDelegatedRole(json: JsonValue, field: string): DelegatedRole {
    const role = this.roleName;
    const obj = asObject(json, role, field);
    const name = asString(obj.name, role, jsonPath(field, 'name'));
    // A delegation must be a valid name and a direct child of the file that declares it.
    if (!isDirectChild(role, name)) {
      const why = delegationNameProblem(name) ?? `it may only be declared in ${parentRoleName(name)}`;
      throw new MetadataError(role, jsonPath(field, 'name'), `delegation role ${name} invalid: ${why}`);
    }
    const keys = RoleKeys.fromJSON(obj, role, field, name);
    checkKeyIdsKnown(keys.keyIds, this.#delegationKeys, role, jsonPath(field, 'keyids'), name);
    // Unknown members such as `path_hash_prefixes` do not exist in notary's struct and are dropped.
    const paths = asStringArray(obj.paths, role, jsonPath(field, 'paths')).items;
    return new DelegatedRole(name, keys, paths);
  }

  /** A new, empty targets or delegation file at version 1. */
  static empty(expires: GoTime, roleName = 'targets'): Targets {
    if (!isTargetsRoleName(roleName)) throw new TufError(`${roleName} is not a valid targets role name`);
    return new Targets(roleName, { version: 1, expires });
  }

  get targets(): ReadonlyMap<string, FileMeta> {
    return this.#targets;
  }

  get delegationKeys(): ReadonlyMap<string, PublicKey> {
    return this.#delegationKeys;
  }

  /** Delegated roles in file order (the order notary walks them in). */
  get delegations(): readonly DelegatedRole[] {
    return this.#delegations;
  }

  getDelegation(name: string): DelegatedRole | undefined {
    return this.#delegations.find((d) => d.name === name);
  }

  /** The public keys of a delegated role, in its key-ID order. */
  delegationKeysOf(role: DelegatedRole): PublicKey[] {
    return role.keys.distinctKeyIds.flatMap((id) => this.#delegationKeys.get(id) ?? []);
  }

  /**
   * Adds or replaces a target. With `allowedPaths` (this role's restricted paths), a name outside
   * them is refused, as notary refuses at publish ("Could not add all targets").
   */
  addTarget(name: string, meta: FileMeta, allowedPaths?: readonly string[]): this {
    if (CONTROL_CHAR.test(name)) throw new TufError(`target name ${JSON.stringify(name)} contains a control character`);
    if (allowedPaths && !isPathAllowed(name, allowedPaths)) {
      throw new TufError(`${this.roleName} may not sign ${JSON.stringify(name)}: it is outside the role's paths`);
    }
    this.#targets.set(name, meta);
    return this;
  }

  /** Removes a target; false when it was not there. */
  removeTarget(name: string): boolean {
    return this.#targets.delete(name);
  }

  /**
   * Creates or edits the delegation `name` (a direct child of this role), as notary's
   * delegationUpdateVisitor: keys added here are stored in this file; keys no role uses are dropped.
   */
  updateDelegation(name: string, change: DelegationChange): this {
    if (!isDirectChild(this.roleName, name)) {
      throw new TufError(
        `cannot delegate ${name} from ${this.roleName}: ${delegationNameProblem(name) ?? `it is not a direct child of ${this.roleName}`}`,
      );
    }
    const addPaths = change.addPaths ?? [];
    if (change.parentPaths && restrictPaths(addPaths, change.parentPaths).length !== addPaths.length) {
      throw new TufError(`invalid paths to add to ${name}: they must lie within ${this.roleName}'s paths`);
    }
    const addKeys = change.addKeys ?? [];
    const index = this.#delegations.findIndex((d) => d.name === name);
    const existing = this.#delegations[index];
    if (!existing && addKeys.length === 0) throw new TufError(`a new delegation ${name} needs at least one key`);

    let paths = existing ? [...existing.paths] : [];
    const removePaths = new Set(change.removePaths ?? []);
    paths = paths.filter((p) => !removePaths.has(p));
    if (change.clearPaths) paths = [];
    for (const p of addPaths) if (!paths.includes(p)) paths.push(p);

    const removeIds = new Set(change.removeKeyIds ?? []);
    const keyIds = (existing?.keyIds ?? []).filter((id) => !removeIds.has(id));
    for (const key of addKeys) if (!keyIds.includes(key.id)) keyIds.push(key.id);
    const threshold = change.threshold ?? existing?.threshold ?? 1;

    const role = new DelegatedRole(name, new RoleKeys(keyIds, threshold), paths);
    if (existing) this.#delegations[index] = role;
    else this.#delegations.push(role);
    for (const key of addKeys) this.#delegationKeys.set(key.id, key);
    this.#removeUnusedKeys();
    return this;
  }

  /** Removes the delegation `name` and the keys only it used; false when it was not there. */
  removeDelegation(name: string): boolean {
    const before = this.#delegations.length;
    this.#delegations = this.#delegations.filter((d) => d.name !== name);
    if (this.#delegations.length === before) return false;
    this.#removeUnusedKeys();
    return true;
  }

  /** notary's RemoveUnusedKeys: delegation keys that no role lists are dropped from the file. */
  #removeUnusedKeys(): void {
    const used = new Set(this.#delegations.flatMap((d) => d.keyIds));
    for (const id of [...this.#delegationKeys.keys()]) if (!used.has(id)) this.#delegationKeys.delete(id);
  }

  toJSON(): TargetsJson {
    const targets: { [name: string]: FileMetaJson } = {};
    for (const [name, meta] of this.#targets) targets[name] = meta.toJSON();
    const keysNull = this.#delegationKeys.size === 0 && this.#delegationKeysWereMissing;
    const rolesNull = this.#delegations.length === 0 && this.#delegationRolesWereNull;
    return {
      ...this.commonJSON(),
      _type: 'Targets',
      delegations: {
        keys: keysNull ? null : keyMapToJSON(this.#delegationKeys),
        roles: rolesNull ? null : this.#delegations.map((d) => d.toJSON()),
      },
      targets: this.#targets.size === 0 && this.#targetsWereNull ? null : targets,
    };
  }

  clone(): this {
    // Members are immutable values (FileMeta, DelegatedRole, PublicKey), so copying the collections suffices.
    const copy = new Targets(this.roleName, { version: this.version, expires: this.expires });
    copy.#targets = new Map(this.#targets);
    copy.#delegationKeys = new Map(this.#delegationKeys);
    copy.#delegations = [...this.#delegations];
    copy.#targetsWereNull = this.#targetsWereNull;
    copy.#delegationKeysWereMissing = this.#delegationKeysWereMissing;
    copy.#delegationRolesWereNull = this.#delegationRolesWereNull;
    return copy as this;
  }
}
