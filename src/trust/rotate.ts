// `key rotate ROLE REPO... [--to PUB]`: replace the key of a base role, as `notary key rotate` does
// (notary cmd/notary/keys.go, client/client.go RotateKey). Every rotation publishes root version + 1 listing the new key:
//   root       a new ECDSA key wrapped in a self-signed certificate (CN = GUN). Root v+1 is signed by
//              the old root keys (the server and every client accept a new root only when a threshold
//              of the previously trusted root signed it, TUF specification 5.3.4) and by the new one (its own
//              threshold). The old certificate stays in `keys`, as notary keeps it. Asks first; defaults to no.
//   targets    a new local key (or `--to` a public key whose private half this host holds); targets
//              is re-signed with it in the same update, so the repository never fails to verify.
//   snapshot, timestamp  a new key made by the server (POST <role>.key); a local snapshot key is
//              deleted afterwards, as notary does, since the server signs snapshots from then on.
import { requireWritableDir } from '../config/writable.js';
import { MAX_PEM_BYTES, readUserText } from '../config/user-files.js';
import { generatePrivateKey } from '../keys/index.js';
import { UpdateRejectedError } from '../notary/http-errors.js';
import { HintedError } from '../tuf/errors.js';
import { parseReference } from '../registry/reference.js';
import { createRootCertificate } from '../tuf/certificate-create.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { PublicKey } from '../tuf/key.js';
import { signerFromPrivateKey, type MetadataSigner } from '../tuf/metadata/index.js';
import type { PrivateKey } from '../tuf/private-key.js';
import { GoTime } from '../tuf/time.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { dropKeyUnlessSaved, UploadTracker } from './upload-tracker.js';
import { publicKeyFromPem } from './signer-keys.js';
import { CancelledError, InputError, TrustError } from './errors.js';
import { editableState, heldKeyIds, publish } from './publish.js';
import { openRepository, type OpenedRepository } from './repository.js';
import { shortKeyId } from '../tuf/short-key-id.js';

export const ROTATABLE_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RotatableRole = (typeof ROTATABLE_ROLES)[number];

export interface RotateOptions extends ServerOptions {
  /** `--to FILE`: rotate targets to this public key or certificate (its private key must be held). */
  to?: string;
  /** Skip the root rotation confirmation. */
  yes?: boolean;
}

export interface RotatedRepository {
  gun: string;
  /** Canonical IDs of the keys the role had before. */
  oldKeyIds: string[];
  /** Canonical ID of the key the role has now. */
  newKeyId: string;
  /** Root version now published. */
  rootVersion: number;
  published: string[];
  /** Local private keys deleted because the server now holds the role (snapshot). */
  deletedKeyIds: string[];
}

export interface RotateResult {
  role: RotatableRole;
  /** Where the new key lives: this host's keystore or the trust server. */
  keyHeldBy: 'local' | 'server';
  repositories: RotatedRepository[];
}

function checkRole(role: string): RotatableRole {
  if ((ROTATABLE_ROLES as readonly string[]).includes(role)) return role as RotatableRole;
  if (role.startsWith('targets/')) {
    throw new InputError(`${role} is a signer role, whose keys are not rotated`, {
      hint: { cli: 'change its keys with `trust-tui signer add-key` and `signer remove-key`', ui: 'change its keys on the Signers screen (3)' },
    });
  }
  throw new InputError(`cannot rotate a key of role "${role}"`, { hint: `rotate one of ${ROTATABLE_ROLES.join(', ')}` });
}

/** A `PUBLIC KEY` PEM (as `key generate` writes) or a certificate as the TUF key metadata lists. */
export async function publicKeyFromFile(file: string): Promise<PublicKey> {
  const text = await readUserText(file, 'public key file', { maxBytes: MAX_PEM_BYTES });
  return publicKeyFromPem(text, file);
}

/** Signers for the root keys this host holds of the trusted root (the previous root, on rotation). */
export async function heldRootSigners(ctx: TrustContext, repo: OpenedRepository): Promise<MetadataSigner[]> {
  const root = repo.state!.trusted.root.signed;
  const signers: MetadataSigner[] = [];
  for (const key of root.roleKeys('root')) {
    if (!(await ctx.keys.has(key.canonicalId))) continue;
    // Listed under the certificate's ID, the ID root.json names.
    signers.push(signerFromPrivateKey(await ctx.keys.unlock(key.canonicalId, ctx.passphrases), key.id));
  }
  return signers;
}

