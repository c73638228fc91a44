// `init REPO`: a new signed repository, laid out as `docker trust signer add` makes one, so docker
// and notary work with it unchanged:
//   root     this host's root key (reused across repositories), as a self-signed certificate (CN = GUN)
//   targets  a new key for this repository
//   snapshot, timestamp  held by the server
//   targets/releases and targets/<user>  delegated to this host's signing key, all paths
import { loadRegistryCredentials } from '../registry/credentials.js';
import type { ImageReference } from '../registry/reference.js';
import { dockerConfigDir } from '../config/paths.js';
import { requireWritableDir } from '../config/writable.js';
import { generatePrivateKey } from '../keys/index.js';
import { createRootCertificate } from '../tuf/certificate-create.js';
import { ALL_PATHS } from '../tuf/delegation.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { defaultExpires } from '../tuf/expiry.js';
import { PublicKey } from '../tuf/key.js';
import { Root } from '../tuf/metadata/index.js';
import type { PrivateKey } from '../tuf/private-key.js';
import { GoTime } from '../tuf/time.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { dropKeyUnlessSaved, UploadTracker } from './upload-tracker.js';
import { InputError } from './errors.js';
import { checkKeyName } from './keys.js';
import { publish, uniformExpiry } from './publish.js';
import { openRepository, type OpenedRepository } from './repository.js';

export interface InitResult {
  gun: string;
  server: string;
  rootKeyId: string;
  /** The root key's ID in this repository's root.json: its certificate's, what `inspect` and docker show. */
  rootCertificateKeyId: string;
  targetsKeyId: string;
  signer: string;
  signerKeyId: string;
  published: string[];
}

/** This host's root key: the one recorded in settings, else one found in the keystore, else a new one. */
export async function hostRootKey(ctx: TrustContext): Promise<PrivateKey> {
  const recorded = ctx.settings.data.rootKeyId;
  const candidates = (await ctx.keys.list()).filter((k) => k.role === 'root' && !k.problem);
  const chosen = candidates.find((k) => k.id === recorded) ?? candidates[0];
  if (chosen) {
    if (chosen.id !== recorded) await ctx.settings.update((s) => void (s.rootKeyId = chosen.id));
    return ctx.keys.unlock(chosen.id, ctx.passphrases);
  }
  const key = await generatePrivateKey('ecdsa');
  const passphrase = await ctx.passphrases.get({ keyId: key.id, role: 'root', purpose: 'new', attempt: 0 });
  await ctx.keys.store(key, { role: 'root' }, passphrase);
  await ctx.settings.update((s) => {
    s.rootKeyId = key.id;
    s.keyTypes[key.id] = key.algorithm;
  });
  return key;
}

/** docker names the first signer after the registry login; a valid signer name, else `owner`. */
export async function defaultSignerName(ctx: TrustContext, reference: ImageReference): Promise<string> {
  const env = ctx.env as NodeJS.ProcessEnv;
  const credentials = await loadRegistryCredentials(reference.registryHost, { dockerConfigDir: dockerConfigDir(env), env }).catch(() => undefined);
  const name = (credentials?.username ?? '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return name && name !== 'releases' ? name : 'owner';
}

/** A key of this host for signer `name`: an existing key with that role, else a new one. */
async function signerKey(ctx: TrustContext, name: string): Promise<PrivateKey> {
  const existing = (await ctx.keys.list()).find((k) => k.role === name && !k.problem);
  if (existing) return ctx.keys.unlock(existing.id, ctx.passphrases);
  const key = await generatePrivateKey('ecdsa');
  const passphrase = await ctx.passphrases.get({ keyId: key.id, role: name, purpose: 'new', attempt: 0 });
  await ctx.keys.store(key, { role: name }, passphrase);
  await ctx.settings.update((s) => void (s.keyTypes[key.id] = key.algorithm));
  return key;
}

export async function initRepository(
  ctx: TrustContext,
  input: string | ImageReference | OpenedRepository,
  options: ServerOptions & { signer?: string; lifetimeMs?: number } = {},
): Promise<InitResult> {
  await requireWritableDir(ctx.trustDir);
  const repo =
    typeof input === 'object' && 'client' in input ? input : await openRepository(ctx, input, { ...options, allowMissing: true, toPublish: true });
  if (repo.state) {
    throw new InputError(`${repo.gun} is already initialised on ${repo.endpoint.url}`, {
      hint: { cli: `to add tags to it, sign them: trust-tui sign ${repo.gun}:TAG`, ui: 'to add tags to it, sign them on the Tags screen (2)' },
    });
  }
  const signer = options.signer ?? (await defaultSignerName(ctx, repo.reference));
  checkKeyName(signer, 'signer name');
  if (signer === 'releases') throw new InputError('releases is a reserved keyword', { hint: 'use a different signer name' });

  const [timestampKey, snapshotKey] = [
    await repo.client.getServerKey(repo.gun, 'timestamp'),
    await repo.client.getServerKey(repo.gun, 'snapshot'),
  ];
  const rootKey = await hostRootKey(ctx);
  const certificate = await createRootCertificate(rootKey, repo.gun);
  const rootPublic = new PublicKey('ecdsa-x509', Buffer.from(certificate).toString('base64'));
  const targetsKey = await generatePrivateKey('ecdsa');
  const delegationKey = await signerKey(ctx, signer);

  const now = GoTime.now();
  const editor = RepositoryEditor.create(
    Root.create({
      expires: defaultExpires('root', now),
      keys: { root: [rootPublic], targets: [targetsKey.publicKey], snapshot: [snapshotKey], timestamp: [timestampKey] },
    }),
    now,
  );
  const targets = editor.targets('targets');
  for (const role of ['targets/releases', `targets/${signer}`]) {
    targets.updateDelegation(role, { addKeys: [delegationKey.publicKey], threshold: 1, addPaths: ALL_PATHS });
  }
  const held = new Map([rootKey, targetsKey].map((k) => [k.id, k]));
  // Every passphrase is asked before anything is uploaded. The repository's targets key is stored
  // before the upload, as notary does (an answer lost after the server saved the repository must not
  // lose its key), and removed when the server refused the repository.
  const passphrase = await ctx.passphrases.get({ keyId: targetsKey.id, role: 'targets', gun: repo.gun, purpose: 'new', attempt: 0 });
  await ctx.settings.update((s) => void (s.keyTypes[targetsKey.id] = targetsKey.algorithm));
  await ctx.keys.store(targetsKey, { role: 'targets', gun: repo.gun }, passphrase);
  const tracker = new UploadTracker();
  let result: Awaited<ReturnType<typeof publish>>;
  try {
    result = await publish(ctx, repo, editor, { ...uniformExpiry(options.lifetimeMs), extraKeys: (id) => held.get(id), tracker });
  } catch (e) {
    await dropKeyUnlessSaved(ctx, tracker, e, targetsKey.id, 'repository', repo.gun);
    throw e;
  }
  return {
    gun: repo.gun,
    server: repo.endpoint.url,
    rootKeyId: rootKey.id,
    rootCertificateKeyId: rootPublic.id,
    targetsKeyId: targetsKey.id,
    signer,
    signerKeyId: delegationKey.id,
    published: result.published,
  };
}
