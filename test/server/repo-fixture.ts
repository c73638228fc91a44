// Builds a notary repository's metadata the way the notary CLI does (root certificate, ECDSA targets
// and snapshot keys, Go-identical bytes), so server tests can publish valid and invalid updates.
import { X509Certificate } from 'node:crypto';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { certificateToKey } from '../../src/tuf/certs.js';
import { defaultExpires } from '../../src/tuf/expiry.js';
import type { PublicKey } from '../../src/tuf/key.js';
import { Envelope, signerFromPrivateKey } from '../../src/tuf/metadata/envelope.js';
import { FileMeta } from '../../src/tuf/metadata/filemeta.js';
import { Root } from '../../src/tuf/metadata/root.js';
import { Snapshot } from '../../src/tuf/metadata/snapshot.js';
import { Targets } from '../../src/tuf/metadata/targets.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';

export interface RootSigningKey {
  privateKey: PrivateKey;
  /** The certificate key root.json lists. */
  certKey: PublicKey;
}

export async function newRootKey(gun: string): Promise<RootSigningKey> {
  const privateKey = await generatePrivateKey('ecdsa');
  const certKey = certificateToKey(new X509Certificate(await createRootCertificate(privateKey, gun)));
  return { privateKey, certKey };
}

/** A client's view of one repository: its keys and the current models of each role. */
export class TestRepo {
  root!: Root;
  targets!: Targets;
  readonly delegations = new Map<string, Targets>();
  snapshotVersion = 0;
  /** Extra private keys by delegation name. */
  readonly delegationKeys = new Map<string, PrivateKey>();

  private constructor(
    readonly gun: string,
    public rootKey: RootSigningKey,
    readonly targetsKey: PrivateKey,
    readonly snapshotKey: PrivateKey,
  ) {}

  /**
   * A new repository whose root lists `timestampKey` (from the server) and, unless `serverSnapshotKey`
   * is given, a client-held snapshot key. Nothing is published.
   */
  static async create(gun: string, timestampKey: PublicKey, serverSnapshotKey?: PublicKey): Promise<TestRepo> {
    const repo = new TestRepo(gun, await newRootKey(gun), await generatePrivateKey('ecdsa'), await generatePrivateKey('ecdsa'));
    repo.root = Root.create({
      expires: defaultExpires('root'),
      keys: {
        root: [repo.rootKey.certKey],
        targets: [repo.targetsKey.publicKey],
        snapshot: [serverSnapshotKey ?? repo.snapshotKey.publicKey],
        timestamp: [timestampKey],
      },
    });
    repo.targets = Targets.empty(defaultExpires('targets'), 'targets');
    return repo;
  }

  signRoot(extraSigners: RootSigningKey[] = []): Buffer {
    const signers = [this.rootKey, ...extraSigners].map((k) => signerFromPrivateKey(k.privateKey, k.certKey.id));
    return Envelope.sign(this.root, signers).raw;
  }

  signTargets(): Buffer {
    return Envelope.sign(this.targets, [signerFromPrivateKey(this.targetsKey)]).raw;
  }

  signDelegation(name: string, key = this.delegationKeys.get(name)): Buffer {
    const model = this.delegations.get(name);
    if (!model || !key) throw new Error(`no delegation ${name}`);
    return Envelope.sign(model, [signerFromPrivateKey(key)]).raw;
  }

  /** A snapshot over exactly these files, signed by the client's snapshot key. */
  signSnapshot(files: Record<string, Uint8Array>, key = this.snapshotKey, expires = defaultExpires('snapshot')): Buffer {
    this.snapshotVersion += 1;
    return Envelope.sign(Snapshot.fromRoles(files, expires, this.snapshotVersion), [signerFromPrivateKey(key)]).raw;
  }

  addTarget(name: string, content = name, role = 'targets'): void {
    const model = role === 'targets' ? this.targets : this.delegations.get(role)!;
    model.addTarget(name, FileMeta.fromBytes(Buffer.from(content)));
  }

  /** Declares `name` in its parent with a new key and `paths`, and starts an empty file for it. */
  async addDelegation(name: string, paths: string[] = ['']): Promise<PrivateKey> {
    const key = await generatePrivateKey('ecdsa');
    const parentName = name.slice(0, name.lastIndexOf('/'));
    const parent = parentName === 'targets' ? this.targets : this.delegations.get(parentName)!;
    parent.updateDelegation(name, { addKeys: [key.publicKey], threshold: 1, addPaths: paths });
    this.delegationKeys.set(name, key);
    this.delegations.set(name, Targets.empty(defaultExpires('targets'), name));
    return key;
  }

  /** The first publish as the notary CLI sends it: root v1, targets v2, snapshot v2. */
  firstPublish(): { role: string; data: Buffer }[] {
    this.targets.setVersion(2);
    this.snapshotVersion = 1;
    const root = this.signRoot();
    const targets = this.signTargets();
    return [
      { role: 'root', data: root },
      { role: 'targets', data: targets },
      { role: 'snapshot', data: this.signSnapshot({ root, targets }) },
    ];
  }

  bump(model: Root | Targets, role = 'root'): void {
    model.bumpVersion(defaultExpires(role === 'root' ? 'root' : 'targets'));
  }
}

export const past = (days: number) => GoTime.now().plusDays(-days);
