// The write path shared by init, sign, revoke, signer and key rotation: unlock the held keys that may
// sign the edited roles, sign, upload, cache what the server accepted, and read the result back.
import { requireWritableDir } from '../config/writable.js';
import type { MetadataFile } from '../notary/multipart.js';
import { rememberPublished, type RefreshResult } from '../notary/updater.js';
import type { KeyLookup, RepositoryEditor, RepositoryState } from '../tuf/editor.js';
import type { MetadataSigner } from '../tuf/metadata/index.js';
import type { PrivateKey } from '../tuf/private-key.js';
import { expiresAfter, GoTime } from '../tuf/time.js';
import type { TrustContext } from './context.js';
import { refreshState, type OpenedRepository } from './repository.js';
import type { UploadTracker } from './upload-tracker.js';

/** The trusted state as the editor's starting point (refused delegations too, so they can be re-signed). */
export function editableState(state: RefreshResult | undefined): RepositoryState {
  if (!state) return { delegations: new Map() };
  const t = state.trusted;
  const delegations = new Map([...t.refusedDelegations].map(([name, d]) => [name, d.envelope]));
  for (const [name, d] of t.delegations) delegations.set(name, d.envelope);
  return { root: t.root, targets: t.targets, snapshot: t.snapshot, delegations };
}

/** Canonical IDs of the keys that may sign `role` and are in this host's keystore. */
export async function heldKeyIds(ctx: TrustContext, editor: RepositoryEditor, role: string): Promise<string[]> {
  const held: string[] = [];
  for (const key of editor.signingKeys(role).keys) if (await ctx.keys.has(key.canonicalId)) held.push(key.canonicalId);
  return held;
}

/** Unlocks (asking for passphrases as needed) every held key that may sign one of `roles`. */
export async function unlockFor(ctx: TrustContext, editor: RepositoryEditor, roles: Iterable<string>): Promise<KeyLookup> {
  const unlocked = new Map<string, PrivateKey>();
  for (const role of roles) {
    for (const id of await heldKeyIds(ctx, editor, role)) {
      if (!unlocked.has(id)) unlocked.set(id, await ctx.keys.unlock(id, ctx.passphrases));
    }
  }
  return (id) => unlocked.get(id);
}

/**
 * `--expires` of init, sign and signer add: every role the publish signs lives `lifetimeMs` instead of its default
 * (docker has no such option; it is for short-lived test repositories and for staging).
 */
export function uniformExpiry(lifetimeMs: number | undefined): { expires?: (role: string) => GoTime } {
  if (lifetimeMs === undefined) return {};
  const at = expiresAfter(lifetimeMs, GoTime.now());
  return { expires: () => at };
}

export interface PublishResult {
  /** Roles uploaded, parents first. */
  published: string[];
  /** The repository as the server now serves it (verified). */
  state: RefreshResult;
}

/**
 * Signs the editor's changes and uploads them. The snapshot is signed here only when this host holds
 * a snapshot key; otherwise the server makes it. Afterwards the repository is read back and verified,
 * so what the command reports is what clients will see.
 */
export async function publish(
  ctx: TrustContext,
  repo: OpenedRepository,
  editor: RepositoryEditor,
  options: {
    extraRootSigners?: MetadataSigner[];
    extraKeys?: KeyLookup;
    onUploaded?: () => Promise<void>;
    /** Told when the upload begins and when the server saved it (init, rotate: the keys they made). */
    tracker?: UploadTracker;
    /** Expiry per role instead of notary's default lifetime. */
    expires?: (role: string) => GoTime | undefined;
    /** Read the result back reporting expiry rather than refusing it (renewal: other roles may still be expired). */
    tolerateExpiry?: boolean;
  } = {},
): Promise<PublishResult> {
  // Nothing is published that this host then could not cache (nor its keys unlocked for nothing).
  await requireWritableDir(ctx.trustDir);
  const roles = editor.editedRoles;
  const signSnapshot = (await heldKeyIds(ctx, editor, 'snapshot')).length > 0;
  const lookup = await unlockFor(ctx, editor, signSnapshot ? [...roles, 'snapshot'] : roles);
  const keyFor: KeyLookup = (id) => options.extraKeys?.(id) ?? lookup(id);
  const built = editor.build(keyFor, { signSnapshot, extraRootSigners: options.extraRootSigners, expires: options.expires });
  const files: MetadataFile[] = [...built.files].map(([role, bytes]) => ({ role, bytes }));
  ctx.debug(`publishing ${files.map((f) => `${f.role} (${f.bytes.length} bytes)`).join(', ')} to ${repo.endpoint.url}`);
  if (options.tracker) options.tracker.began = true;
  await repo.client.publish(repo.gun, files);
  if (options.tracker) options.tracker.saved = true;
  await options.onUploaded?.();
  await rememberPublished(repo.gun, files, repo.cache);
  const state = await refreshState(ctx, repo, repo.cache, options.tolerateExpiry ? { tolerateExpiry: true } : {});
  return { published: files.map((f) => f.role), state };
}
