// What every `signed` object has (Go's SignedCommon): `_type`, `expires`, `version`.
import { MetadataError, TufError } from '../errors.js';
import type { JsonObject } from '../gojson.js';
import { GoTime } from '../time.js';
import { asInteger, asString } from './guards.js';

export type MetadataType = 'Root' | 'Targets' | 'Snapshot' | 'Timestamp';

export interface CommonFields {
  version: number;
  expires: GoTime;
}

/** Reads and checks `_type` (case-sensitive, as notary), `version` ≥ 1 and `expires`. */
export function readCommonFields(json: JsonObject, role: string, expectedType: MetadataType): CommonFields {
  const type = json._type;
  if (type !== expectedType) {
    throw new MetadataError(role, '_type', `expected type ${expectedType}, not ${typeof type === 'string' ? type : JSON.stringify(type ?? null)}`);
  }
  const version = asInteger(json.version, role, 'version', 1, 'version cannot be less than one');
  const expiresText = asString(json.expires, role, 'expires');
  let expires: GoTime;
  try {
    expires = GoTime.parse(expiresText);
  } catch (e) {
    throw new MetadataError(role, 'expires', (e as Error).message);
  }
  return { version, expires };
}

/** The base of the four role models: version and expiry, and the JSON members they contribute. */
export abstract class SignedMetadata {
  abstract readonly type: MetadataType;
  /** The role this metadata belongs to: `root`, `targets`, `targets/releases`, `snapshot`, `timestamp`. */
  abstract readonly roleName: string;

  #version: number;
  #expires: GoTime;

  protected constructor(common: CommonFields) {
    this.#version = common.version;
    this.#expires = common.expires;
  }

  get version(): number {
    return this.#version;
  }

  get expires(): GoTime {
    return this.#expires;
  }

  /** What notary does whenever it re-signs a role: version + 1 and a fresh expiry. */
  bumpVersion(expires: GoTime): this {
    this.#version += 1;
    this.#expires = expires;
    return this;
  }

  setVersion(version: number): this {
    if (!Number.isSafeInteger(version) || version < 1) throw new TufError(`version must be an integer ≥ 1, not ${version}`);
    this.#version = version;
    return this;
  }

  setExpires(expires: GoTime): this {
    this.#expires = expires;
    return this;
  }

  isExpired(now: GoTime = GoTime.now()): boolean {
    return this.#expires.isBefore(now);
  }

  /** Exactly the Go struct's field set, ready for canonical JSON. */
  abstract toJSON(): JsonObject;

  /** An independent copy to edit (models inside an Envelope are treated as read-only). */
  abstract clone(): this;

  protected commonJSON(): { _type: MetadataType; expires: string; version: number } {
    return { _type: this.type, expires: this.#expires.toString(), version: this.#version };
  }
}
