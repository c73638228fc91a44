// `sign REPO:TAG`: record the manifest digest and size of a tag in every role this host may sign it
// into — docker's rule: each delegation one level below targets (targets/releases and
// targets/<signer>) whose key we hold and whose paths allow the tag; `targets` itself only when the
// repository has no delegations. A repository that does not exist yet is initialised first.
// With `--from SOURCE` (or a tag only the docker daemon has) the image is pushed first, and only
// once this host is known to be able to sign it; a new repository is initialised after the push, so
// a failed push publishes nothing to the trust server.
import { MAX_META_BYTES, readUserFile } from '../config/user-files.js';
import { dockerConfigDir } from '../config/paths.js';
import { requireWritableDir } from '../config/writable.js';
import { PendingAreaRefusedError, UpdateRejectedError } from '../notary/http-errors.js';
import { RegistryClient } from '../registry/client.js';
import { RegistryRequestError } from '../registry/errors.js';
import { hintOf } from '../tuf/errors.js';
import { parseReference, requireTag, type TaggedReference } from '../registry/reference.js';
import type { JsonValue } from '../tuf/canonical.js';
import { isPathAllowed, parentRoleName } from '../tuf/delegation.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { diffRepository, type PublishedRoleChange } from '../tuf/repository-diff.js';
import { FileMeta } from '../tuf/metadata/index.js';
import { GoTime } from '../tuf/time.js';
import { deadlineOf, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { CancelledError, InputError, TrustError } from './errors.js';
import { digestProblem } from './manifest-input.js';
import { initRepository } from './init.js';
import { editableState, uniformExpiry, heldKeyIds, publish } from './publish.js';
import { openRepository, type OpenedRepository } from './repository.js';
import { openRequest, rivalRequest, withdrawRequest } from './requests/operations.js';
import type { LocalImage } from '../registry/local/image.js';
import type { PushProgressEvent } from '../registry/push-types.js';
import { daemonHas, LOCAL_SOURCE_FORMS, openLocal, parseFrom, pushLocal, type PushedImage } from './push-local.js';

export interface SignOptions extends ServerOptions {
  /** `sha256:<hex>`; without it the registry is asked. */
  digest?: string;
  size?: number;
  /** `--meta NAME:FILE`: files uploaded as blobs and recorded in the target's custom data. */
  meta?: { name: string; file: string }[];
  /** `--expires`: lifetime of the roles signed (and, on first use, created) instead of their defaults. */
  lifetimeMs?: number;
  /** `--from`: a local image (`oci:DIR[:REF]`, `oci-archive:FILE`, `docker-archive:FILE`, `docker-daemon:IMAGE`) pushed to the tag, then signed. */
  from?: string;
  onPushProgress?(event: PushProgressEvent): void;
  /** With `from`: the root digest the user reviewed (src/trust/sign-plan.ts); an image that changed since is refused before anything is pushed. */
  reviewedDigest?: string;
  /** With `from`: cancels the push; nothing is signed once it fired (a publish already begun is not cut). */
  signal?: AbortSignal;
}

export interface SignResult {
  gun: string;
  tag: string;
  digest: string;
  size: number;
  /** Roles that, read back and verified after publishing, sign the tag with this digest. */
  roles: string[];
  /** Whether the tag is released now (signed in `targets` or `targets/releases`): what docker pulls. */
  released: boolean;
  /** Every role the publish changed (verified before/after difference). */
  changes: PublishedRoleChange[];
  initialised: boolean;
  custom?: JsonValue;
  /** Roles that need more signatures than this host holds: a signing request collects them (kept as a `file`, or on the `server`). */
  request?: { id: string; location: string; transport?: string; roles: string[]; status: string };
  /** What was pushed before signing (`--from`, or a tag found only in the docker daemon). */
  pushed?: PushedImage;
}

export function registryClient(ctx: TrustContext): RegistryClient {
  const env = ctx.env as NodeJS.ProcessEnv;
  return new RegistryClient({ env, dockerConfigDir: dockerConfigDir(env), deadline: deadlineOf(ctx) });
}

/** Roles this host can sign `tag` into, by docker's rule (see the top of this file). */
export async function signableRoles(ctx: TrustContext, repo: OpenedRepository, editor: RepositoryEditor, tag: string): Promise<string[]> {
  const trusted = repo.state!.trusted;
  const top = editor.current('targets')!.delegations.map((d) => d.name).filter((name) => parentRoleName(name) === 'targets');
  if (top.length === 0) {
    if ((await heldKeyIds(ctx, editor, 'targets')).length === 0) {
      throw new InputError(`this host holds no targets key of ${repo.gun}: only its owner can sign it`);
    }
    return ['targets'];
  }
  const roles: string[] = [];
  for (const role of top) {
    const paths = trusted.pathsOf(role) ?? editor.current('targets')!.getDelegation(role)?.paths ?? [];
    if (!isPathAllowed(tag, paths)) continue;
    if ((await heldKeyIds(ctx, editor, role)).length > 0) roles.push(role);
  }
  if (roles.length === 0) {
    throw new InputError(`this host holds no key of any signer of ${repo.gun} that may sign ${tag}`, {
      hint: { cli: 'ask its owner to add yours with `trust-tui signer add`', ui: "ask its owner to add your key as a signer (your public keys are on the Keys screen (4))" },
    });
  }
  return roles;
}

/** What the registry serves for `REPO:TAG`: its manifest digest and size. */
export async function resolveManifest(ctx: TrustContext, input: string): Promise<{ digest: string; size: number }> {
  const { digest, size } = await registryClient(ctx)
    .resolve(requireTag(parseReference(input)))
    .catch((e: unknown) => {
      throw withLocalSourceHint(e);
    });
  return { digest, size };
}

/** A registry that cannot be reached leaves one way to sign: the digest and size given by hand. */
function withManualDigestHint(e: unknown, input: string): unknown {
  if (!(e instanceof RegistryRequestError) || e.status !== undefined || hintOf(e, 'cli')) return e;
  return new RegistryRequestError(e.message, undefined, {
    cause: e,
    hint: {
      cli: `push the image there first, or give its manifest digest and size: trust-tui sign ${input} --digest sha256:… --size N`,
      ui: 'push the image there first, or type its digest and size',
    },
  });
}

/** The registry has no such tag: besides pushing it, a local image can be pushed and signed in one go. */
function withLocalSourceHint(e: unknown): unknown {
  if (!(e instanceof RegistryRequestError) || e.status !== 404) return e;
  return new RegistryRequestError(e.message, 404, {
    cause: e,
    hint: {
      cli: `push it first, or push and sign a local image with --from ${LOCAL_SOURCE_FORMS.replace(' | docker-daemon:IMAGE', '')} (or give --digest and --size)`,
      ui: 'push it to the registry first, or go back to step 1 (Esc twice) and choose a local image as the source',
    },
  });
}

/** Uploads of one sign, when each is refused because another was published first (VERSION). */
const SIGN_ATTEMPTS = 8;

export async function sign(ctx: TrustContext, input: string, options: SignOptions = {}): Promise<SignResult> {
  const reference = requireTag(parseReference(input)) as TaggedReference;
  if (options.from !== undefined && (options.digest !== undefined || options.size !== undefined)) {
    throw new InputError('--from pushes an image and signs the digest the registry stores: it cannot be combined with --digest or --size');
  }
  // A mistyped source is the user's typo: said before anything is contacted.
  const spec = options.from === undefined ? undefined : parseFrom(options.from);
  // Before anything is asked of the registry or the server: signing must be able to write the cache.
  await requireWritableDir(ctx.trustDir);
  // A malformed digest is the user's typo: say so before asking the registry about it.
  const typedProblem = options.digest === undefined ? undefined : digestProblem(options.digest);
  if (typedProblem) throw new InputError(`digest ${options.digest}: a manifest digest needs ${typedProblem}`);
  // A --meta file that cannot be read fails before anything is pushed or signed.
  const metaFiles: { name: string; bytes: Uint8Array }[] = [];
  for (const { name, file } of options.meta ?? []) metaFiles.push({ name, bytes: await readUserFile(file, '--meta file', { maxBytes: MAX_META_BYTES }) });
  const registry = registryClient(ctx);
  // A missing or corrupt local image fails here, before the registry or the server is asked.
  let local: LocalImage | undefined = spec && (await openLocal(ctx, spec));
  try {
    if (local && options.reviewedDigest !== undefined && local.root.digest !== options.reviewedDigest) {
      throw new InputError(`${local.source} changed since it was reviewed: its manifest is ${local.root.digest} now, not ${options.reviewedDigest}; nothing was pushed`, {
        hint: 'review it again',
      });
    }
    let digest = options.digest;
    let size = options.size;
    if (!local && (digest === undefined || size === undefined)) {
      // The registry says what the tag (or, given a digest alone, that manifest) is, and its size.
      const manifest = await registry.resolve(digest === undefined ? reference : { ...reference, digest }).catch(async (e: unknown) => {
        // Only the daemon has the tag: push it from there, as `docker trust sign` does.
        if (digest === undefined && e instanceof RegistryRequestError && e.status === 404 && (await daemonHas(ctx, input))) return undefined;
        throw digest === undefined ? withLocalSourceHint(withManualDigestHint(e, input)) : withManualDigestHint(e, input);
      });
      if (manifest) ({ digest, size } = manifest);
      else local = await openLocal(ctx, { kind: 'docker-daemon', location: input, input: `docker-daemon:${input}` });
    }

    let repo = await openRepository(ctx, reference, { ...options, allowMissing: true, toPublish: true });
    // Nothing is pushed for a tag this host cannot sign (a new repository is this host's to sign).
    let candidates = repo.state ? await signableRoles(ctx, repo, new RepositoryEditor(editableState(repo.state), GoTime.now()), reference.tag) : undefined;
    let pushed: PushedImage | undefined;
    if (local) {
      const cancelled = options.signal;
      ({ manifest: { digest, size }, pushed } = await pushLocal(registry, reference, local, options.onPushProgress, ctx.env as NodeJS.ProcessEnv, cancelled).catch((e: unknown) => {
        throw cancelled?.aborted ? new CancelledError(`the push of ${local!.source} to ${input} was cancelled: nothing was signed`, { cause: e }) : e;
      }));
      // Cancelled while the tag's manifest was stored: it is in the registry, unsigned.
      if (cancelled?.aborted) throw new CancelledError(`cancelled after ${input} was pushed: it is in the registry, not signed`);
    }
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest!)?.[1];
    if (!hex) throw new InputError(`digest ${digest} is not sha256:<64 hex digits>`);
    if (!Number.isSafeInteger(size) || size! < 0) throw new InputError(`size ${size} is not a byte count`);

    let custom: Record<string, JsonValue> | undefined;
    for (const { name, bytes } of metaFiles) {
      const blob = await registry.uploadBlob(reference, bytes);
      (custom ??= {})[name] = { digest: blob.digest, size: blob.size };
    }

    let initialised = false;
    if (!repo.state) {
      await initRepository(ctx, repo, options);
      repo = await openRepository(ctx, reference, { ...options, toPublish: true });
      initialised = true;
    }
    for (let attempt = 1; ; attempt++) {
      const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
      candidates ??= await signableRoles(ctx, repo, editor, reference.tag);
      try {
        return await signInRoles(ctx, repo, editor, reference, candidates, { digest: digest!, size: size!, hex, custom, initialised, pushed, options });
      } catch (e) {
        // Someone published between this host's read and its upload (nothing of this upload was
        // stored): the tag is signed again into what the repository holds now, read and verified
        // afresh. Signers of one repository in parallel (CI jobs) would otherwise fail.
        if (!publishedMeanwhile(e) || attempt >= SIGN_ATTEMPTS) throw e;
        ctx.debug(`${repo.gun} was published meanwhile (attempt ${attempt} of ${SIGN_ATTEMPTS}): reading it again`);
        await new Promise((resolve) => setTimeout(resolve, attempt * (50 + Math.random() * 200)));
        repo = await openRepository(ctx, reference, { ...options, toPublish: true });
        candidates = undefined;
      }
    }
  } finally {
    await local?.close();
  }
}

