// The trusted metadata of one repository, and the ONLY place that decides what becomes trusted
// (python-tuf's TrustedMetadataSet, tuf-js's TrustedMetadataStore). Metadata is accepted only in the
// order of the client workflow — root (+ rotations), timestamp, snapshot, targets, delegations — and
// only after every check of that step; anything else is refused with a typed error. Pure: no IO,
// the clock is injected. Step numbers cite the TUF specification's "detailed client workflow"
// (5.3 root, 5.4 timestamp, 5.5 snapshot, 5.6 targets) adapted to notary 0.7 (notary client/tufclient.go):
// snapshot/timestamp `meta` carry hashes and length but no version, so rollback of a role is checked
// against the file the client trusted before (its cache, handed in as `cached`): as in python-tuf's
// TrustedMetadataSet, the versions of trusted cached files are the floor, and this set applies it.
import { certificateProblem, certificateValidity, validityOf } from './certs.js';
import { requireUsableRootKeys, usableRootKeys, usableRootRole, type UsableRootKey } from './root-keys.js';
import { ALL_PATHS, isDirectChild, restrictPaths } from './delegation.js';
import { tufLimits, type TufLimits } from './limits.js';
import { SignatureError } from './errors.js';
import { parseMetadata, type Envelope, type FileMeta, type Root, type SignedMetadata, type Snapshot, type Targets, type Timestamp } from './metadata/index.js';
import { countValidSignatures, verifyRoleSignatures } from './threshold.js';
import { GoTime } from './time.js';
import {
  DelegationRefusedError,
  ExpiredMetadataError,
  HashMismatchError,
  RollbackError,
  RootCertificateError,
  RotationLimitError,
  SizeLimitError,
  UpdateRefusedError,
  WorkflowOrderError,
} from './update-errors.js';

/**
 * Trust pinning / TOFU (notary trustpinning/certs.go, ValidateRoot): given the usable certificates of a root, returns those
 * the policy accepts (throwing when none). The root's threshold is then counted over them only.
 */
export type RootKeyFilter = (
  usable: UsableRootKey[],
  context: { gun: string; now: Date; alreadyTrusted: boolean },
) => UsableRootKey[];


export interface TrustedSetOptions {
  /** The repository (GUN): root certificates' CN must match it. */
  gun: string;
  clock?: () => Date;
  /** Default: trust on first use (every usable certificate counts). */
  rootKeyFilter?: RootKeyFilter;
  limits?: Partial<TufLimits>;
  /**
   * The caller is about to replace the root key (`key rotate root`): the current root's certificates
   * may be expired or not yet valid, since a new root signed by the old key is the only repair.
   */
  replacingRootKey?: boolean;
  /**
   * Expiry is reported, not enforced (`expiry`, `renew`, `migrate`): signatures, thresholds, hashes
   * and rollback are checked as always, but expired metadata, expired delegations and root
   * certificates out of their validity period are accepted so that their dates can be shown, renewed
   * or carried over (notary's builder has the same switch, `allowExpired`); expired roles are listed in
   * `expiredRoles`. Nothing read this way may be presented as releasable (and the updater does not
   * cache it).
   */
  tolerateExpiry?: boolean;
}

/** What the client trusted before for the role being updated. */
export interface UpdateOptions {
  /**
   * The role's file in the client's cache (it verified when it was cached): its version is the
   * rollback floor. The caller passes the bytes; the rule is this set's.
   */
  cached?: Uint8Array;
}

/** `signed.version` of a previously trusted file, or undefined when unreadable (no floor from it). */
export function trustedVersionOf(bytes: Uint8Array | undefined): number | undefined {
  if (!bytes) return undefined;
  try {
    const version = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { signed?: { version?: unknown } }).signed?.version;
    return typeof version === 'number' && Number.isSafeInteger(version) ? version : undefined;
  } catch {
    return undefined;
  }
}

