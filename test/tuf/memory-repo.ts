/**
 * A notary-shaped repository built in memory with the metadata models and fresh keys, for tests of
 * the trusted set, the repository view and the updater. Files are signed and serialised exactly as
 * trust-tui would publish them; `publish()` re-signs what changed, like a notary publish.
 */
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { certificateToKey } from '../../src/tuf/certs.js';
import type { PublicKey } from '../../src/tuf/key.js';
import { Envelope, FileMeta, Root, Snapshot, Targets, Timestamp, signerFromPrivateKey } from '../../src/tuf/metadata/index.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';

export const DAY_MS = 86_400_000;

export function newEcdsaKey(): PrivateKey {
  return PrivateKey.fromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

export function newEd25519Key(): PrivateKey {
  return PrivateKey.fromKeyObject(generateKeyPairSync('ed25519').privateKey);
}

export interface RootSigningKey {
  privateKey: PrivateKey;
  /** The ecdsa-x509 key root.json lists. */
  certKey: PublicKey;
}

/** `certificate`: the certificate's notBefore and lifetime (default: from `now`, 10 years). */
export async function newRootKey(gun: string, now = new Date(), certificate: { from?: Date; years?: number } = {}): Promise<RootSigningKey> {
  const privateKey = newEcdsaKey();
  const pem = await createRootCertificate(privateKey, gun, certificate.from ?? now, certificate.years);
  return { privateKey, certKey: certificateToKey(new X509Certificate(pem)) };
}

/** A target entry for a fake image digest. */
export function imageMeta(seed: string, length = 1234): FileMeta {
  return FileMeta.fromDigests({ length, sha256: createHash('sha256').update(`manifest of ${seed}`).digest('hex') });
}

interface DelegationState {
  targets: Targets;
  signers: PrivateKey[];
}

export class MemoryRepo {
  /** Current published bytes by role. */
  readonly files = new Map<string, Buffer>();
  /** Every root version ever published (`<v>.root.json`). */
  readonly rootVersions = new Map<number, Buffer>();
  readonly delegations = new Map<string, DelegationState>();
  root!: Root;
  targets!: Targets;
  snapshotVersion = 0;
  timestampVersion = 0;
  /** Root keys that sign the next root (old and new during a rotation). */
  rootSigners: RootSigningKey[];

  private constructor(
    readonly gun: string,
    public now: Date,
    rootKey: RootSigningKey,
    public targetsKey: PrivateKey,
    public snapshotKey: PrivateKey,
    public timestampKey: PrivateKey,
  ) {
    this.rootSigners = [rootKey];
  }

  static async create(gun = 'example.com/app', now = new Date(), certificate: { from?: Date; years?: number } = {}): Promise<MemoryRepo> {
    const repo = new MemoryRepo(gun, now, await newRootKey(gun, now, certificate), newEcdsaKey(), newEcdsaKey(), newEd25519Key());
    repo.root = Root.create({
      expires: repo.expiresIn(3650),
      keys: {
        root: [repo.rootSigners[0]!.certKey],
        targets: [repo.targetsKey.publicKey],
        snapshot: [repo.snapshotKey.publicKey],
        timestamp: [repo.timestampKey.publicKey],
      },
    });
    repo.targets = Targets.empty(repo.expiresIn(1095));
    repo.signRoot();
    repo.publish(['targets']);
    return repo;
  }

  expiresIn(days: number): GoTime {
    return GoTime.fromEpochMs(this.now.getTime() + days * DAY_MS);
  }

  /** Signs the current root model with every key in rootSigners and records the version. */
  signRoot(): Buffer {
    const signers = this.rootSigners.map((k) => signerFromPrivateKey(k.privateKey, k.certKey.id));
    const bytes = Envelope.sign(this.root.clone(), signers).raw;
    this.files.set('root', bytes);
    this.rootVersions.set(this.root.version, bytes);
    return bytes;
  }

  /** Next root version with a new root key, signed by the old and the new key (notary's rotation). */
  async rotateRootKey(): Promise<RootSigningKey> {
    const next = await newRootKey(this.gun, this.now);
    this.root = this.root.clone().bumpVersion(this.expiresIn(3650));
    this.root.replaceRoleKeys('root', [next.certKey]);
    this.rootSigners = [this.rootSigners.at(-1)!, next];
    this.signRoot();
    this.rootSigners = [next];
    return next;
  }

  /** Adds (or replaces) a delegation declared in its parent, signed by `signers` with `threshold`. */
  addDelegation(name: string, signers: PrivateKey[], options: { paths?: string[]; threshold?: number; keys?: PublicKey[] } = {}): void {
    const parentName = name.slice(0, name.lastIndexOf('/'));
    const parent = parentName === 'targets' ? this.targets : this.delegations.get(parentName)!.targets;
    parent.updateDelegation(name, {
      addKeys: options.keys ?? signers.map((k) => k.publicKey),
      threshold: options.threshold ?? 1,
      addPaths: options.paths ?? [''],
    });
    if (!this.delegations.has(name)) this.delegations.set(name, { targets: Targets.empty(this.expiresIn(1095), name), signers });
    else this.delegations.get(name)!.signers = signers;
  }

  addTarget(role: string, tag: string, meta: FileMeta = imageMeta(tag)): void {
    const targets = role === 'targets' ? this.targets : this.delegations.get(role)!.targets;
    targets.addTarget(tag, meta);
  }

  /** Re-signs the given targets roles (version + 1), then a new snapshot and timestamp. */
  publish(roles: string[], options: { expiresDays?: Partial<Record<string, number>> } = {}): void {
    for (const role of roles) {
      const days = options.expiresDays?.[role] ?? 1095;
      if (role === 'targets') {
        this.targets = this.targets.clone();
        if (this.files.has('targets')) this.targets.bumpVersion(this.expiresIn(days));
        else this.targets.setExpires(this.expiresIn(days));
        this.files.set('targets', Envelope.sign(this.targets, [signerFromPrivateKey(this.targetsKey)]).raw);
      } else {
        const d = this.delegations.get(role)!;
        d.targets = d.targets.clone();
        if (this.files.has(role)) d.targets.bumpVersion(this.expiresIn(days));
        else d.targets.setExpires(this.expiresIn(days));
        this.files.set(role, Envelope.sign(d.targets, d.signers.map((k) => signerFromPrivateKey(k))).raw);
      }
    }
    this.signSnapshotAndTimestamp(options.expiresDays);
  }

  signSnapshotAndTimestamp(expiresDays: Partial<Record<string, number>> = {}): void {
    const listed = new Map([...this.files].filter(([role]) => role !== 'snapshot' && role !== 'timestamp'));
    this.snapshotVersion += 1;
    const snapshot = Snapshot.fromRoles(listed, this.expiresIn(expiresDays.snapshot ?? 1095), this.snapshotVersion);
    const snapshotBytes = Envelope.sign(snapshot, [signerFromPrivateKey(this.snapshotKey)]).raw;
    this.files.set('snapshot', snapshotBytes);
    this.signTimestamp(expiresDays.timestamp ?? 14);
  }

  signTimestamp(days = 14): void {
    this.timestampVersion += 1;
    const timestamp = Timestamp.fromSnapshot(this.files.get('snapshot')!, this.expiresIn(days), this.timestampVersion);
    this.files.set('timestamp', Envelope.sign(timestamp, [signerFromPrivateKey(this.timestampKey)]).raw);
  }

  file(role: string): Buffer {
    const bytes = this.files.get(role);
    if (!bytes) throw new Error(`no ${role} in the memory repo`);
    return bytes;
  }
}