/**
 * A refusal that means the repository changed after it was read: 400 VERSION, or, where this host
 * signs the snapshot itself, notary's ErrBadSnapshot for a targets file changed meanwhile (its
 * checksum no longer matches the one this host's snapshot names).
 */
function publishedMeanwhile(e: unknown): boolean {
  if (!(e instanceof UpdateRejectedError)) return false;
  return e.code === 'VERSION' || (e.code === 'INVALID_UPDATE' && /^ErrBadSnapshot: .*checksum for .* did not match/.test(e.reason));
}

async function signInRoles(
  ctx: TrustContext,
  repo: OpenedRepository,
  editor: RepositoryEditor,
  reference: TaggedReference,
  candidates: string[],
  args: { digest: string; size: number; hex: string; custom?: Record<string, JsonValue>; initialised: boolean; pushed?: PushedImage; options: SignOptions },
): Promise<SignResult> {
  const { digest, size, hex, custom, initialised, pushed, options } = args;
  // A role that needs more keys than this host holds (a k-of-n targets/releases) is collected
  // through a signing request; the roles this host can sign alone are published now.
  const roles: string[] = [];
  const collect: string[] = [];
  for (const role of candidates) {
    const { keys, threshold } = editor.signingKeys(role);
    ((await heldKeyIds(ctx, editor, role)).length >= Math.min(threshold, keys.length) ? roles : collect).push(role);
  }
  const meta = FileMeta.fromDigests({ length: size, sha256: hex }, custom);
  if (collect.length > 0) {
    // The request this sign would open cannot be opened now: refused before the roles this host signs
    // alone are published, so that a tag is never left signed in those and missing from the request.
    const rival = await rivalRequest(ctx, repo, collect);
    if (rival) {
      throw new TrustError(`${reference.tag} was not signed: request ${rival.id} is already open for ${collect.join(', ')} on the same base, and the trust server takes one at a time; nothing was published`, {
        hint: {
          cli: `approve or cancel it (trust-tui request approve|cancel ${rival.id} --repo ${reference.gun}), or sign ${reference.gun}:${reference.tag} once it has landed`,
          ui: `approve or cancel request ${rival.id} on the Requests screen, or sign ${reference.tag} once it has landed`,
        },
      });
    }
  }
  // The request goes first: when the pending area refuses it (another request holds these roles on
  // this base, also one opened by a sign running at the same time), nothing of this sign is published,
  // and the tag is never left signed in the roles this host signs alone while missing from the request.
  let request: SignResult['request'];
  let opened: Awaited<ReturnType<typeof openRequest>> | undefined;
  if (collect.length > 0) {
    const requestEditor = new RepositoryEditor(editableState(repo.state), GoTime.now());
    for (const role of collect) requestEditor.targets(role).addTarget(reference.tag, meta, repo.state!.trusted.pathsOf(role));
    opened = await openRequest(ctx, repo, requestEditor, collect, { note: `sign ${reference.tag} ${digest}` }).catch((e: unknown) => {
      if (!(e instanceof PendingAreaRefusedError && e.code === 'REQUEST_CONFLICT')) throw e;
      throw new TrustError(`${reference.tag} was not signed: ${e.message}; nothing was published`, {
        cause: e,
        hint: { cli: `sign ${reference.gun}:${reference.tag} again once that request has landed or was cancelled (trust-tui request list ${reference.gun})`, ui: `sign ${reference.tag} again once the open request has landed` },
      });
    });
    request = { id: opened.request.id, location: opened.location, transport: opened.transport, roles: collect, status: opened.evaluation.status };
  }
  let state = repo.state!;
  if (roles.length > 0) {
    for (const role of roles) editor.targets(role).addTarget(reference.tag, meta, repo.state!.trusted.pathsOf(role));
    try {
      ({ state } = await publish(ctx, repo, editor, uniformExpiry(options.lifetimeMs)));
    } catch (e) {
      // The request opened for this sign would release a tag its signer's role does not hold.
      if (opened) await withdrawRequest(ctx, repo, opened.request).catch((w: unknown) => ctx.warn(`request ${opened!.request.id} for ${reference.tag} is still open: ${(w as Error).message}; cancel it with trust-tui request cancel ${opened!.request.id}`));
      throw e;
    }
  }
  // Report what verifies now, not what was asked for.
  const signedIn = state.view
    .rolesHolding(reference.tag)
    .filter((e) => e.digest === hex && e.meta.length === size && roles.includes(e.role))
    .map((e) => e.role);
  if (signedIn.length === 0 && roles.length > 0) {
    throw new TrustError(`published, but no role of ${repo.gun} verifiably signs ${reference.tag} now`, {
      hint: { cli: `see trust-tui info ${repo.gun}:${reference.tag}`, ui: 'see the tag on the Tags screen (2); press r to refresh' },
    });
  }
  for (const role of roles.filter((r) => !signedIn.includes(r))) ctx.warn(`published, but ${role} does not verifiably sign ${reference.tag}`);
  return {
    gun: repo.gun,
    tag: reference.tag,
    digest,
    size,
    roles: signedIn,
    released: state.view.tag(reference.tag).some((t) => t.digest === hex),
    changes: diffRepository(repo.state!.view, state.view),
    initialised,
    ...(custom ? { custom } : {}),
    ...(request ? { request } : {}),
    ...(pushed ? { pushed } : {}),
  };
}