/** Whether any root certificate of the trusted root is within its validity period. */
function hasValidRootCertificate(repo: OpenedRepository): boolean {
  return repo.state!.view.rootCertificates().some((c) => c.state === 'valid' || c.state === 'expires-soon');
}

/**
 * A new root the server refused, explained when the cause is the stored root's certificate: notary-server
 * loads the stored root with its certificate checks before it looks at the upload (notary
 * server/handlers/validation.go validateUpdate), so no update of such a repository can pass.
 */
export function explainRootRefusal(repo: OpenedRepository, e: unknown, what = 'the new root'): unknown {
  if (!(e instanceof UpdateRejectedError) || hasValidRootCertificate(repo)) return e;
  return new TrustError(
    `the server refused ${what} of ${repo.gun} (${e.reason}): notary-server refuses every update of a repository ` +
      'whose root certificate is no longer valid',
    { hint: { cli: `delete it there (\`trust-tui revoke ${repo.gun}\`) and sign it anew`, ui: 'delete the repository on the server and sign it anew' }, cause: e },
  );
}

/** Every rotation re-signs root: refuse early, before any key is made, if this host cannot. */
async function requireRootKeys(ctx: TrustContext, repo: OpenedRepository): Promise<void> {
  if (repo.state!.offline) throw new InputError(`cannot rotate keys of ${repo.gun} while its trust server is unreachable`);
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const threshold = editor.currentRoot.role('root').threshold;
  const held = (await heldKeyIds(ctx, editor, 'root')).length;
  if (held < threshold) {
    throw new InputError(`this host holds ${held} of the ${threshold} root key(s) of ${repo.gun} needed to sign a new root`, {
      hint: 'rotate it on the host that holds its root key',
    });
  }
}

/** The new key for a locally held role, stored before anything is published (losing it would lock the role). */
interface LocalKey {
  key?: PrivateKey;
  publicKey: PublicKey;
  /** Created by this command (removed again if nothing was published with it). */
  created: boolean;
}

async function newStoredKey(ctx: TrustContext, role: 'root' | 'targets', gun?: string): Promise<LocalKey> {
  const key = await generatePrivateKey('ecdsa');
  const passphrase = await ctx.passphrases.get({ keyId: key.id, role, ...(gun ? { gun } : {}), purpose: 'new', attempt: 0 });
  await ctx.keys.store(key, { role, ...(gun ? { gun } : {}) }, passphrase);
  await ctx.settings.update((s) => void (s.keyTypes[key.id] = key.algorithm));
  return { key, publicKey: key.publicKey, created: true };
}

async function targetsKeyFrom(ctx: TrustContext, file: string): Promise<LocalKey> {
  const publicKey = await publicKeyFromFile(file);
  if (!(await ctx.keys.has(publicKey.canonicalId))) {
    throw new InputError(
      `this host does not hold the private key of ${shortKeyId(publicKey.canonicalId)} from ${file}, ` +
        'and targets must be re-signed with the new key in the same update',
      { hint: { cli: 'load it first with `trust-tui key load`', ui: 'import it first on the Keys screen (4)' } },
    );
  }
  return { publicKey, created: false };
}

