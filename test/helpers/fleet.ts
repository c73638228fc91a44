// Many small repositories for the fleet benchmark (bench/sweep-bench.ts) and the bulk-command tests,
// made in-process through trust-tui's own publish path (src/trust), not through the CLI: one publish
// per repository, laid out as `init` lays one out (this host's root key, a new targets key,
// server-held snapshot and timestamp), with two signers, `owner` (held here) and a second key (only
// its public half), both in targets/releases, and one tag `v1` signed in targets/releases. Each
// repository is cached locally, so the sweep knows it.
import { Settings } from '../../src/config/settings.js';
import { generatePrivateKey, KeyStore } from '../../src/keys/index.js';
import { Deadline } from '../../src/net/deadline.js';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { ALL_PATHS } from '../../src/tuf/delegation.js';
import { RepositoryEditor } from '../../src/tuf/editor.js';
import { defaultExpires } from '../../src/tuf/expiry.js';
import { PublicKey } from '../../src/tuf/key.js';
import { FileMeta } from '../../src/tuf/metadata/filemeta.js';
import { Root } from '../../src/tuf/metadata/index.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';
import type { TrustContext } from '../../src/trust/context.js';
import { publish } from '../../src/trust/publish.js';
import { mapLimited } from '../../src/trust/repositories.js';
import { openRepository } from '../../src/trust/repository.js';

export const PASSPHRASE = 'fleet-passphrase-123';

/** The environment the CLI under test needs to open the keys made here. */
export const PASSPHRASE_ENV = {
  DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: PASSPHRASE,
  DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: PASSPHRASE,
  NOTARY_DELEGATION_PASSPHRASE: PASSPHRASE,
};

export function fleetContext(trustDir: string, configDir: string): TrustContext {
  return {
    trustDir,
    keys: new KeyStore(trustDir),
    settings: new Settings(configDir),
    passphrases: { get: async () => PASSPHRASE },
    confirm: async () => true,
    warn: (m) => process.stderr.write(`WARNING: ${m}\n`),
    debug: () => {},
    env: { ...process.env, TRUST_TUI_ALLOW_HTTP_LOOPBACK: '1' },
    // Set-up of many repositories takes longer than one command's default budget.
    deadline: new Deadline(3_600_000),
  };
}

export interface FleetKeys {
  root: PrivateKey;
  owner: PrivateKey;
  /** The key the sweep removes: a signer's, this host holds only its public half. */
  compromised: PublicKey;
}

/** This host's root and `owner` keys (stored), and the public half of the compromised key. */
export async function fleetKeys(ctx: TrustContext): Promise<FleetKeys> {
  const root = await generatePrivateKey('ecdsa');
  await ctx.keys.store(root, { role: 'root' }, PASSPHRASE);
  const owner = await generatePrivateKey('ecdsa');
  await ctx.keys.store(owner, { role: 'owner' }, PASSPHRASE);
  await ctx.settings.update((s) => void (s.rootKeyId = root.id));
  const compromised = (await generatePrivateKey('ecdsa')).publicKey;
  return { root, owner, compromised };
}

async function makeRepository(ctx: TrustContext, gun: string, keys: FleetKeys): Promise<void> {
  const repo = await openRepository(ctx, gun, { allowMissing: true, toPublish: true });
  if (repo.state) throw new Error(`${gun} exists already`);
  const timestampKey = await repo.client.getServerKey(gun, 'timestamp');
  const snapshotKey = await repo.client.getServerKey(gun, 'snapshot');
  const certificate = await createRootCertificate(keys.root, gun);
  const rootPublic = new PublicKey('ecdsa-x509', Buffer.from(certificate).toString('base64'));
  const targetsKey = await generatePrivateKey('ecdsa');
  const now = GoTime.now();
  const editor = RepositoryEditor.create(
    Root.create({
      expires: defaultExpires('root', now),
      keys: { root: [rootPublic], targets: [targetsKey.publicKey], snapshot: [snapshotKey], timestamp: [timestampKey] },
    }),
    now,
  );
  const targets = editor.targets('targets');
  targets.updateDelegation('targets/releases', { addKeys: [keys.owner.publicKey, keys.compromised], threshold: 1, addPaths: ALL_PATHS });
  targets.updateDelegation('targets/owner', { addKeys: [keys.owner.publicKey], threshold: 1, addPaths: ALL_PATHS });
  targets.updateDelegation('targets/mallory', { addKeys: [keys.compromised], threshold: 1, addPaths: ALL_PATHS });
  editor.targets('targets/releases').addTarget('v1', FileMeta.fromBytes(Buffer.from(`manifest of ${gun}:v1`)));
  const held = new Map([keys.root, targetsKey].map((k) => [k.id, k]));
  await publish(ctx, repo, editor, { extraKeys: (id) => held.get(id) });
  await ctx.keys.store(targetsKey, { role: 'targets', gun }, PASSPHRASE);
}

/** Makes `count` repositories `<prefix>/app-NNNN`, `concurrency` at a time; returns their names. */
export async function makeFleet(ctx: TrustContext, prefix: string, count: number, keys: FleetKeys, concurrency = 8): Promise<string[]> {
  const guns = Array.from({ length: count }, (_, i) => `${prefix}/app-${String(i).padStart(4, '0')}`);
  await mapLimited(guns, concurrency, (gun) => makeRepository(ctx, gun, keys));
  return guns;
}
