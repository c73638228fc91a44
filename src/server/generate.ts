// Snapshots and timestamps the server makes and signs (notary-server's signer role), over the STORED
// bytes of each file — notary hashed its own re-serialisation instead (server/snapshot/snapshot.go).
import { defaultExpires } from '../tuf/expiry.js';
import { Envelope, signerFromPrivateKey, type MetadataSigner } from '../tuf/metadata/envelope.js';
import { Snapshot } from '../tuf/metadata/snapshot.js';
import { Timestamp } from '../tuf/metadata/timestamp.js';
import type { PrivateKey } from '../tuf/private-key.js';
import type { GoTime } from '../tuf/time.js';

/** The held keys that the root lists for a role (the server signs with each of them). */
export function signersFor(held: readonly PrivateKey[], listedKeyIds: readonly string[]): MetadataSigner[] {
  const listed = new Set(listedKeyIds);
  return held.filter((key) => listed.has(key.id)).map((key) => signerFromPrivateKey(key));
}

/**
 * The next snapshot: the previous one (if any) with version + 1, a fresh 3-year expiry, and the meta
 * of `changedFiles` set from their exact bytes; `droppedRoles` (deleted delegations) are removed.
 */
export function nextSnapshot(
  previous: Snapshot | undefined,
  changedFiles: ReadonlyMap<string, Uint8Array>,
  droppedRoles: Iterable<string>,
  signers: readonly MetadataSigner[],
  now: GoTime,
): Envelope<Snapshot> {
  const expires = defaultExpires('snapshot', now);
  let snapshot: Snapshot;
  if (previous) {
    snapshot = previous.clone().bumpVersion(expires);
    for (const [role, bytes] of changedFiles) snapshot.setRoleFile(role, bytes);
  } else {
    snapshot = Snapshot.fromRoles(changedFiles, expires);
  }
  for (const role of droppedRoles) snapshot.deleteMeta(role);
  return Envelope.sign(snapshot, signers);
}

/** The next timestamp over `snapshotBytes`: version + 1 (or 1), expiring in 14 days as notary's. */
export function nextTimestamp(
  previous: Timestamp | undefined,
  snapshotBytes: Uint8Array,
  signers: readonly MetadataSigner[],
  now: GoTime,
): Envelope<Timestamp> {
  const version = (previous?.version ?? 0) + 1;
  return Envelope.sign(Timestamp.fromSnapshot(snapshotBytes, defaultExpires('timestamp', now), version), signers);
}

/** A snapshot re-signed with a fresh expiry and the same meta (renewal on read). */
export function renewedSnapshot(previous: Snapshot, signers: readonly MetadataSigner[], now: GoTime): Envelope<Snapshot> {
  return Envelope.sign(previous.clone().bumpVersion(defaultExpires('snapshot', now)), signers);
}
