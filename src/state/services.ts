// What the interactive UI needs from the trust layer, as plain data. The store calls only this
// interface; src/state/trust-services.ts adapts src/trust to it, tests pass fakes. No trust rule is
// implemented behind it twice: every method is one src/trust operation (or a read of its results).
import type { PassphraseSource } from '../keys/passphrase.js';
import type { KeyRole, SignerDetail, TagDetail } from '../trust/details.js';
import type { ReleasesSignoff } from '../trust/releases-signoff.js';
import type { DestructivePlan, PlanOutcome } from '../trust/plans.js';
import type { SignerAdditionDelivery } from '../trust/signers.js';
import type { SweepPlan, SweepTarget } from '../trust/sweep.js';
import type { MigrationOutcome, MigrationPlan, MigrationProgress } from '../trust/migrate.js';

/** online: verified from its server; offline: from the unexpired cache; error: could not be read (see problem). */
export type RepoState = 'online' | 'offline' | 'cached' | 'error';

export interface RepoRow {
  /** The GUN, e.g. `registry.example.com/team/app`. */
  gun: string;
  tagCount: number;
  signerCount: number;
  /** ISO time of the earliest expiry among the repository's roles, when known. */
  earliestExpiry?: string;
  /** That expiry by notary's rule (src/tuf/expiry.ts), as `trust-tui info` says it. */
  expiryState?: 'expired' | 'expires-soon' | 'valid';
  state: RepoState;
  /** Where the UI learned of it. */
  source: 'watched' | 'cache' | 'changefeed';
  /** Why it could not be read (state `error`). */
  problem?: string;
}

export interface TagRow {
  tag: string;
  /** `sha256:…` */
  digest: string;
  size: number;
  /** Signer names (delegation names without `targets/`, or `targets` for the repository key). */
  signers: string[];
  verified: boolean;
  /** Why the tag does not verify (unset when it does). */
  problem?: string;
  /**
   * Listed from the roles verified so far while the rest of the repository loads: whether the tag
   * verifies is not known yet (`verified` is false until the complete list replaces the row), and
   * `signers` are those known so far, which the complete list may add to.
   */
  checking?: boolean;
}

/** Tags shown while a repository's roles are still being verified (listTags' onProgress). */
export interface TagListProgress {
  rows: TagRow[];
  rolesDone: number;
  rolesTotal: number;
}

/** Rows of a repository, and whether they were verified from its server or from the local cache. */
export interface RepositoryList<Row> {
  rows: Row[];
  /** The server could not be reached: the rows come from the unexpired cache. */
  offline: boolean;
  server: string;
}

export type TagList = RepositoryList<TagRow>;

/** The signers, and targets/releases' k of n when the repository has that role. */
export interface SignerList extends RepositoryList<SignerRow> {
  releases?: ReleasesSignoff;
}

export interface SignerRow {
  name: string;
  keyIds: string[];
  threshold: number;
  /**
   * Released tags the signer signed in its own role or approved (their signature on a k-of-n
   * targets/releases counts), as the Tags screen's "Signed by" names them.
   */
  tagsSigned: number;
  /** Their signature on the current targets/releases file verifies (undefined: no releases role). */
  releasesSigned?: boolean;
}

/** A signer just added, with one sentence per role the publish changed (read back and verified). */
export interface AddedSigner extends SignerRow {
  changes: string[];
  /** targets/releases' threshold before and after. */
  releases: { from: number; to: number };
  /** Opened instead of publishing when the change needs signatures this host does not hold. */
  request?: { id: string; location: string; status: string };
}

export interface KeyRow {
  id: string;
  /** Signer name or TUF role (`root`, `targets`, …). */
  role: string;
  gun?: string;
  /** `ecdsa`, `rsa`, `ed25519`, or `unknown` when the file does not say. */
  type: string;
  /** Repositories whose trust data lists this key (empty until the repository view is wired). */
  trustedBy: string[];
  tagsSigned: number;
  /** Why the key file cannot be read. */
  problem?: string;
}

/** What a key file holds before anything is stored (nothing is decrypted). */
export interface KeyFilePreview {
  path: string;
  kind: 'private' | 'public';
  /** From the file's `role:` header. */
  role?: string;
  gun?: string;
  /** Known without a passphrase for unencrypted private keys and for public keys. */
  id?: string;
  type?: string;
  encrypted: boolean;
}

export interface ImportedKey {
  id: string;
  role: string;
  type: string;
}

export type NewKeyType = 'ecdsa' | 'ed25519' | 'rsa';

export interface GeneratedKeyResult {
  id: string;
  name: string;
  type: NewKeyType;
  publicKeyFile: string;
}

