// root.json: the keys of the repository and which of them may sign each base role.
import { BASE_ROLES, type BaseRoleName } from '../delegation.js';
import { MetadataError, TufError } from '../errors.js';
import { jsonPath, type JsonObject } from '../gojson.js';
import type { PublicKey } from '../key.js';
import type { GoTime } from '../time.js';
import { asBoolean, asNullableObject, asObject, checkKeyIdsKnown, keyMapToJSON, readKeyMap } from './guards.js';
import { RoleKeys, type RoleKeysJson } from './role-keys.js';
import { readCommonFields, SignedMetadata } from './signed.js';

export type RootJson = {
  _type: 'Root';
  consistent_snapshot: boolean;
  expires: string;
  keys: JsonObject | null;
  roles: { [role: string]: RoleKeysJson };
  version: number;
};

export class Root extends SignedMetadata {
  readonly type = 'Root';
  readonly roleName = 'root';
  /** Always false in notary (the field is still written). */
  consistentSnapshot: boolean;
  #keys: Map<string, PublicKey>;
  #roles: Map<string, RoleKeys>;
  /** A missing `keys` member is a nil map in Go and is written back as `null`. */
  #keysWereMissing: boolean;

  private constructor(
    common: { version: number; expires: GoTime },
    consistentSnapshot: boolean,
    keys: Map<string, PublicKey>,
    roles: Map<string, RoleKeys>,
    keysWereMissing: boolean,
  ) {
    super(common);
    this.consistentSnapshot = consistentSnapshot;
    this.#keys = keys;
    this.#roles = roles;
    this.#keysWereMissing = keysWereMissing;
  }

  /** Parses and checks `signed` of root.json (notary's isValidRootStructure). */
  static fromJSON(json: unknown, roleName = 'root'): Root {
    const obj = asObject(json, roleName, 'signed');
    const common = readCommonFields(obj, roleName, 'Root');
    // Go reads a missing flag as false.
    const consistentSnapshot = obj.consistent_snapshot === undefined ? false : asBoolean(obj.consistent_snapshot, roleName, 'consistent_snapshot');
    // `"keys":null` goes through Keys.UnmarshalJSON, which always makes a map: it comes back as {}.
    const keys = readKeyMap(asNullableObject(obj.keys, roleName, 'keys').members, roleName, 'keys');
    const roles = new Map<string, RoleKeys>();
    for (const [name, roleJson] of Object.entries(asNullableObject(obj.roles, roleName, 'roles').members)) {
      const field = jsonPath('roles', name);
      roles.set(name, RoleKeys.fromJSON(asObject(roleJson, roleName, field), roleName, field, name));
    }
    // Every base role must be specified, with all its key IDs in `keys`; other names are tolerated.
    for (const base of BASE_ROLES) {
      const role = roles.get(base);
      if (!role) throw new MetadataError(roleName, jsonPath('roles', base), `missing ${base} role specification`);
      checkKeyIdsKnown(role.keyIds, keys, roleName, jsonPath(jsonPath('roles', base), 'keyids'), base);
    }
    return new Root(common, consistentSnapshot, keys, roles, obj.keys === undefined);
  }

  /** A new root (version 1) listing `keys` for each base role, threshold 1 unless given. */
  static create(options: {
    expires: GoTime;
    keys: Record<BaseRoleName, readonly PublicKey[]>;
    thresholds?: Partial<Record<BaseRoleName, number>>;
  }): Root {
    const root = new Root({ version: 1, expires: options.expires }, false, new Map(), new Map(), false);
    for (const base of BASE_ROLES) root.replaceRoleKeys(base, options.keys[base], options.thresholds?.[base] ?? 1);
    return root;
  }

  get keys(): ReadonlyMap<string, PublicKey> {
    return this.#keys;
  }

  /** Every role entry, base roles and any other names the file carries. */
  get roles(): ReadonlyMap<string, RoleKeys> {
    return this.#roles;
  }

  role(name: BaseRoleName): RoleKeys {
    const role = this.#roles.get(name);
    if (!role) throw new TufError(`root has no ${name} role`); // unreachable for parsed or created roots
    return role;
  }

  /** The public keys that may sign `name`, in key-ID order of the role. */
  roleKeys(name: BaseRoleName): PublicKey[] {
    return this.role(name).distinctKeyIds.flatMap((id) => this.#keys.get(id) ?? []);
  }

  /**
   * notary's ReplaceBaseKeys: the role's key IDs become `keys`. Keys that no role uses any more are
   * removed from `keys` — except old root keys, which notary keeps so that rotated roots still chain.
   */
  replaceRoleKeys(name: BaseRoleName, keys: readonly PublicKey[], threshold?: number): this {
    if (keys.length === 0) throw new TufError(`the ${name} role needs at least one key`);
    const old = this.#roles.get(name);
    const nextThreshold = threshold ?? old?.threshold ?? 1;
    this.#roles.set(name, new RoleKeys([...new Set(keys.map((k) => k.id))], nextThreshold));
    for (const key of keys) this.#keys.set(key.id, key);
    if (name !== 'root' && old) {
      const used = new Set([...this.#roles.values()].flatMap((r) => r.keyIds));
      for (const id of old.keyIds) if (!used.has(id)) this.#keys.delete(id);
    }
    return this;
  }

  setThreshold(name: BaseRoleName, threshold: number): this {
    this.#roles.set(name, this.role(name).withThreshold(threshold));
    return this;
  }

  toJSON(): RootJson {
    const roles: { [role: string]: RoleKeysJson } = {};
    for (const [name, role] of this.#roles) roles[name] = role.toJSON();
    return {
      ...this.commonJSON(),
      _type: 'Root',
      consistent_snapshot: this.consistentSnapshot,
      keys: this.#keys.size === 0 && this.#keysWereMissing ? null : keyMapToJSON(this.#keys),
      roles,
    };
  }

  clone(): this {
    const common = { version: this.version, expires: this.expires };
    return new Root(common, this.consistentSnapshot, new Map(this.#keys), new Map(this.#roles), this.#keysWereMissing) as this;
  }
}
