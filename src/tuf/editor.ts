// Writing a repository: edits to root, targets and delegations on top of the trusted state, then the
// new files signed as notary's client signs them (version + 1, expiry reset to the default lifetime,
// one signature per held key of the role) and, when we hold the snapshot key, a new snapshot over the
// exact bytes. Pure: the caller unlocks keys first (prompts are async) and hands them in.
import { isDelegationName, parentRoleName } from './delegation.js';
import { TufError } from './errors.js';
import { defaultExpires } from './expiry.js';
import type { PublicKey } from './key.js';
import { Envelope, Root, signerFromPrivateKey, Snapshot, Targets, type MetadataSigner } from './metadata/index.js';
import type { PrivateKey } from './private-key.js';
import { countValidSignatures } from './threshold.js';
import type { GoTime } from './time.js';
import { shortKeyId } from './short-key-id.js';

export interface RepositoryState {
  root?: Envelope<Root>;
  targets?: Envelope<Targets>;
  snapshot?: Envelope<Snapshot>;
  /** Every delegation file known (trusted; refused ones too when they are to be re-signed). */
  delegations: ReadonlyMap<string, Envelope<Targets>>;
}

/** The keys that may sign a role and how many must. */
export interface RoleSigningKeys {
  role: string;
  keys: PublicKey[];
  threshold: number;
}

/** Held private keys by canonical ID (the key file name). */
export type KeyLookup = (canonicalId: string) => PrivateKey | undefined;

export class SigningError extends TufError {
  override name = 'SigningError';
}

export interface BuiltRepository {
  /** role -> exact bytes to upload, parents before children, snapshot last. */
  files: Map<string, Buffer>;
  envelopes: Map<string, Envelope<Root | Targets | Snapshot>>;
  /** Roles whose files were dropped (deleted delegations). */
  deleted: string[];
}

export class RepositoryEditor {
  readonly #state: RepositoryState;
  readonly #now: GoTime;
  #root?: Root;
  readonly #targets = new Map<string, Targets>();
  readonly #deleted = new Set<string>();

  constructor(state: RepositoryState, now: GoTime) {
    this.#state = state;
    this.#now = now;
  }

  /** Starts a repository from nothing (`init`): root v1, targets v1. */
  static create(root: Root, now: GoTime): RepositoryEditor {
    const editor = new RepositoryEditor({ delegations: new Map() }, now);
    editor.#root = root;
    editor.targets('targets');
    return editor;
  }

