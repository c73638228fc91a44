// Validation of a publish, as notary-server 0.7 does it (notary server/handlers/validation.go), and
// stricter where notary is wrong:
//   * snapshot checksums are taken over the stored bytes, never over a re-serialisation (notary server/snapshot/snapshot.go does);
//   * targets of a delegation must lie within its (restricted) paths (notary checks only roles, not paths);
//   * a generated snapshot drops delegations that are no longer declared (notary keeps their meta).
// Pure: (stored state, upload, held keys, now) -> files to store, or an ApiError. No IO.
import { assessRootKeys, NO_VALID_LEAF_CERTIFICATES, usableRootRole, type UsableRootKey } from '../tuf/root-keys.js';
import { ALL_PATHS, ancestorRoleNames, isPathAllowed, parentRoleName, restrictPaths } from '../tuf/delegation.js';
import type { PublicKey } from '../tuf/key.js';
import type { Envelope } from '../tuf/metadata/envelope.js';
import { parseMetadata } from '../tuf/metadata/parse.js';
import type { Root } from '../tuf/metadata/root.js';
import type { Snapshot } from '../tuf/metadata/snapshot.js';
import type { Targets } from '../tuf/metadata/targets.js';
import type { Timestamp } from '../tuf/metadata/timestamp.js';
import { countValidSignatures, type SignatureJson } from '../tuf/threshold.js';
import { GoTime } from '../tuf/time.js';
import { ApiError, invalidUpdate, type ValidationDetail } from '../notary/api-errors.js';
import { nextSnapshot, nextTimestamp, signersFor } from './generate.js';
import type { HeldKeys } from './signer.js';
import type { NewMetadata } from './stores/storage.js';
import type { UploadedFile } from './upload.js';
import { shortKeyId } from '../tuf/short-key-id.js';

/** The newest stored version of each role of the repository (sha256: hex of data, when known). */
export type StoredFiles = ReadonlyMap<string, { version: number; data: Buffer; sha256?: string }>;

export interface UpdateInput {
  gun: string;
  stored: StoredFiles;
  uploads: readonly UploadedFile[];
  heldKeys: HeldKeys;
  now?: GoTime;
  /** Parsed stored files shared across updates (a server keeps one); parsed models are never mutated. */
  parsed?: ParsedMetadataCache;
}

/** Parsed envelopes of stored files by role and sha256, bounded in count. */
export class ParsedMetadataCache {
  readonly #entries = new Map<string, Envelope>();
  constructor(private readonly maxEntries = 2000) {}

  get(role: string, sha256: string): Envelope | undefined {
    return this.#entries.get(`${role}\0${sha256}`);
  }

  set(role: string, sha256: string, envelope: Envelope): void {
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(`${role}\0${sha256}`, envelope);
  }
}

export interface UpdateResult {
  /** Everything to store in one transaction: the uploaded files unchanged, then snapshot and timestamp. */
  files: NewMetadata[];
}

type ErrorName = ValidationDetail['Name'];

/** Validates a publish against the stored state and returns the files to store. Throws ApiError. */
export function validateUpdate(input: UpdateInput): UpdateResult {
  return new UpdateValidation(input).run();
}

class UpdateValidation {
  readonly #gun: string;
  readonly #stored: StoredFiles;
  readonly #uploads = new Map<string, UploadedFile>();
  readonly #held: HeldKeys;
  readonly #now: GoTime;
  readonly #nowDate: Date;
  /** Parsed stored files, parsed on first use (a targets file with 10,000 tags is not parsed for nothing). */
  readonly #parsedStored = new Map<string, Envelope>();
  readonly #sharedParsed: ParsedMetadataCache | undefined;
  /** Validated uploaded targets roles. */
  readonly #validTargets = new Map<string, Envelope<Targets>>();
  /** Every file this update relies on, by role: its exact bytes (uploaded or stored). */
  readonly #loaded = new Map<string, Uint8Array>();

  constructor(input: UpdateInput) {
    this.#gun = input.gun;
    this.#stored = input.stored;
    this.#held = input.heldKeys;
    this.#sharedParsed = input.parsed;
    this.#now = input.now ?? GoTime.now();
    this.#nowDate = this.#now.toDate();
    for (const upload of input.uploads) {
      // notary-server ignores uploaded timestamps: it always makes its own.
      if (upload.role === 'timestamp') continue;
      if (this.#uploads.has(upload.role)) {
        throw invalidUpdate('ErrValidation', `${upload.role} was uploaded more than once in one update`);
      }
      this.#uploads.set(upload.role, upload);
    }
  }

