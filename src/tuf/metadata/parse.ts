// Parsing a file by role name: the model follows from the name (notary's role → _type table).
import { isTargetsRoleName } from '../delegation.js';
import { MetadataError } from '../errors.js';
import { Envelope, type SignedModelClass } from './envelope.js';
import { Root } from './root.js';
import type { SignedMetadata } from './signed.js';
import { Snapshot } from './snapshot.js';
import { Targets } from './targets.js';
import { Timestamp } from './timestamp.js';

export type AnySignedMetadata = Root | Targets | Snapshot | Timestamp;

/** The model class for a role name: root, snapshot, timestamp, or Targets for `targets` and delegations. */
export function modelForRole(roleName: string): SignedModelClass<AnySignedMetadata> {
  if (roleName === 'root') return Root;
  if (roleName === 'snapshot') return Snapshot;
  if (roleName === 'timestamp') return Timestamp;
  if (isTargetsRoleName(roleName)) return Targets;
  throw new MetadataError(roleName, undefined, `${JSON.stringify(roleName)} is not a valid role name`);
}

export function parseMetadata(bytes: Uint8Array, roleName: 'root'): Envelope<Root>;
export function parseMetadata(bytes: Uint8Array, roleName: 'snapshot'): Envelope<Snapshot>;
export function parseMetadata(bytes: Uint8Array, roleName: 'timestamp'): Envelope<Timestamp>;
export function parseMetadata(bytes: Uint8Array, roleName: 'targets' | `targets/${string}`): Envelope<Targets>;
export function parseMetadata(bytes: Uint8Array, roleName: string): Envelope<AnySignedMetadata>;
/** Parses a metadata file of `roleName` strictly (see Envelope.parse). */
export function parseMetadata(bytes: Uint8Array, roleName: string): Envelope<SignedMetadata> {
  return Envelope.parse(bytes, roleName, modelForRole(roleName));
}