async function rotateOne(ctx: TrustContext, repo: OpenedRepository, role: RotatableRole, local: LocalKey | undefined, tracker: UploadTracker): Promise<RotatedRepository> {
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const root = editor.root();
  const oldKeys = root.roleKeys(role);
  const extraKeys = (id: string) => (local?.key && id === local.key.id ? local.key : undefined);
  let extraRootSigners: MetadataSigner[] | undefined;
  let newKey: PublicKey;
  switch (role) {
    case 'root': {
      const certificate = await createRootCertificate(local!.key!, repo.gun);
      newKey = new PublicKey('ecdsa-x509', Buffer.from(certificate).toString('base64'));
      extraRootSigners = await heldRootSigners(ctx, repo);
      break;
    }
    case 'targets':
      newKey = local!.publicKey;
      editor.targets('targets'); // re-signed (version + 1) with the new key in the same upload
      break;
    case 'snapshot':
    case 'timestamp':
      newKey = await repo.client.rotateServerKey(repo.gun, role);
      break;
  }
  // notary's rotation leaves one key with threshold 1; for root the old certificate stays in `keys`.
  root.replaceRoleKeys(role, [newKey], 1);
  let result: Awaited<ReturnType<typeof publish>>;
  try {
    result = await publish(ctx, repo, editor, { extraKeys, tracker, ...(extraRootSigners ? { extraRootSigners } : {}) });
  } catch (e) {
    throw role === 'root' ? explainRootRefusal(repo, e) : e;
  }

  const deletedKeyIds: string[] = [];
  if (role === 'snapshot') {
    for (const old of oldKeys) {
      const stored = await ctx.keys.get(old.canonicalId);
      if (stored && (stored.gun === undefined || stored.gun === repo.gun)) {
        await ctx.keys.remove(old.canonicalId);
        deletedKeyIds.push(old.canonicalId);
      }
    }
  }
  return {
    gun: repo.gun,
    oldKeyIds: oldKeys.map((k) => k.canonicalId),
    newKeyId: newKey.canonicalId,
    rootVersion: result.state.trusted.root.signed.version,
    published: result.published,
    deletedKeyIds,
  };
}

/**
 * Rotates `role` of every repository in turn. Root gets one new key for all of them, which becomes
 * this host's root key for new repositories; the old root key file is kept, since repositories not
 * named here still use it. A failure stops at that repository; those before it stay rotated.
 */
export async function rotateKey(ctx: TrustContext, roleName: string, repositories: readonly string[], options: RotateOptions = {}): Promise<RotateResult> {
  const role = checkRole(roleName);
  if (repositories.length === 0) throw new InputError('name at least one repository');
  await requireWritableDir(ctx.trustDir);
  if (options.to !== undefined && role !== 'targets') {
    throw new InputError(
      role === 'root'
        ? '--to applies to targets: a new root key is made here, with a certificate for each repository'
        : `the ${role} key is made by the trust server: --to applies to targets only`,
    );
  }
  const repos: OpenedRepository[] = [];
  for (const input of repositories) {
    const reference = parseReference(input);
    if (reference.tag || reference.digest) throw new InputError(`${input} names an image, not a repository`, { hint: 'give the repository alone' });
    // A new root key is also the repair for a root whose certificate expired: read it anyway.
    const repo = await openRepository(ctx, reference, { ...options, replacingRootKey: role === 'root', toPublish: true });
    await requireRootKeys(ctx, repo);
    repos.push(repo);
  }

  if (role === 'root' && !options.yes) {
    const names = repos.map((r) => r.gun).join(', ');
    const question =
      `Rotate the root key of ${names}? Clients follow the new root, which the old root key signs once more; ` +
      'the old key can no longer change these repositories. Type y to confirm';
    if (!(await ctx.confirm(question))) throw new CancelledError(`root key rotation of ${names} cancelled: nothing was changed`);
  }

  const shared = role === 'root' ? await newStoredKey(ctx, 'root') : role === 'targets' && options.to ? await targetsKeyFrom(ctx, options.to) : undefined;
  const rotated: RotatedRepository[] = [];
  for (const repo of repos) {
    const local = role === 'targets' && !shared ? await newStoredKey(ctx, 'targets', repo.gun) : shared;
    const tracker = new UploadTracker();
    try {
      rotated.push(await rotateOne(ctx, repo, role, local, tracker));
    } catch (e) {
      // A key nothing was published with is useless; one that a repository may now list must stay.
      if (local?.created && (local !== shared || rotated.length === 0)) await dropKeyUnlessSaved(ctx, tracker, e, local.key!.id, role, repo.gun);
      if (rotated.length === 0) throw e;
      throw new TrustError(`${role} key of ${rotated.map((r) => r.gun).join(', ')} rotated, but not of ${repo.gun}: ${(e as Error).message}`, {
        ...(e instanceof HintedError && e.hint ? { hint: e.hint } : {}),
      });
    }
    // New repositories get the new root key from now on (init's hostRootKey reads this).
    if (role === 'root' && rotated.length === 1) await ctx.settings.update((s) => void (s.rootKeyId = shared!.key!.id));
  }
  return { role, keyHeldBy: role === 'snapshot' || role === 'timestamp' ? 'server' : 'local', repositories: rotated };
}