  run(): UpdateResult {
    const root = this.#validateRoot();
    this.#loaded.set('root', root.raw);

    const targetsRoles = [...this.#uploads.keys()].filter((r) => r === 'targets' || r.startsWith('targets/'));
    // Parents before children: notary sorts by name, and a shorter path is always a prefix-parent.
    targetsRoles.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
    for (const role of targetsRoles) this.#validateTargetsRole(role, root);
    if (!this.#uploads.has('targets') && this.#stored.has('targets')) this.#checkStoredTargets(root);

    const snapshot = this.#uploads.has('snapshot') ? this.#validateUploadedSnapshot(root) : this.#generateSnapshot(root);
    const timestamp = this.#generateTimestamp(root, snapshot);

    const files: NewMetadata[] = [];
    for (const upload of this.#uploads.values()) files.push({ role: upload.role, version: upload.version, data: upload.data });
    if (!this.#uploads.has('snapshot')) files.push({ role: 'snapshot', version: snapshot.signed.version, data: snapshot.raw });
    files.push({ role: 'timestamp', version: timestamp.signed.version, data: timestamp.raw });
    this.#checkVersions(files);
    return { files };
  }

  // ---------------------------------------------------------------------------------------------
  // root

  #validateRoot(): Envelope<Root> {
    const storedRoot = this.#storedEnvelope<Root>('root');
    const upload = this.#uploads.get('root');
    if (!upload) {
      if (!storedRoot) throw invalidUpdate('ErrValidation', 'no pre-existing root and no root provided in update.');
      return storedRoot;
    }
    // notary: the current version, or current + 1 (1 when there is no root yet). An equal version
    // passes here and is refused later as VERSION, like notary's storage does.
    const current = storedRoot?.signed.version ?? 1;
    if (upload.version !== current && upload.version !== current + 1) {
      throw invalidUpdate('ErrBadRoot', `Root modifications must increment the version. Current ${current}, new ${upload.version}`);
    }
    const root = this.#parse<Root>('root', upload.data, 'ErrBadRoot');

    if (storedRoot) {
      // A rotation must be signed by the OLD root's threshold of its own certificates (expiry not checked).
      const trusted = this.#rootKeys(storedRoot.signed, false);
      if (!this.#meetsThreshold(root, trusted.usable, storedRoot.signed.role('root').threshold)) {
        throw invalidUpdate(
          'ErrBadRoot',
          'could not rotate trust to a new trusted root: failed to validate data with current trusted certificates',
        );
      }
    }
    const own = this.#rootKeys(root.signed, true);
    if (own.usable.length === 0) throw invalidUpdate('ErrBadRoot', `${NO_VALID_LEAF_CERTIFICATES}${own.reasons}`);
    if (!this.#meetsThreshold(root, own.usable, root.signed.role('root').threshold)) {
      throw invalidUpdate('ErrBadRoot', 'could not validate the path to a trusted root: failed to validate integrity of roots');
    }
    if (root.signed.isExpired(this.#now)) throw invalidUpdate('ErrBadRoot', `root expired at ${root.signed.expires.toString()}`);
    return root;
  }

  #rootKeys(root: Root, isNew: boolean): { usable: UsableRootKey[]; reasons: string } {
    const assessed = assessRootKeys(root.role('root').keyIds, root.keys, this.#gun, {
      now: this.#nowDate,
      requireCurrentValidity: isNew,
    });
    const problems = assessed.filter((a) => a.problem).map((a) => `${shortKeyId(a.keyId)}: ${a.problem}`);
    return {
      usable: assessed.flatMap((a) => (a.usable ? [a.usable] : [])),
      reasons: problems.length ? ` (${problems.join('; ')})` : '',
    };
  }

  #meetsThreshold(envelope: Envelope, usable: readonly UsableRootKey[], threshold: number): boolean {
    const { role, keys } = usableRootRole(usable, threshold);
    return countValidSignatures(envelope.signedCanonicalBytes(), envelope.signatures, role, keys).met;
  }

  // ---------------------------------------------------------------------------------------------
  // targets and delegations

  #validateTargetsRole(role: string, root: Envelope<Root>): void {
    const upload = this.#uploads.get(role)!;
    const envelope = this.#parse<Targets>(role, upload.data, 'ErrBadTargets');
    let keys: ReadonlyMap<string, PublicKey>;
    let roleKeys: { keyids: readonly string[]; threshold: number };
    let allowedPaths: readonly string[] = ALL_PATHS;

    if (role === 'targets') {
      keys = root.signed.keys;
      const targetsRole = root.signed.role('targets');
      roleKeys = { keyids: targetsRole.keyIds, threshold: targetsRole.threshold };
    } else {
      // Every ancestor must exist (uploaded in this update or stored) and declare the next one down.
      let paths: readonly string[] = ALL_PATHS;
      for (const ancestor of ancestorRoleNames(role)) {
        const parent = this.#targetsFile(ancestor);
        if (!parent) throw invalidUpdate('ErrBadTargets', `${role}: its parent role ${ancestor} does not exist`);
        if (ancestor !== 'targets') {
          const declared = this.#targetsFile(parentRoleName(ancestor))?.signed.getDelegation(ancestor);
          if (!declared) {
            throw invalidUpdate('ErrBadTargets', `${ancestor} is not a delegation of ${parentRoleName(ancestor)}`);
          }
          paths = restrictPaths(declared.paths, paths);
        }
      }
      const parent = this.#targetsFile(parentRoleName(role))!;
      const delegation = parent.signed.getDelegation(role);
      if (!delegation) {
        throw invalidUpdate('ErrBadTargets', `${role} is not a delegation of ${parentRoleName(role)}`);
      }
      keys = parent.signed.delegationKeys;
      roleKeys = { keyids: delegation.keyIds, threshold: delegation.threshold };
      allowedPaths = restrictPaths(delegation.paths, paths);
    }

    this.#requireSignatures(role, envelope, roleKeys, keys, 'ErrBadTargets');
    if (envelope.signed.isExpired(this.#now)) {
      throw invalidUpdate('ErrBadTargets', `${role} expired at ${envelope.signed.expires.toString()}`);
    }
    if (role !== 'targets') {
      // Not checked by notary-server (clients just hide such targets); refused here.
      for (const name of envelope.signed.targets.keys()) {
        if (!isPathAllowed(name, allowedPaths)) {
          throw invalidUpdate(
            'ErrBadTargets',
            `${role} lists target ${JSON.stringify(name)}, which is outside its delegated paths ${JSON.stringify(allowedPaths)}`,
          );
        }
      }
    }
    this.#validTargets.set(role, envelope);
    this.#loaded.set(role, upload.data);
  }

  /**
   * Loads the stored targets. A new root must still accept it: a root that changes the targets keys
   * without a re-signed targets file would leave the repository unreadable (notary's builder refuses
   * such an update too, when it loads targets under the new root).
   */
  #checkStoredTargets(root: Envelope<Root>): void {
    const stored = this.#targetsFile('targets')!;
    if (this.#uploads.has('root')) {
      const targetsRole = root.signed.role('targets');
      this.#requireSignatures('targets', stored, { keyids: targetsRole.keyIds, threshold: targetsRole.threshold }, root.signed.keys, 'ErrBadTargets');
    }
  }

  /** A targets role as this update leaves it: the validated upload, else the stored file (recorded as loaded). */
  #targetsFile(role: string): Envelope<Targets> | undefined {
    const uploaded = this.#validTargets.get(role);
    if (uploaded) return uploaded;
    if (this.#uploads.has(role)) return undefined; // uploaded but not validated yet: a parent after its child
    const stored = this.#storedEnvelope<Targets>(role);
    if (stored) this.#loaded.set(role, stored.raw);
    return stored;
  }

  // ---------------------------------------------------------------------------------------------
  // snapshot and timestamp

  #validateUploadedSnapshot(root: Envelope<Root>): Envelope<Snapshot> {
    const upload = this.#uploads.get('snapshot')!;
    const snapshot = this.#parse<Snapshot>('snapshot', upload.data, 'ErrBadSnapshot');
    const snapshotRole = root.signed.role('snapshot');
    this.#requireSignatures(
      'snapshot',
      snapshot,
      { keyids: snapshotRole.keyIds, threshold: snapshotRole.threshold },
      root.signed.keys,
      'ErrBadSnapshot',
    );
    if (snapshot.signed.isExpired(this.#now)) {
      throw invalidUpdate('ErrBadSnapshot', `snapshot expired at ${snapshot.signed.expires.toString()}`);
    }
    // Every file this update relies on must be the one the snapshot names, byte for byte.
    for (const [role, bytes] of this.#loaded) {
      const meta = snapshot.signed.metaFor(role);
      if (!meta) throw invalidUpdate('ErrBadSnapshot', `snapshot has no checksum information for ${role}`);
      const mismatch = meta.mismatch(bytes);
      if (mismatch) throw invalidUpdate('ErrBadSnapshot', `checksum for ${role} did not match: ${mismatch}`);
    }
    return snapshot;
  }