export interface TrustedDelegation {
  name: string;
  parent: string;
  envelope: Envelope<Targets>;
  /** The delegation's paths cut down to its parents' (notary's RestrictDelegationPathPrefixes). */
  paths: readonly string[];
  /** TUF key IDs whose signatures verified (at least the threshold). */
  validKeyIds: readonly string[];
  /** The keys and threshold the parent declared for it. */
  keyIds: readonly string[];
  threshold: number;
}

/** A delegation that was skipped (expired or below threshold): kept for display only, never trusted. */
export interface RefusedDelegation {
  name: string;
  parent: string;
  error: DelegationRefusedError;
  /** The parsed (unverified) file, so a UI can say which tags lost their signature. */
  envelope: Envelope<Targets>;
  validKeyIds: readonly string[];
}

const TOFU: RootKeyFilter = (usable) => usable;

function checkSize(role: string, bytes: Uint8Array, limit: number): void {
  if (bytes.length > limit) throw new SizeLimitError(role, limit, bytes.length);
}

/** Mix-and-match / tampering: the bytes must be exactly the file the parent metadata vouches for. */
function checkFileMeta(role: string, bytes: Uint8Array, meta: FileMeta, vouchedBy: string): void {
  checkSize(role, bytes, meta.length);
  const problem = meta.mismatch(bytes);
  if (problem) throw new HashMismatchError(role, `${problem}; this is not the file ${vouchedBy} vouches for`);
}

function checkRollback(role: string, offered: number, ...trusted: (number | undefined)[]): void {
  const floor = Math.max(0, ...trusted.filter((v): v is number => v !== undefined));
  if (offered < floor) throw new RollbackError(role, floor, offered);
}

/** For a message: the latest end among the expired certificates, or the earliest start among those not valid yet. */
function validityBoundary(invalid: readonly UsableRootKey[], notYet: boolean, now: Date): Date | undefined {
  const times = invalid
    .filter((k) => certificateValidity(k.leaf, now) === (notYet ? 'not-yet-valid' : 'expired'))
    .map((k) => validityOf(k.leaf)[notYet ? 'notBefore' : 'notAfter'].getTime());
  if (times.length === 0) return undefined;
  return new Date(notYet ? Math.min(...times) : Math.max(...times));
}

export class TrustedSet {
  readonly gun: string;
  readonly #clock: () => Date;
  readonly #rootKeyFilter: RootKeyFilter;
  readonly #limits: TufLimits;
  readonly #replacingRootKey: boolean;
  readonly #tolerateExpiry: boolean;
  /** Roles accepted although expired (`tolerateExpiry`), with their expiry. */
  readonly #expired = new Map<string, GoTime>();
  #root: Envelope<Root>;
  /** The current root's keys that passed the structural and pinning checks (validity not yet checked). */
  #rootKeys: UsableRootKey[] = [];
  /** Root versions accepted through updateRoot in this set (capped by maxRootRotations). */
  #rootRotations = 0;
  #timestamp?: Envelope<Timestamp>;
  #snapshot?: Envelope<Snapshot>;
  #targets?: Envelope<Targets>;
  readonly #delegations = new Map<string, TrustedDelegation>();
  readonly #refused = new Map<string, RefusedDelegation>();

  private constructor(root: Envelope<Root>, options: TrustedSetOptions) {
    this.gun = options.gun;
    this.#clock = options.clock ?? (() => new Date());
    this.#rootKeyFilter = options.rootKeyFilter ?? TOFU;
    this.#limits = tufLimits(options.limits);
    this.#replacingRootKey = options.replacingRootKey ?? false;
    this.#tolerateExpiry = options.tolerateExpiry ?? false;
    this.#root = root;
  }

  /**
   * Starts from a root trusted before (the cache: notary's trust anchor). It must be signed by its own
   * threshold of usable certificates accepted by the pinning filter. Their validity period is checked
   * once the final root is known (before the timestamp), so a root rotation that replaced an expired
   * certificate can still be followed from here.
   */
  static fromTrustedRoot(bytes: Uint8Array, options: TrustedSetOptions): TrustedSet {
    return TrustedSet.#bootstrap(bytes, options, true);
  }