export interface ConfigView {
  trustDir: string;
  configFile: string;
  tofu: boolean;
  /** GUN prefix -> server URL (and CA bundle). */
  servers: { prefix: string; url: string; ca?: string }[];
  /** GUN prefix -> pinned certificate IDs / CA bundle. */
  /** `description`: one line naming the pinned certificates or CA (never the PEM text). */
  pins: { prefix: string; certs: string[]; ca?: string; description: string }[];
  watched: string[];
  /** DOCKER_CONTENT_TRUST_SERVER, when set: used instead of every server entry (src/notary/endpoint.ts). */
  environmentServer?: string;
}

/** A settings change as `trust-tui config` makes it (prefix: a GUN or a prefix ending in `*`). */
export type ConfigChange =
  | { kind: 'tofu'; enabled: boolean }
  /** `ca`: a CA certificate file the server's certificate chains to. */
  | { kind: 'server'; prefix: string; url: string | null; ca?: string }
  /** `files`: PEM files of root certificates or of a CA (as `config pin`). */
  | { kind: 'pin'; prefix: string; files: string[] | null }
  | { kind: 'watch'; gun: string }
  | { kind: 'unwatch'; gun: string };

/** A signer key chosen in the signer wizard: from the keystore, or a public key / certificate file. */
export type SignerKeyChoice = { from: 'keystore'; id: string } | { from: 'file'; path: string };

/**
 * A destructive change as src/trust planned it (src/trust/plans.ts): the confirmation dialog shows
 * exactly this object and `executePlan` carries out exactly this object.
 */
export type { DestructivePlan, PlanOutcome, RevokeTagPlan, SignerRemovalPlan } from '../trust/plans.js';
export type { SignerAdditionDelivery } from '../trust/signers.js';

export type { KeyRole, SignerDetail, TagDetail, TagSignature } from '../trust/details.js';
export type { ReleasesSignoff } from '../trust/releases-signoff.js';

/** A manifest as a registry describes it. */
export interface Manifest {
  /** `sha256:…` */
  digest: string;
  size: number;
}

import type { PushedImage } from '../trust/push-local.js';

export interface SignResult {
  gun: string;
  tag: string;
  digest: string;
  /** Roles that verifiably sign the tag after publishing. */
  roles: string[];
  /** Whether docker can pull it with content trust (signed in `targets` or `targets/releases`). */
  released: boolean;
  /** A k-of-n role this host cannot sign alone: the signing request that collects it. */
  request?: { id: string; location: string; roles: string[]; status: string };
  /** What was pushed first (a local image as the source). */
  pushed?: PushedImage;
}

/** Signing a local image: what the review shows (src/trust/sign-plan.ts), what the push reports. */
export type { LocalSignPlan } from '../trust/sign-plan.js';
export type { PushedImage } from '../trust/push-local.js';
export type { PushProgressEvent } from '../registry/push-types.js';

/** The Policy screen (src/trust/signing-policy): badges per repository, the apply plan and its result. */
export type { PolicyBadge, PolicyOverview, PolicyRow } from '../trust/signing-policy/overview.js';
export type { ApplyPlan, ApplyResult } from '../trust/signing-policy/apply.js';

/** A signing request as a Requests screen shows it (src/trust/requests). */
export type { ListedRequest, RequestView, ApproveResult, SubmitResult } from '../trust/requests/operations.js';

/** The compromised-key sweep's dry run as src/trust planned it; `runSweep` carries out exactly it. */
export type { SweepItem, SweepPlan, SweepTarget } from '../trust/sweep.js';

/** Moving repositories to another server (src/trust/migrate.ts): one plan for preview, confirmation and run. */
export type { MigrationOutcome, MigrationPlan, MigrationProgress, RepositoryMigration, TagSigners } from '../trust/migrate.js';

export interface MigrationRequest {
  gun: string;
  to: string;
  fromCache: boolean;
  renewExpired: boolean;
}

export interface SweepProgress {
  index: number;
  total: number;
  gun: string;
}

export interface SweepOutcome {
  gun: string;
  role: string;
  /** requested: a signing request was opened there (a departed signer in a k-of-n repository). */
  status: 'done' | 'already-done' | 'requested' | 'failed' | 'skipped';
  message?: string;
}

/** The migration report of one repository (`trust-tui export status`), for the Tags screen. */
export interface ExportReport {
  gun: string;
  lines: string[];
  /** Signers this host holds a key of (`Repo Admin`: the repository key): who can export from here. */
  held: string[];
  /** Per held signer and format, the tags it still has to export. */
  pending: Record<string, { cosign: string[]; notation: string[] }>;
}