  #generateSnapshot(root: Envelope<Root>): Envelope<Snapshot> {
    const signers = signersFor(this.#held.snapshot, root.signed.role('snapshot').keyIds);
    if (signers.length === 0) {
      throw invalidUpdate(
        'ErrBadHierarchy',
        'no snapshot was included in update and server does not hold current snapshot key for repository',
        'snapshot',
      );
    }
    if (!this.#loaded.has('targets')) {
      throw invalidUpdate('ErrBadTargets', 'the repository has no targets metadata yet: upload targets with the first publish');
    }
    const previous = this.#storedEnvelope<Snapshot>('snapshot')?.signed;
    const dropped = this.#deletedDelegations(previous);
    return nextSnapshot(previous, this.#loaded, dropped, signers, this.#now);
  }

  /**
   * Delegations the previous snapshot lists that this update un-declared (removed from a parent it
   * uploaded, or below such a role). Only roles under an uploaded parent can have changed.
   */
  #deletedDelegations(previous: Snapshot | undefined): string[] {
    if (!previous) return [];
    const changedParents = new Set(this.#validTargets.keys());
    const deleted: string[] = [];
    const isDeclared = (role: string): boolean => {
      if (role === 'targets') return true;
      const parent = parentRoleName(role);
      return isDeclared(parent) && this.#targetsFile(parent)?.signed.getDelegation(role) !== undefined;
    };
    for (const role of previous.meta.keys()) {
      if (!role.startsWith('targets/') || this.#validTargets.has(role)) continue;
      if (!ancestorRoleNames(role).some((a) => changedParents.has(a))) continue;
      if (!isDeclared(role)) deleted.push(role);
    }
    return deleted;
  }

  #generateTimestamp(root: Envelope<Root>, snapshot: Envelope<Snapshot>): Envelope<Timestamp> {
    const signers = signersFor(this.#held.timestamp, root.signed.role('timestamp').keyIds);
    if (signers.length === 0) throw invalidUpdate('ErrBadRoot', 'no timestamp keys exist on the server');
    const previous = this.#storedEnvelope<Timestamp>('timestamp')?.signed;
    return nextTimestamp(previous, snapshot.raw, signers, this.#now);
  }

  // ---------------------------------------------------------------------------------------------
  // shared checks

  /** notary's storage rule: each new version is greater than every stored one, else VERSION. */
  #checkVersions(files: readonly NewMetadata[]): void {
    for (const file of files) {
      const stored = this.#stored.get(file.role);
      if (stored && file.version <= stored.version) throw new ApiError('VERSION');
    }
  }

  #requireSignatures(
    role: string,
    envelope: Envelope,
    roleKeys: { keyids: readonly string[]; threshold: number },
    keys: ReadonlyMap<string, PublicKey>,
    errorName: ErrorName,
  ): void {
    const count = countValidSignatures(envelope.signedCanonicalBytes(), envelope.signatures as SignatureJson[], roleKeys, keys);
    if (count.mismatchedKeyIds.length > 0) {
      throw invalidUpdate(errorName, `${role}: key ID ${count.mismatchedKeyIds[0]} does not match the key it names`);
    }
    if (!count.met) {
      throw invalidUpdate(
        errorName,
        `valid signatures did not meet threshold for ${role} (${count.validKeyIds.length} of ${roleKeys.threshold} required)`,
      );
    }
  }

  #parse<M extends Root | Targets | Snapshot | Timestamp>(role: string, data: Uint8Array, errorName: ErrorName): Envelope<M> {
    try {
      return parseMetadata(data, role) as unknown as Envelope<M>;
    } catch (e) {
      throw invalidUpdate(errorName, `${role} type metadata invalid: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The stored current file of `role`, parsed once. Stored files were validated when they were uploaded. */
  #storedEnvelope<M extends Root | Targets | Snapshot | Timestamp>(role: string): Envelope<M> | undefined {
    const cached = this.#parsedStored.get(role);
    if (cached) return cached as unknown as Envelope<M>;
    const stored = this.#stored.get(role);
    if (!stored) return undefined;
    let envelope = stored.sha256 ? (this.#sharedParsed?.get(role, stored.sha256) as Envelope<M> | undefined) : undefined;
    if (!envelope) {
      try {
        envelope = parseMetadata(stored.data, role) as unknown as Envelope<M>;
      } catch (e) {
        throw invalidUpdate('ErrValidation', `the stored ${role} metadata cannot be read: ${(e as Error).message}`);
      }
      if (stored.sha256) this.#sharedParsed?.set(role, stored.sha256, envelope as unknown as Envelope);
    }
    this.#parsedStored.set(role, envelope as unknown as Envelope);
    return envelope;
  }
}
