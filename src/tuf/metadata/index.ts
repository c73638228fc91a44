// Typed notary 0.7 metadata: parse, inspect, build, sign and serialise Go-identically.
export { Envelope, signerFromPrivateKey, type MetadataSigner, type SignedModelClass } from './envelope.js';
export { FileMeta, HASH_SIZES, type FileMetaJson, type HashAlgorithm } from './filemeta.js';
export { modelForRole, parseMetadata, type AnySignedMetadata } from './parse.js';
export { RoleKeys, type RoleKeysJson } from './role-keys.js';
export { Root, type RootJson } from './root.js';
export { SignedMetadata, type MetadataType } from './signed.js';
export { Snapshot, type SnapshotJson } from './snapshot.js';
export { DelegatedRole, Targets, type DelegatedRoleJson, type DelegationChange, type TargetsJson } from './targets.js';
export { Timestamp, type TimestampJson } from './timestamp.js';
export type { Signature } from '../gojson.js';