  /** The root to edit (a copy; the trusted one stays as it is). */
  root(): Root {
    if (!this.#root) {
      if (!this.#state.root) throw new SigningError('the repository has no root yet');
      this.#root = this.#state.root.signed.clone();
    }
    return this.#root;
  }

  /** The current (possibly edited) root, without marking it edited. */
  get currentRoot(): Root {
    const root = this.#root ?? this.#state.root?.signed;
    if (!root) throw new SigningError('the repository has no root yet');
    return root;
  }

  /** A targets role to edit. A delegation declared by its parent but never published starts empty. */
  targets(role: string): Targets {
    let edited = this.#targets.get(role);
    if (edited) return edited;
    const trusted = role === 'targets' ? this.#state.targets : this.#state.delegations.get(role);
    edited = trusted ? trusted.signed.clone() : Targets.empty(defaultExpires(role, this.#now), role);
    this.#targets.set(role, edited);
    this.#deleted.delete(role);
    return edited;
  }

  /** The current (possibly edited) contents of a targets role, without marking it edited. */
  current(role: string): Targets | undefined {
    return this.#targets.get(role) ?? (role === 'targets' ? this.#state.targets : this.#state.delegations.get(role))?.signed;
  }

  /** Drops a delegation's file (its declaration is removed from the parent separately). */
  deleteRole(role: string): void {
    if (!isDelegationName(role)) throw new SigningError(`${role} cannot be deleted`);
    this.#targets.delete(role);
    this.#deleted.add(role);
  }

  get editedRoles(): string[] {
    return [...(this.#root ? ['root'] : []), ...[...this.#targets.keys()].sort(byDepth)];
  }

  /** Who may sign `role` in the edited repository (keys from root or from the parent's delegation). */
  signingKeys(role: string): RoleSigningKeys {
    const root = this.currentRoot;
    if (role === 'root' || role === 'targets' || role === 'snapshot' || role === 'timestamp') {
      const keys = root.roleKeys(role);
      return { role, keys, threshold: root.role(role).threshold };
    }
    const parent = this.current(parentRoleName(role));
    const declared = parent?.getDelegation(role);
    if (!parent || !declared) throw new SigningError(`${role} is not declared in ${parentRoleName(role)}`);
    return { role, keys: parent.delegationKeysOf(declared), threshold: declared.threshold };
  }

  /**
   * Signs every edited role and, when `signSnapshot`, a new snapshot. Each role must end up with its
   * threshold of valid signatures: nothing unverifiable is ever produced. Root is signed by the keys
   * of the new root and, on rotation, `extraRootSigners` (the previous root's keys).
   */
  build(
    keyFor: KeyLookup,
    options: { signSnapshot: boolean; extraRootSigners?: MetadataSigner[]; expires?: (role: string) => GoTime | undefined },
  ): BuiltRepository {
    const files = new Map<string, Buffer>();
    const envelopes = new Map<string, Envelope<Root | Targets | Snapshot>>();
    const previousVersion = (role: string): number =>
      (role === 'root'
        ? this.#state.root
        : role === 'snapshot'
          ? this.#state.snapshot
          : role === 'targets'
            ? this.#state.targets
            : this.#state.delegations.get(role))?.signed.version ?? 0;

    const sign = <M extends Root | Targets | Snapshot>(role: string, model: M, extra: MetadataSigner[] = []): void => {
      model.setVersion(previousVersion(role) + 1).setExpires(options.expires?.(role) ?? defaultExpires(role, this.#now));
      const { keys, threshold } = this.signingKeys(role);
      const signers = [...this.#signersFor(keys, keyFor), ...extra];
      const envelope = Envelope.sign(model, signers);
      const count = countValidSignatures(envelope.signedCanonicalBytes(), envelope.signatures, { keyids: keys.map((k) => k.id), threshold }, new Map(keys.map((k) => [k.id, k])));
      if (!count.met) {
        throw new SigningError(
          `cannot sign ${role}: it needs ${threshold} of the keys ${keys.map((k) => shortKeyId(k.canonicalId)).join(', ')}; this host holds ${count.validKeyIds.length}`,
        );
      }
      files.set(role, envelope.raw);
      envelopes.set(role, envelope as unknown as Envelope<Root | Targets | Snapshot>);
    };

    if (this.#root) sign('root', this.#root, options.extraRootSigners);
    for (const role of [...this.#targets.keys()].sort(byDepth)) sign(role, this.#targets.get(role)!);

    if (options.signSnapshot) {
      const snapshot = this.#state.snapshot?.signed.clone() ?? Snapshot.fromRoles({}, defaultExpires('snapshot', this.#now));
      for (const [role, bytes] of files) snapshot.setRoleFile(role, bytes);
      if (!snapshot.metaFor('root') && this.#state.root) snapshot.setRoleFile('root', this.#state.root.raw);
      if (!snapshot.metaFor('targets') && this.#state.targets) snapshot.setRoleFile('targets', this.#state.targets.raw);
      for (const role of this.#deleted) snapshot.deleteMeta(role);
      sign('snapshot', snapshot);
    }
    return { files, envelopes, deleted: [...this.#deleted] };
  }

  #signersFor(keys: readonly PublicKey[], keyFor: KeyLookup): MetadataSigner[] {
    const signers: MetadataSigner[] = [];
    for (const key of keys) {
      const privateKey = keyFor(key.canonicalId);
      // The metadata lists x509 root keys by the certificate's ID: sign under that ID.
      if (privateKey) signers.push(signerFromPrivateKey(privateKey, key.id));
    }
    return signers;
  }
}

/** Parents before children (`targets`, `targets/a`, `targets/a/b`), then by name. */
function byDepth(a: string, b: string): number {
  return a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0);
}