export type ExportFormatChoice = 'cosign' | 'notation';

/** One role, signer role or root certificate of a repository, with its expiry and who renews it. */
export type { ExpiryItem as ExpiryRow, Renewer } from '../trust/expiry.js';
export type { RenewOutcome, RenewPlan } from '../trust/renew.js';

/** Which repository of how many a renewal is at. */
export interface RenewProgress {
  index: number;
  total: number;
  gun: string;
}

export interface ExpiryList {
  /** Soonest first. */
  rows: import('../trust/expiry.js').ExpiryItem[];
  /** Repositories read from the cache (server unreachable). */
  offline: string[];
  /** The server cannot serve their timestamp because root (or its certificate) expired: only root is listed. */
  rootExpired: string[];
  /** Repositories that could not be read: their expiry is not known. */
  unreadable: { gun: string; problem: string }[];
}

/** Ports every mutating call gets from the store: the modal passphrase prompt, cancellation. */
export interface OperationPorts {
  passphrases: PassphraseSource;
  signal?: AbortSignal;
}

/** The policy formats the UI offers (Notation needs certificate files: the command line does it). */
export type UiPolicyFormat = 'kyverno' | 'kyverno-notary' | 'policy-controller' | 'connaisseur' | 'cosign-cmd';

/** An exported policy as the UI shows it (src/trust/policy/export-policy.ts). */
export interface ExportedPolicy {
  gun: string;
  threshold: number;
  signers: string[];
  /** The snippet, caveats included as comments. */
  content: string;
  /** Where it was written (absolute path), when a file was asked for. */
  written?: string;
}

export interface Services {
  // Keys (src/trust/keys.ts)
  listKeys(): Promise<KeyRow[]>;
  inspectKeyFile(path: string): Promise<KeyFilePreview>;
  /** `name` is used when the file has no `role:` header. Asks for passphrases through `ports`. */
  importKey(path: string, name: string | undefined, ports: OperationPorts): Promise<ImportedKey>;
  generateKey(name: string, type: NewKeyType, dir: string, ports: OperationPorts): Promise<GeneratedKeyResult>;

  // Settings (src/trust/config.ts; read from the file every time)
  readConfig(): Promise<ConfigView>;
  updateConfig(change: ConfigChange): Promise<ConfigView>;

  // Repositories (repository view over the trust cache and servers)
  listRepositories(): Promise<RepoRow[]>;
  /** `onProgress` gets the tags of the roles verified so far, while the rest is still being verified. */
  listTags(gun: string, onProgress?: (progress: TagListProgress) => void): Promise<TagList>;
  listSigners(gun: string): Promise<SignerList>;

  // Detail views (read-only)
  describeTag(gun: string, tag: string): Promise<TagDetail>;
  describeSigner(gun: string, name: string): Promise<SignerDetail>;
  /** Every role of every known repository that lists the key. */
  describeKey(keyId: string): Promise<{ roles: KeyRole[]; unreadable: { gun: string; problem: string }[] }>;

  // Mutations (src/trust operations; each publishes to the server)
  /** The tag's manifest digest and size, from the registry. */
  resolveManifest(gun: string, tag: string): Promise<Manifest>;
  signTag(gun: string, tag: string, manifest: Manifest, ports: OperationPorts): Promise<SignResult>;
  /** Opens the local image `from` (`oci:DIR`, …) and the repository: what pushing and signing it would do. */
  planLocalSign(gun: string, tag: string, from: string): Promise<import('../trust/sign-plan.js').LocalSignPlan>;
  /** Pushes the reviewed local image, then signs the digest the registry stored; refused when the image changed since the review. `ports.signal` cancels the push (a cancellation error; nothing signed). */
  signLocal(plan: import('../trust/sign-plan.js').LocalSignPlan, ports: OperationPorts, onProgress: (event: import('../registry/push-types.js').PushProgressEvent) => void): Promise<SignResult>;
  planRevokeTag(gun: string, tag: string): Promise<DestructivePlan>;
  /** Whether adding the signer would publish or open a signing request; changes nothing. */
  planAddSigner(gun: string, name: string, keys: SignerKeyChoice[], threshold?: number): Promise<{ delivery: SignerAdditionDelivery }>;
  /**
   * `threshold`: targets/releases' new threshold (undefined: unchanged). `delivery`: what the
   * confirmation said (planAddSigner); when the repository now does otherwise, nothing is changed.
   */
  addSigner(gun: string, name: string, keys: SignerKeyChoice[], ports: OperationPorts, threshold?: number, delivery?: SignerAdditionDelivery): Promise<AddedSigner>;
  /** Removing the whole signer, or only `keyId` from that signer (no other signer is touched). */
  planRemoveSigner(gun: string, name: string, keyId?: string): Promise<DestructivePlan>;
  /** Carries out exactly `plan`, or changes nothing (refused, or the repository changed since). */
  executePlan(plan: DestructivePlan, ports: OperationPorts): Promise<PlanOutcome>;