  /**
   * First contact (TOFU over TLS, or pinning): the root's certificates must be currently valid, pass
   * the pinning filter, and sign it with the root threshold.
   */
  static fromNewRoot(bytes: Uint8Array, options: TrustedSetOptions): TrustedSet {
    const set = TrustedSet.#bootstrap(bytes, options, false);
    set.#checkRootCertificatesValid();
    return set;
  }

  static #bootstrap(bytes: Uint8Array, options: TrustedSetOptions, alreadyTrusted: boolean): TrustedSet {
    checkSize('root', bytes, tufLimits(options.limits).maxRootBytes);
    const envelope = parseMetadata(bytes, 'root');
    const set = new TrustedSet(envelope, options);
    set.#rootKeys = set.#verifyRootSelfSigned(envelope, alreadyTrusted);
    return set;
  }

  // ------------------------------------------------------------------ accessors

  now(): Date {
    return this.#clock();
  }

  get root(): Envelope<Root> {
    return this.#root;
  }

  /** Whether expiry was only reported (TrustedSetOptions.tolerateExpiry). */
  get toleratesExpiry(): boolean {
    return this.#tolerateExpiry;
  }

  get limits(): Readonly<TufLimits> {
    return this.#limits;
  }

  get timestamp(): Envelope<Timestamp> | undefined {
    return this.#timestamp;
  }

  get snapshot(): Envelope<Snapshot> | undefined {
    return this.#snapshot;
  }

  get targets(): Envelope<Targets> | undefined {
    return this.#targets;
  }

  /** Trusted delegations in the order they were loaded. */
  get delegations(): ReadonlyMap<string, TrustedDelegation> {
    return this.#delegations;
  }

  get refusedDelegations(): ReadonlyMap<string, RefusedDelegation> {
    return this.#refused;
  }

  /** Roles that were accepted although expired (only with `tolerateExpiry`), and when they expired. */
  get expiredRoles(): ReadonlyMap<string, GoTime> {
    return this.#expired;
  }

  /** The trusted Targets of `targets` or a trusted delegation. */
  targetsOf(role: string): Envelope<Targets> | undefined {
    return role === 'targets' ? this.#targets : this.#delegations.get(role)?.envelope;
  }

  /** Effective paths of a trusted targets role (`targets` may sign everything). */
  pathsOf(role: string): readonly string[] | undefined {
    if (role === 'targets') return this.#targets ? ALL_PATHS : undefined;
    return this.#delegations.get(role)?.paths;
  }

  /** The exact bytes of every trusted file, by role name (what the cache stores). */
  trustedFiles(): Map<string, Buffer> {
    const files = new Map<string, Buffer>([['root', this.#root.raw]]);
    for (const env of [this.#timestamp, this.#snapshot, this.#targets]) if (env) files.set(env.roleName, env.raw);
    for (const [name, d] of this.#delegations) files.set(name, d.envelope.raw);
    return files;
  }

  // ------------------------------------------------------------------ root

  /**
   * 5.3.4–5.3.5: a new root version, exactly trusted + 1, signed by a threshold of the TRUSTED root's
   * certificates (expiry not checked) AND by its own threshold of certificates that the pinning filter
   * accepts. An intermediate version's certificates may have expired since (as its `expires` may,
   * 5.3.10); the final root's must be valid now, which updateTimestamp checks. Only before the timestamp is loaded (5.3.11: a new root invalidates
   * what was verified with the old one, so a caller starts a new set for the next attempt).
   */
  updateRoot(bytes: Uint8Array): Envelope<Root> {
    if (this.#timestamp) throw new WorkflowOrderError('root cannot be updated after the timestamp was loaded');
    this.checkRootWalk(this.#root.signed.version + 1);
    checkSize('root', bytes, this.#limits.maxRootBytes);
    const envelope = parseMetadata(bytes, 'root');
    const trusted = this.#root.signed;
    const now = this.now();
    // 5.3.5 (checked first: a replayed old root needs no signature check to be refused)
    const expected = trusted.version + 1;
    if (envelope.signed.version < expected) throw new RollbackError('root', expected, envelope.signed.version);
    if (envelope.signed.version > expected) {
      throw new UpdateRefusedError('root', `version ${envelope.signed.version} skips version ${expected}; rotate through every version`);
    }

    // 5.3.4
    const trustedRole = trusted.role('root');
    const trustedKeys = usableRootKeys(trustedRole.keyIds, trusted.keys, this.gun, { now, requireCurrentValidity: false });
    const { role, keys } = usableRootRole(trustedKeys, trustedRole.threshold);
    try {
      verifyRoleSignatures('root', envelope.signedCanonicalBytes(), envelope.signatures, role, keys);
    } catch (e) {
      if (!(e instanceof SignatureError)) throw e;
      // notary's wording, plus what the user can do about a repository re-created with new keys.
      throw new SignatureError(
        'root',
        `could not rotate trust to a new trusted root: version ${envelope.signed.version} is not signed by the root keys trusted ` +
          `so far (${e.message}); if the owner re-created the repository, forget the local trust data for ${this.gun} and trust it anew`,
      );
    }
    const rootKeys = this.#verifyRootSelfSigned(envelope, true);

    this.#root = envelope;
    this.#rootKeys = rootKeys;
    this.#rootRotations++;
    return envelope;
  }

  /**
   * Refuses (before anything is downloaded) a walk to root `version` that would take more rotations
   * than `maxRootRotations`: a server must not make a client fetch and verify unbounded root versions.
   */
  checkRootWalk(version: number): void {
    const steps = this.#rootRotations + (version - this.#root.signed.version);
    if (steps > this.#limits.maxRootRotations) {
      throw new RotationLimitError(this.#root.signed.version, version, this.#limits.maxRootRotations);
    }
  }

  /** Signed by its own threshold of structurally usable, pinning-accepted certificates; returns those. */
  #verifyRootSelfSigned(envelope: Envelope<Root>, alreadyTrusted: boolean): UsableRootKey[] {
    const root = envelope.signed;
    const now = this.now();
    const rootRole = root.role('root');
    const usable = requireUsableRootKeys(rootRole.keyIds, root.keys, this.gun, { now, requireCurrentValidity: false });
    const accepted = this.#rootKeyFilter(usable, { gun: this.gun, now, alreadyTrusted });
    const { role, keys } = usableRootRole(accepted, rootRole.threshold);
    verifyRoleSignatures('root', envelope.signedCanonicalBytes(), envelope.signatures, role, keys);
    return accepted;
  }

  /**
   * notary's ValidateRoot (validRootLeafCerts with checkExpiry): the root must be signed by its
   * threshold of certificates that are valid now (one day of leeway on notBefore). `notary list` and
   * `docker trust inspect` refuse the repository otherwise, and so does every command here.
   */
  #checkRootCertificatesValid(): void {
    if (this.#replacingRootKey || this.#tolerateExpiry) return;
    const now = this.now();
    const valid = this.#rootKeys.filter((k) => !certificateProblem(k.leaf, { now, checkExpiry: true }));
    const { role, keys } = usableRootRole(valid, this.#root.signed.role('root').threshold);
    try {
      verifyRoleSignatures('root', this.#root.signedCanonicalBytes(), this.#root.signatures, role, keys);
    } catch (e) {
      if (!(e instanceof SignatureError)) throw e;
      const invalid = this.#rootKeys.filter((k) => !valid.includes(k));
      const problems = invalid.map((k) => `${k.keyId.slice(0, 12)}: ${certificateProblem(k.leaf, { now, checkExpiry: true })}`);
      const notYet = invalid.length > 0 && invalid.every((k) => certificateValidity(k.leaf, now) === 'not-yet-valid');
      throw new RootCertificateError(notYet ? 'not-yet-valid' : 'expired', problems.length ? problems : [e.message], now, validityBoundary(invalid, notYet, now));
    }
  }

  // ------------------------------------------------------------------ timestamp

  /**
   * 5.3.10: the final root must not be expired, nor its certificates. 5.4.2: signed by root's timestamp role. 5.4.3: no
   * version below the trusted one. 5.4.4: not expired (freeze attack).
   */
  updateTimestamp(bytes: Uint8Array, options: UpdateOptions = {}): Envelope<Timestamp> {
    if (this.#snapshot) throw new WorkflowOrderError('timestamp cannot be updated after the snapshot was loaded');
    this.#checkNotExpired(this.#root);
    this.#checkRootCertificatesValid();
    checkSize('timestamp', bytes, this.#limits.maxTimestampBytes);
    const envelope = parseMetadata(bytes, 'timestamp');
    this.#verifyBaseRole('timestamp', envelope);
    checkRollback('timestamp', envelope.signed.version, trustedVersionOf(options.cached), this.#timestamp?.signed.version);
    this.#checkNotExpired(envelope);
    this.#timestamp = envelope;
    return envelope;
  }

  // ------------------------------------------------------------------ snapshot

  /**
   * 5.5.2: length and hashes match the timestamp's `meta.snapshot` (mix-and-match, endless data).
   * 5.5.3: signed by root's snapshot role. 5.5.5: no version below the trusted one. 5.5.6: not
   * expired. notary: `meta` must describe root and targets (checked by the model).
   */
  updateSnapshot(bytes: Uint8Array, options: UpdateOptions = {}): Envelope<Snapshot> {
    const timestamp = this.#timestamp;
    if (!timestamp) throw new WorkflowOrderError('snapshot needs a trusted timestamp first');
    if (this.#targets) throw new WorkflowOrderError('snapshot cannot be updated after targets were loaded');
    this.#checkNotExpired(timestamp);
    checkFileMeta('snapshot', bytes, timestamp.signed.snapshotMeta, 'the timestamp');
    const envelope = parseMetadata(bytes, 'snapshot');
    this.#verifyBaseRole('snapshot', envelope);
    checkRollback('snapshot', envelope.signed.version, trustedVersionOf(options.cached), this.#snapshot?.signed.version);
    this.#checkNotExpired(envelope);
    this.#snapshot = envelope;
    return envelope;
  }

  /** notary's checkRoot: whether the snapshot describes exactly the trusted root (else root rotated). */
  snapshotMatchesRoot(): boolean {
    const meta = this.#snapshot?.signed.metaFor('root');
    return meta !== undefined && meta.mismatch(this.#root.raw) === undefined;
  }

  // ------------------------------------------------------------------ targets

  /**
   * 5.6.2: length and hashes from the snapshot. 5.6.3: signed by root's targets role. Rollback against
   * the caller's cached version. 5.6.5: not expired. Every failure is fatal for `targets`.
   */
  updateTargets(bytes: Uint8Array, options: UpdateOptions = {}): Envelope<Targets> {
    const snapshot = this.#requireSnapshotFor('targets');
    if (this.#targets) throw new WorkflowOrderError('targets were already loaded');
    checkFileMeta('targets', bytes, snapshot.signed.metaFor('targets')!, 'the snapshot');
    const envelope = parseMetadata(bytes, 'targets');
    this.#verifyBaseRole('targets', envelope);
    checkRollback('targets', envelope.signed.version, trustedVersionOf(options.cached));
    this.#checkNotExpired(envelope);
    this.#targets = envelope;
    return envelope;
  }

  /**
   * A delegated targets role, declared by `parentName` (already trusted). Length and hashes from the
   * snapshot, keys and threshold from the parent's entry, paths cut down to the parent's. notary
   * (client.go downloadTargets): a delegation that is expired or below its threshold is skipped with a
   * warning — refused here with DelegationRefusedError — while any other failure is fatal.
   */
  updateDelegation(name: string, bytes: Uint8Array, parentName: string, options: UpdateOptions = {}): TrustedDelegation {
    const snapshot = this.#requireSnapshotFor(name);
    const parent = this.targetsOf(parentName);
    const parentPaths = this.pathsOf(parentName);
    if (!parent || !parentPaths) throw new WorkflowOrderError(`${name} needs its parent ${parentName} to be trusted first`);
    if (this.#delegations.has(name)) throw new WorkflowOrderError(`${name} was already loaded`);
    if (this.#delegations.size + this.#refused.size >= this.#limits.maxDelegations) {
      throw new UpdateRefusedError(name, `more than ${this.#limits.maxDelegations} delegated roles in one repository; refused (endless data)`);
    }
    if (!isDirectChild(parentName, name)) throw new UpdateRefusedError(name, `is not a direct child of ${parentName}`);
    const entry = parent.signed.getDelegation(name);
    if (!entry) throw new UpdateRefusedError(name, `${parentName} does not delegate to it`);
    const meta = snapshot.signed.metaFor(name);
    // notary only downloads delegations the snapshot lists: an unlisted file cannot be checked.
    if (!meta) throw new UpdateRefusedError(name, 'the snapshot does not list it');
    checkFileMeta(name, bytes, meta, 'the snapshot');
    const envelope = parseMetadata(bytes, name) as Envelope<Targets>;

    const role = { keyids: entry.keys.distinctKeyIds, threshold: entry.threshold };
    const count = countValidSignatures(envelope.signedCanonicalBytes(), envelope.signatures, role, parent.signed.delegationKeys);
    const [badId] = count.mismatchedKeyIds;
    if (badId !== undefined) throw new SignatureError(name, `key ID ${badId} does not match the key it names`);
    const refuse = (reason: 'expired' | 'threshold', detail: string): never => {
      const error = new DelegationRefusedError(name, reason, detail);
      this.#refused.set(name, { name, parent: parentName, error, envelope, validKeyIds: count.validKeyIds });
      throw error;
    };
    if (!count.met) {
      refuse(
        'threshold',
        `valid signatures did not meet threshold for ${name} (${count.validKeyIds.length} of ${entry.threshold} required); skipped`,
      );
    }
    checkRollback(name, envelope.signed.version, trustedVersionOf(options.cached));
    if (envelope.signed.isExpired(this.#goNow()) && !this.#tolerateExpired(envelope)) refuse('expired', `expired at ${envelope.signed.expires.toString()}; skipped`);

    const trusted: TrustedDelegation = {
      name,
      parent: parentName,
      envelope,
      paths: restrictPaths(entry.paths, parentPaths),
      validKeyIds: count.validKeyIds,
      keyIds: entry.keys.distinctKeyIds,
      threshold: entry.threshold,
    };
    this.#refused.delete(name);
    this.#delegations.set(name, trusted);
    return trusted;
  }

  // ------------------------------------------------------------------ helpers

  #goNow(): GoTime {
    return GoTime.fromDate(this.now());
  }

  #checkNotExpired(envelope: Envelope<SignedMetadata>): void {
    if (envelope.signed.isExpired(this.#goNow()) && !this.#tolerateExpired(envelope)) {
      throw new ExpiredMetadataError(envelope.roleName, envelope.signed.expires.toString());
    }
  }

  /** With `tolerateExpiry`: notes the role as expired and lets it through. */
  #tolerateExpired(envelope: Envelope<SignedMetadata>): boolean {
    if (!this.#tolerateExpiry) return false;
    this.#expired.set(envelope.roleName, envelope.signed.expires);
    return true;
  }

  /** 5.6.1 / 5.5.6: targets roles need a trusted, still valid snapshot. */
  #requireSnapshotFor(role: string): Envelope<Snapshot> {
    const snapshot = this.#snapshot;
    if (!snapshot) throw new WorkflowOrderError(`${role} needs a trusted snapshot first`);
    if (role !== 'targets' && !this.#targets) throw new WorkflowOrderError(`${role} needs trusted targets first`);
    this.#checkNotExpired(snapshot);
    return snapshot;
  }

  /** Signatures of a base role: keys and threshold from the trusted root. */
  #verifyBaseRole(role: 'timestamp' | 'snapshot' | 'targets', envelope: Envelope<SignedMetadata>): void {
    const root = this.#root.signed;
    const keys = root.role(role);
    verifyRoleSignatures(role, envelope.signedCanonicalBytes(), envelope.signatures, { keyids: keys.distinctKeyIds, threshold: keys.threshold }, root.keys);
  }
}