  // Policy export (read-only: verified trust data in, a file out)
  /** What "signed by k of the repository's signers" means for `format`; written to `output` when given. */
  exportPolicy(gun: string, format: UiPolicyFormat, threshold: number, output?: string): Promise<ExportedPolicy>;

  // Migration to cosign / Notation (src/trust/export)
  exportReport(gun: string): Promise<ExportReport>;
  /** Signs again with `signer`'s DCT key and writes to the registry; lines say what was written, read back and verified. */
  exportSignatures(gun: string, signer: string, format: ExportFormatChoice, ports: OperationPorts): Promise<string[]>;

  // Compromised-key sweep (one resumable operation across all known repositories)
  planSweep(target: SweepTarget): Promise<SweepPlan>;
  /** Runs the plan's pending items; stops between repositories when `ports.signal` aborts. Idempotent. */
  runSweep(plan: SweepPlan, ports: OperationPorts, onProgress: (p: SweepProgress) => void): Promise<SweepOutcome[]>;

  // Expiry (src/trust/expiry.ts, src/trust/renew.ts)
  /** Every expiry of every known repository; `withinDays`: only what ends within that many days. */
  listExpiries(withinDays?: number): Promise<ExpiryList>;
  /**
   * What renewing these repositories (or every one this host knows) would do: the dry run the
   * confirmation shows. Pins on a replaced root certificate are moved when it is confirmed.
   */
  planRenewal(repositories: readonly string[] | 'all', withinDays?: number, onProgress?: (p: RenewProgress) => void): Promise<import('../trust/renew.js').RenewPlan>;
  /** Carries out exactly `plan` (re-planned and compared first), repository by repository. */
  runRenewal(
    plan: import('../trust/renew.js').RenewPlan,
    ports: OperationPorts,
    onProgress?: (p: RenewProgress) => void,
  ): Promise<import('../trust/renew.js').RenewOutcome[]>;

  // Moving a repository to another server (src/trust/migrate.ts)
  /** The dry run: source and destination read and verified, nothing changed. */
  planMigration(request: MigrationRequest): Promise<MigrationPlan>;
  /** Carries out exactly `plan`; each outcome's message carries the UI's next step. */
  runMigration(plan: MigrationPlan, ports: OperationPorts, onProgress: (p: MigrationProgress) => void): Promise<MigrationOutcome[]>;

  // Signing requests (k-of-n roles): one implementation with the CLI's `request` commands.
  /** The requests kept here (of `gun`, or all), each checked against its repository; `note` names known repositories that could not be listed. */
  listRequests(gun?: string): Promise<import('../trust/requests/operations.js').ListedRequest[] | { rows: import('../trust/requests/operations.js').ListedRequest[]; note?: string }>;
  /** A request with the change computed locally and who signed / is missing. */
  showRequest(ref: string): Promise<import('../trust/requests/operations.js').RequestView>;
  /** Signs a request this host may sign (the change was shown and confirmed in the UI). */
  approveRequest(ref: string, ports: OperationPorts): Promise<import('../trust/requests/operations.js').ApproveResult>;
  /** Merges request copies or detached signature files (or imports a new request), then checks the request. */
  mergeRequestFiles(files: string[]): Promise<import('../trust/requests/operations.js').MergeOutcome>;
  submitRequest(ref: string, ports: OperationPorts): Promise<import('../trust/requests/operations.js').SubmitResult>;
  cancelRequest(ref: string): Promise<void>;
  rebaseRequest(ref: string, ports: OperationPorts): Promise<{ id: string; status: string }>;

  // Signing policy (trust-policy.yaml): one implementation with the CLI's `policy plan` and `policy apply`.
  /** Every repository the policy file covers, planned from a verified read, with its badge. */
  policyOverview(file: string): Promise<import('../trust/signing-policy/overview.js').PolicyOverview>;
  /** What `policy apply` would do for `gun` (the plan the confirmation shows and the apply carries out). */
  planPolicyApply(file: string, gun: string): Promise<import('../trust/signing-policy/apply.js').ApplyPlan>;
  /** Carries out exactly `plan`, then plans again from a fresh verified read. */
  runPolicyApply(plan: import('../trust/signing-policy/apply.js').ApplyPlan, ports: OperationPorts): Promise<import('../trust/signing-policy/apply.js').ApplyResult>;
}
