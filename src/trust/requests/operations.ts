// Signing requests, one implementation for the CLI and the UI: open (from an edited repository),
// list, show, approve, merge, submit, cancel and rebase. Every step that signs or submits first
// refreshes the repository through the TUF client workflow and checks the request against it.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { readUserText } from '../../config/user-files.js';
import { PendingAreaRefusedError, UpdateRejectedError } from '../../notary/http-errors.js';
import { parseReference } from '../../registry/reference.js';
import type { MetadataFile } from '../../notary/multipart.js';
import { rememberPublished } from '../../notary/updater.js';
import { canonicalBytes } from '../../tuf/canonical.js';
import { RepositoryEditor } from '../../tuf/editor.js';
import { defaultExpires } from '../../tuf/expiry.js';
import { serializeEnvelope } from '../../tuf/gojson.js';
import type { PublicKey } from '../../tuf/key.js';
import { Envelope, signerFromPrivateKey, Targets } from '../../tuf/metadata/index.js';
import { diffRepository, type PublishedRoleChange } from '../../tuf/repository-diff.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { GoTime } from '../../tuf/time.js';
import type { TrustedSet } from '../../tuf/trusted-set.js';
import { canonicalIdOf, signedDigest, verificationResult } from '../../tuf/verification.js';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { mapLimited } from '../repositories.js';
import { CancelledError, InputError, RequestPendingError, StaleRequestError, TrustError } from '../errors.js';

export { RequestPendingError, StaleRequestError };
import { editableState, heldKeyIds } from '../publish.js';
import { openRepository, refreshState, type OpenedRepository } from '../repository.js';
import { describeTargetsChange, replayChange } from './diff.js';
import { currentFile, evaluateRequest, roleKeysFor, signerNames, sha256Hex, type RequestEvaluation } from './evaluate.js';
import {
  isDetached,
  mergeRequests,
  parseRequestDocument,
  REQUEST_SCHEMA,
  REQUEST_TYPE,
  SIGNATURE_TYPE,
  withSignatures,
  type DetachedSignature,
  type RequestRole,
  type RequestSignature,
  type SigningRequest,
} from './format.js';
import { FileRequestTransport, type RequestTransport } from './transport.js';
import { candidateRepositories, findRequest, lookAroundContext, requestTransportFor, type TransportOptions } from './where.js';

export const DEFAULT_DEADLINE_MS = 7 * 24 * 3600_000;
/** A request holds a few role files; anything this large is the wrong file. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export interface RequestPorts extends TransportOptions {
  /** The clock (tests). */
  now?: () => Date;
  /** `--repo`: the repository of a request given by ID (finds it in that server's pending area). */
  repo?: string;
}

/** The file transport, or the one the caller fixed. Operations on a repository use where.ts's probe. */
export function transportOf(ctx: TrustContext, ports: RequestPorts = {}): RequestTransport {
  return ports.transport ?? new FileRequestTransport(ctx.trustDir);
}

const nowOf = (ports: RequestPorts): Date => (ports.now ?? (() => new Date()))();

export interface OpenedRequest {
  request: SigningRequest;
  /** A file path, or the request's URL in the server's pending area. */
  location: string;
  /** `file` or `server`. */
  transport: string;
  evaluation: RequestEvaluation;
}

/** Signs `signed` with every held key among `keys` that has not signed it yet. */
async function signWithHeldKeys(ctx: TrustContext, signed: unknown, keys: readonly PublicKey[], already: ReadonlySet<string>, at: string): Promise<RequestSignature[]> {
  const message = canonicalBytes(signed);
  const out: RequestSignature[] = [];
  const done = new Set(already);
  for (const key of keys) {
    const canonical = canonicalIdOf(key);
    if (done.has(canonical) || !(await ctx.keys.has(canonical))) continue;
    const privateKey = await ctx.keys.unlock(canonical, ctx.passphrases);
    const signer = signerFromPrivateKey(privateKey, key.id);
    out.push({ keyid: key.id, method: signer.method, sig: Buffer.from(signer.sign(message)).toString('base64'), at });
    done.add(canonical);
  }
  return out;
}

/** Keys of `role` as the request (its bundled parent) or the trusted parent declares them. */
function publicKeysFor(request: SigningRequest, trusted: TrustedSet, role: string): PublicKey[] {
  const keys = roleKeysFor(request, trusted, role);
  if (!keys) return [];
  return keys.keyids.flatMap((id) => keys.keys.get(id) ?? []);
}

function baseOf(trusted: TrustedSet, role: string): RequestRole['base'] {
  const file = currentFile(trusted, role);
  return file ? { version: file.signed.version, sha256: sha256Hex(file.raw) } : null;
}

/** The signed content of `roles` frozen from the editor: trusted version + 1, a fresh expiry. */
function freezeRoles(editor: RepositoryEditor, trusted: TrustedSet, roles: readonly string[], now: GoTime): RequestRole[] {
  return roles.map((role) => {
    const model = editor.current(role);
    if (!model) throw new TrustError(`${role} has no content to sign`);
    const previous = currentFile(trusted, role)?.signed.version ?? 0;
    const json = model.clone().setVersion(previous + 1).setExpires(defaultExpires(role, now)).toJSON();
    const { keys, threshold } = editor.signingKeys(role);
    const file = currentFile(trusted, role);
    return { role, base: baseOf(trusted, role), ...(file ? { baseSigned: file.signedJson } : {}), signed: json, signedDigest: signedDigest(json), threshold, keyids: keys.map((k) => k.id), signatures: [] };
  });
}

/**
 * Opens a request for `roles` edited in `editor` (parents before children), signed by every key this
 * host holds for them. The caller decided that the host cannot publish them alone.
 */
export async function openRequest(
  ctx: TrustContext,
  repo: OpenedRepository,
  editor: RepositoryEditor,
  roles: readonly string[],
  options: { note: string; deadlineMs?: number } & RequestPorts,
): Promise<OpenedRequest> {
  const trusted = repo.state!.trusted;
  const now = nowOf(options);
  const frozen = freezeRoles(editor, trusted, roles, GoTime.fromDate(now));
  const at = now.toISOString();
  const earliestExpiry = Math.min(...frozen.map((r) => Date.parse(String(r.signed.expires))));
  const deadline = new Date(Math.min(now.getTime() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS), earliestExpiry));
  let request: SigningRequest = {
    type: REQUEST_TYPE,
    version: REQUEST_SCHEMA,
    id: randomBytes(6).toString('hex'),
    gun: repo.gun,
    server: repo.endpoint.url,
    created: at,
    deadline: deadline.toISOString(),
    note: options.note,
    roles: frozen,
  };
  const signedRoles: RequestRole[] = [];
  for (const r of request.roles) {
    signedRoles.push(withSignatures(r, await signWithHeldKeys(ctx, r.signed, editor.signingKeys(r.role).keys, new Set(), at)));
  }
  request = { ...request, roles: signedRoles };
  const transport = await requestTransportFor(ctx, repo.gun, options, repo.client);
  const location = await transport.put(request);
  return { request, location, transport: transport.kind, evaluation: evaluateRequest(request, trusted, now) };
}

/**
 * The open request of the server's pending area that holds exactly `roles` on their current files, if
 * any. The pending area takes one such request at a time (a second is refused with REQUEST_CONFLICT),
 * so a change that would open another is refused before any part of it is published. Request files
 * have no such rule: of several, the first to land makes the others stale.
 */
export async function rivalRequest(ctx: TrustContext, repo: OpenedRepository, roles: readonly string[], options: RequestPorts = {}): Promise<SigningRequest | undefined> {
  const transport = await requestTransportFor(ctx, repo.gun, options, repo.client);
  if (transport.kind !== 'server') return undefined;
  const trusted = repo.state!.trusted;
  const wanted = [...roles].sort().join(',');
  const now = nowOf(options).getTime();
  const onCurrentBase = (r: RequestRole) => {
    const current = baseOf(trusted, r.role);
    return r.base === null || current === null ? r.base === current : r.base.version === current.version && r.base.sha256 === current.sha256;
  };
  return (await transport.list(repo.gun)).find(
    (r) => Date.parse(r.deadline) > now && r.roles.map((x) => x.role).sort().join(',') === wanted && r.roles.every(onCurrentBase),
  );
}

/** Takes back a request this process just opened for `repo` (its sign did not go through). */
export async function withdrawRequest(ctx: TrustContext, repo: OpenedRepository, request: SigningRequest, options: RequestPorts = {}): Promise<void> {
  await (await requestTransportFor(ctx, repo.gun, options, repo.client)).remove(request);
}

export interface LoadedRequest {
  request: SigningRequest;
  imported: boolean;
  /** Where it is kept (files here, or its server's pending area). */
  transport: RequestTransport;
}

/**
 * A request by ID (or prefix) from where it is kept — files here, then the pending areas this host
 * knows (or `--repo`'s) — or a request file from anywhere, imported where its repository keeps them.
 */
export async function loadRequest(ctx: TrustContext, ref: string, ports: RequestPorts = {}): Promise<LoadedRequest> {
  const gun = ports.repo === undefined ? undefined : parseReference(ports.repo).gun;
  const isFile = await stat(ref).then((s) => s.isFile(), () => false);
  if (!isFile) {
    const found = /^[0-9a-f]{4,64}$/.test(ref) ? await findRequest(ctx, ref, gun, ports) : undefined;
    if (!found) {
      throw new InputError(`no signing request ${ref} here${gun ? ` nor on the trust server of ${gun}` : ''}`, {
        hint: {
          cli: gun
            ? `see trust-tui request list ${gun} (a submitted or cancelled request leaves the pending area); or give the request file`
            : 'see trust-tui request list REPOSITORY; for a request on a trust-tui server, add --repo REPOSITORY; or give the request file',
          ui: 'see the open requests',
        },
      });
    }
    return { ...found, imported: false };
  }
  const doc = parseRequestDocument(await readFile(ref, 'utf8'), ref);
  if (isDetached(doc)) throw new InputError(`${ref} is a detached signature, not a request`, { hint: { cli: `merge it with trust-tui request merge ${ref}`, ui: 'merge it into its request' } });
  const held = await findRequest(ctx, doc.id, doc.gun, ports).catch(() => undefined);
  const transport = held?.transport ?? (await requestTransportFor(ctx, doc.gun, ports));
  const stored = held && held.request.id === doc.id ? held.request : undefined;
  const request = stored ? mergeRequests(stored, doc) : doc;
  await transport.put(request);
  await dropSuperseded(transport, request);
  return { request, imported: true, transport };
}

/** A rebased request replaces the stale one it was rebuilt from. */
async function dropSuperseded(transport: RequestTransport, request: SigningRequest): Promise<void> {
  if (!request.rebasedFrom) return;
  const old = await transport.get(request.rebasedFrom).catch(() => undefined);
  if (old?.id === request.rebasedFrom) await transport.remove(old);
}

async function openFor(ctx: TrustContext, request: SigningRequest, options: ServerOptions, toPublish = false): Promise<OpenedRepository> {
  const repo = await openRepository(ctx, request.gun, { ...options, toPublish });
  if (repo.state!.offline) {
    throw new TrustError(`the trust server for ${request.gun} cannot be reached: a request is signed and submitted only against what was verified just now`);
  }
  return repo;
}

export interface RequestView {
  request: SigningRequest;
  location: string;
  /** `file` or `server` (the pending area of a trust-tui server). */
  transport?: string;
  evaluation: RequestEvaluation;
  /** The change per role, computed here from the trusted files. */
  diff: string[];
}

function diffOf(request: SigningRequest, trusted: TrustedSet): string[] {
  return request.roles.flatMap((r) => {
    // Key names: from the role's own delegations (keys it declares) and from its parent (its signers).
    const proposed = Targets.fromJSON(r.signed, r.role);
    const names = new Map([...(roleKeysFor(request, trusted, r.role)?.names ?? []), ...signerNames(proposed)]);
    return describeTargetsChange(currentFile(trusted, r.role)?.signed, proposed, names);
  });
}

function checkOpen(evaluation: RequestEvaluation): void {
  if (evaluation.state === 'submitted') {
    throw new InputError(`request ${evaluation.id} is already ${evaluation.status}`, { hint: { cli: `forget it: trust-tui request cancel ${evaluation.id}`, ui: 'cancel it to forget it' } });
  }
  if (evaluation.state === 'stale' || evaluation.state === 'expired') {
    // "request 1a2b expired 3 h ago", "request 1a2b is stale: releases moved to v5 — rebase needed"
    throw new StaleRequestError(`request ${evaluation.id} ${evaluation.state === 'expired' ? '' : 'is '}${evaluation.status}`, {
      hint: evaluation.state === 'stale' ? { cli: `trust-tui request rebase ${evaluation.id}`, ui: 'rebase it' } : { cli: `cancel it (trust-tui request cancel ${evaluation.id}) or rebase it`, ui: 'cancel or rebase it' },
    });
  }
}

/** `request show|status`: the request checked against the repository as verified now, with its diff. */
export async function showRequest(ctx: TrustContext, ref: string, options: ServerOptions & RequestPorts = {}): Promise<RequestView> {
  const { request, transport } = await loadRequest(ctx, ref, options);
  const repo = await openRepository(ctx, request.gun, options);
  const trusted = repo.state!.trusted;
  return { request, location: transport.locationOf(request), transport: transport.kind, evaluation: evaluateRequest(request, trusted, nowOf(options)), diff: diffOf(request, trusted) };
}

export interface ListedRequest {
  id: string;
  gun: string;
  /** A file path, or the request's URL in the server's pending area. */
  location?: string;
  /** `file` or `server`. */
  transport?: string;
  roles: string[];
  note: string;
  deadline: string;
  /** Checked against the server (undefined with `offline`). */
  evaluation?: RequestEvaluation;
  problem?: string;
}

/**
 * The requests kept where `gun`'s are (or, without `gun`, here and in every pending area this host
 * knows), each with its transport. Files of a repository that moved to a pending area stay listed.
 */
async function keptRequests(ctx: TrustContext, gun: string | undefined, options: RequestPorts & ListOptions): Promise<{ request: SigningRequest; transport: RequestTransport }[]> {
  const out = new Map<string, { request: SigningRequest; transport: RequestTransport }>();
  const add = async (transport: RequestTransport, of: string | undefined) => {
    for (const request of await transport.list(of)) out.set(request.id, { request, transport });
  };
  if (options.transport) {
    await add(options.transport, gun);
    return [...out.values()];
  }
  if (options.via !== 'server') await add(new FileRequestTransport(ctx.trustDir), gun);
  if (options.via !== 'file' && !options.offline) {
    const candidates = gun !== undefined ? [{ gun, remembered: true }] : await candidateRepositories(ctx);
    // Probed a few at a time; the order of the list does not depend on which answers first.
    const found = await mapLimited(candidates, 4, async ({ gun: g, remembered }) => {
      try {
        // A repository nobody named is looked into with a short budget of its own.
        const transport = await requestTransportFor(gun !== undefined ? ctx : lookAroundContext(ctx), g, options);
        return transport.kind === 'file' ? [] : await transport.list(g).then((list) => list.map((request) => ({ request, transport })));
      } catch (e) {
        if (gun !== undefined) throw e;
        // Only repositories known to keep requests on their server are worth a warning, and those
        // whose server has a pending area but refuses this user (read-only access): "no requests" would be untrue.
        const message = `the signing requests of ${g} on its trust server were not listed: ${(e as Error).message}`;
        if (remembered || (e instanceof PendingAreaRefusedError && e.status === 403)) {
          ctx.warn(message);
          options.onUnlisted?.(g, (e as Error).message);
        } else ctx.debug(message);
        return [];
      }
    });
    for (const entry of found.flat()) out.set(entry.request.id, entry);
  }
  return [...out.values()].sort((a, b) => (a.request.created < b.request.created ? -1 : a.request.created > b.request.created ? 1 : 0));
}

interface ListOptions {
  offline?: boolean;
  /** A known repository whose pending area could not be read (besides the warning): the UI's note. */
  onUnlisted?: (gun: string, why: string) => void;
}

/** `request list [REPO]`: the stored requests, each checked against its repository. */
export async function listRequests(ctx: TrustContext, gun: string | undefined, options: ServerOptions & RequestPorts & ListOptions = {}): Promise<ListedRequest[]> {
  const requests = await keptRequests(ctx, gun, options);
  const out: ListedRequest[] = [];
  const repos = new Map<string, Promise<OpenedRepository>>();
  for (const { request, transport } of requests) {
    const entry: ListedRequest = {
      id: request.id,
      gun: request.gun,
      location: transport.locationOf(request),
      transport: transport.kind,
      roles: request.roles.map((r) => r.role),
      note: request.note,
      deadline: request.deadline,
    };
    if (!options.offline) {
      try {
        if (!repos.has(request.gun)) repos.set(request.gun, openRepository(ctx, request.gun, options));
        entry.evaluation = evaluateRequest(request, (await repos.get(request.gun)!).state!.trusted, nowOf(options));
      } catch (e) {
        entry.problem = (e as Error).message;
      }
    }
    out.push(entry);
  }
  return out;
}

export interface ApproveResult extends RequestView {
  /** Canonical IDs of the keys this host signed with. */
  signedWith: string[];
  /** Detached signature files written. */
  detached?: string;
}

/**
 * `request approve ID|FILE`: verify the repository, check the base, show the full diff, ask, then
 * append this host's signatures over the same bytes.
 */
export async function approveRequest(
  ctx: TrustContext,
  ref: string,
  options: ServerOptions & RequestPorts & { yes?: boolean; show?: (view: RequestView) => void; detach?: (doc: DetachedSignature[]) => Promise<string> } = {},
): Promise<ApproveResult> {
  const loaded = await loadRequest(ctx, ref, options);
  let { request } = loaded;
  const { transport } = loaded;
  const repo = await openFor(ctx, request, options);
  const trusted = repo.state!.trusted;
  const now = nowOf(options);
  const before = evaluateRequest(request, trusted, now);
  checkOpen(before);
  const diff = diffOf(request, trusted);
  const view = { request, location: transport.locationOf(request), transport: transport.kind, evaluation: before, diff };
  // What this host would add: its keys of each role that have not signed yet.
  const plan: { role: RequestRole; keys: PublicKey[]; already: Set<string> }[] = [];
  for (const [i, r] of request.roles.entries()) {
    const keys = publicKeysFor(request, trusted, r.role);
    const already = new Set(before.roles[i]!.result.signed.map((s) => s.canonicalId));
    const mine: PublicKey[] = [];
    for (const k of keys) if (!already.has(canonicalIdOf(k)) && (await ctx.keys.has(canonicalIdOf(k)))) mine.push(k);
    if (mine.length > 0) plan.push({ role: r, keys: mine, already });
  }
  if (plan.length === 0) {
    const held = await Promise.all(request.roles.flatMap((r) => publicKeysFor(request, trusted, r.role)).map((k) => ctx.keys.has(canonicalIdOf(k))));
    throw new InputError(
      held.some(Boolean)
        ? `this host's keys have already signed request ${request.id} (${before.status})`
        : `this host holds no key that may sign request ${request.id} (${request.roles.map((r) => r.role).join(', ')})`,
    );
  }
  options.show?.(view);
  if (!options.yes && !(await ctx.confirm(`Sign request ${request.id} for ${request.gun} (${plan.map((p) => p.role.role).join(', ')}) with ${plan.flatMap((p) => p.keys).map((k) => shortKeyId(canonicalIdOf(k))).join(', ')}?`))) {
    throw new CancelledError(`request ${request.id} not signed: nothing was changed`);
  }
  const at = now.toISOString();
  const added = new Map<string, RequestSignature[]>();
  for (const p of plan) added.set(p.role.role, await signWithHeldKeys(ctx, p.role.signed, p.keys, p.already, at));
  request = { ...request, roles: request.roles.map((r) => withSignatures(r, added.get(r.role) ?? [])) };
  await transport.put(request);
  // A pending area may hold signatures others added meanwhile: the live copy is the status.
  if (transport.kind !== 'file') request = (await transport.get(request.id)) ?? request;
  const evaluation = evaluateRequest(request, trusted, now);
  const detachedDocs: DetachedSignature[] = request.roles.flatMap((r) =>
    (added.get(r.role) ?? []).map((s) => ({ type: SIGNATURE_TYPE, request: request.id, gun: request.gun, role: r.role, signedDigest: r.signedDigest, ...s })),
  );
  const detached = options.detach ? await options.detach(detachedDocs) : undefined;
  return {
    request,
    location: transport.locationOf(request),
    transport: transport.kind,
    evaluation,
    diff,
    signedWith: plan.flatMap((p) => p.keys.map(canonicalIdOf)),
    ...(detached ? { detached } : {}),
  };
}

/** `request merge FILE…`: copies of a request (their union) or detached signatures, into the store. */
export async function mergeIntoRequest(
  ctx: TrustContext,
  files: readonly string[],
  ports: RequestPorts = {},
): Promise<{ request: SigningRequest; location: string; transport: string; added: number; before: SigningRequest | undefined }> {
  let result: SigningRequest | undefined;
  let transport: RequestTransport | undefined;
  let added = 0;
  // Each request as it was here before this merge touched it (undefined: it is new here).
  const before = new Map<string, SigningRequest | undefined>();
  for (const file of files) {
    const doc = parseRequestDocument(await readUserText(file, 'request or signature file', { maxBytes: MAX_REQUEST_BYTES }), file);
    const id = isDetached(doc) ? doc.request : doc.id;
    // Into whichever transport holds the request; a new request goes where its repository keeps them.
    const held = await findRequest(ctx, id, doc.gun, ports);
    transport = held?.transport ?? (await requestTransportFor(ctx, doc.gun, ports));
    const stored = held?.request;
    if (stored && stored.id !== id) throw new InputError(`no request ${id} here`);
    if (!before.has(id)) before.set(id, stored);
    let next: SigningRequest;
    if (isDetached(doc)) {
      if (!stored) throw new InputError(`${file} signs request ${id}, which is not here`, { hint: 'merge the request file first' });
      const role = stored.roles.find((r) => r.role === doc.role);
      if (!role || role.signedDigest !== doc.signedDigest) {
        throw new InputError(`${file} signs other content than request ${id} holds for ${doc.role} (a rebased or altered request): not merged`);
      }
      const { keyid, method, sig, at } = doc;
      next = { ...stored, roles: stored.roles.map((r) => (r === role ? withSignatures(r, [{ keyid, method, sig, ...(at ? { at } : {}) }]) : r)) };
    } else {
      next = stored ? mergeRequests(stored, doc) : doc;
      await dropSuperseded(transport, next);
    }
    const count = (r: SigningRequest | undefined) => (r ? r.roles.reduce((n, x) => n + x.signatures.length, 0) : 0);
    added += count(next) - count(stored);
    await transport.put(next);
    result = next;
  }
  if (!result || !transport) throw new InputError('name at least one request or signature file to merge');
  return { request: result, location: transport.locationOf(result), transport: transport.kind, added, before: before.get(result.id) };
}

export interface MergeOutcome {
  request: SigningRequest;
  location: string;
  /** Where the request is kept: `file` or `server`. */
  transport: string;
  /** The request was not kept here before (a request file someone sent). */
  imported: boolean;
  /** Signatures stored that were not (whether they count is `newlySigned`). */
  added: number;
  /** Signers whose signature counts now and did not before (from the re-evaluated request). */
  newlySigned: string[];
  /** Checked against the repository as verified now (absent when it could not be checked). */
  evaluation?: RequestEvaluation;
  /** Why it could not be checked. */
  problem?: string;
  /** One line: what the merge added, then the request's status, e.g. `added bob's signature — 2 of 3 signed — waiting on carol`. */
  summary: string;
}

const possessive = (names: readonly string[]) => {
  const list = names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${list}'s signature${names.length > 1 ? 's' : ''}`;
};

/**
 * `request merge` as a user reads it: merges the files, then checks the request against the
 * repository as verified now, and says whose signature counts that did not before. Nothing a file
 * claims is reported: a signature that does not verify adds nobody.
 */
export async function mergeAndCheck(ctx: TrustContext, files: readonly string[], options: ServerOptions & RequestPorts = {}): Promise<MergeOutcome> {
  const merged = await mergeIntoRequest(ctx, files, options);
  const { request } = merged;
  const base = { request, location: merged.location, transport: merged.transport, imported: merged.before === undefined, added: merged.added };
  let trusted: TrustedSet;
  let offline = false;
  try {
    const state = (await openRepository(ctx, request.gun, options)).state!;
    ({ trusted, offline } = state);
  } catch (e) {
    const problem = (e as Error).message;
    return { ...base, newlySigned: [], problem, summary: `merged into request ${request.id}, not checked: ${problem}` };
  }
  const now = nowOf(options);
  const evaluation = evaluateRequest(request, trusted, now);
  const had = merged.before ? evaluateRequest(merged.before, trusted, now).roles : [];
  const newlySigned = [
    ...new Set(evaluation.roles.flatMap((r) => {
      const earlier = new Set(had.find((h) => h.role === r.role)?.result.signed.map((s) => s.canonicalId) ?? []);
      return r.result.signed.filter((s) => !earlier.has(s.canonicalId)).map((s) => r.signedBy[r.result.signed.indexOf(s)]!);
    })),
  ];
  const what = base.imported
    ? `imported request ${request.id} for ${request.gun}${newlySigned.length ? ` (signed: ${newlySigned.join(', ')})` : ''}`
    : newlySigned.length
      ? `added ${possessive(newlySigned)}`
      : merged.added === 0
        ? `nothing new: request ${request.id} already holds these signatures`
        : `no new signature that counts in request ${request.id}${ignoredReason(evaluation)}`;
  return { ...base, newlySigned, evaluation, summary: `${what} — ${evaluation.status}${offline ? ' (from the cache: trust server unreachable)' : ''}` };
}

/** Why the signatures that do not count were ignored (`: signature by 1a2b3c4 does not verify`). */
function ignoredReason(evaluation: RequestEvaluation): string {
  const ignored = evaluation.roles.flatMap((r) => r.result.ignored);
  if (ignored.length === 0) return '';
  return ` (${ignored.map((i) => `signature by ${shortKeyId(i.keyid)} ignored: ${i.reason}`).join('; ')})`;
}

export interface SubmitResult {
  id: string;
  gun: string;
  published: string[];
  changes: PublishedRoleChange[];
  /** Released tags now (read back and verified). */
  status: string;
}

/**
 * `request submit`: when every role has its threshold of distinct valid signatures, upload all of
 * them in ONE request (notary-server applies it atomically), then read the repository back.
 */
export async function submitRequest(ctx: TrustContext, ref: string, options: ServerOptions & RequestPorts = {}): Promise<SubmitResult> {
  const { request, transport } = await loadRequest(ctx, ref, options);
  const repo = await openFor(ctx, request, options, true);
  const trusted = repo.state!.trusted;
  const evaluation = evaluateRequest(request, trusted, nowOf(options));
  checkOpen(evaluation);
  if (evaluation.state !== 'ready') {
    throw new RequestPendingError(`request ${request.id} cannot be submitted yet: ${evaluation.status}`, {
      hint: {
        cli: transport.kind === 'file' ? `send ${transport.locationOf(request)} to the signers still missing` : `the signers still missing approve it: trust-tui request approve ${request.id} --repo ${request.gun}`,
        ui: 'wait for the missing signatures',
      },
    });
  }
  const files: MetadataFile[] = request.roles.map((r) => ({ role: r.role, bytes: serializeEnvelope(r.signed, countingSignatures(request, trusted, r)) }));
  const snapshot = await clientSnapshot(ctx, trusted, files);
  if (snapshot) files.push(snapshot);
  try {
    await repo.client.publish(repo.gun, files);
  } catch (e) {
    if (e instanceof UpdateRejectedError && e.code === 'VERSION') {
      throw new StaleRequestError(`request ${request.id} is stale: ${repo.gun} was published meanwhile (the server answered 400 VERSION)`, {
        hint: { cli: `trust-tui request rebase ${request.id}`, ui: 'rebase it' },
      });
    }
    throw e;
  }
  await rememberPublished(repo.gun, files, repo.cache);
  const after = await refreshState(ctx, repo, repo.cache);
  for (const r of request.roles) {
    const file = after.trusted.targetsOf(r.role);
    if (!file || signedDigest(file.signedJson) !== r.signedDigest) {
      throw new TrustError(`submitted, but ${r.role} of ${repo.gun} does not verify as the request's content`, { hint: { cli: `see trust-tui signer list ${repo.gun}`, ui: 'refresh and check the Signers screen (3)' } });
    }
  }
  await transport.remove(request).catch((e: Error) => ctx.warn(`request ${request.id} was submitted but is still listed where it was kept: ${e.message}`));
  return { id: request.id, gun: repo.gun, published: files.map((f) => f.role), changes: diffRepository(repo.state!.view, after.view), status: 'submitted' };
}

/**
 * Only the signatures that count, one per canonical key: a forged or duplicate signature under a
 * signer's key ID (a request may carry both) is never uploaded in place of the one that verifies.
 */
function countingSignatures(request: SigningRequest, trusted: TrustedSet, r: RequestRole): { keyid: string; method: string; sig: string }[] {
  const keys = roleKeysFor(request, trusted, r.role);
  if (!keys) return [];
  const message = canonicalBytes(r.signed);
  const counted = new Set<string>();
  return r.signatures
    .filter((s) => {
      const verified = verificationResult(message, [s], { keyids: keys.keyids, threshold: 1 }, keys.keys).signed[0];
      if (!verified || counted.has(verified.canonicalId)) return false;
      counted.add(verified.canonicalId);
      return true;
    })
    .map(({ keyid, method, sig }) => ({ keyid, method, sig }));
}

/** With a snapshot key held here (a client-managed snapshot), the new snapshot over the submitted files. */
async function clientSnapshot(ctx: TrustContext, trusted: TrustedSet, files: readonly MetadataFile[]): Promise<MetadataFile | undefined> {
  const root = trusted.root.signed;
  const keys = root.roleKeys('snapshot');
  const held: PublicKey[] = [];
  for (const k of keys) if (await ctx.keys.has(canonicalIdOf(k))) held.push(k);
  if (held.length === 0 || !trusted.snapshot) return undefined;
  const model = trusted.snapshot.signed.clone();
  for (const f of files) model.setRoleFile(f.role, f.bytes);
  model.setVersion(model.version + 1).setExpires(defaultExpires('snapshot'));
  const signers = [];
  for (const k of held) signers.push(signerFromPrivateKey(await ctx.keys.unlock(canonicalIdOf(k), ctx.passphrases), k.id));
  return { role: 'snapshot', bytes: Envelope.sign(model, signers).raw };
}

/** `request cancel`: forgets the request here (copies elsewhere can no longer be submitted once anything else lands). */
export async function cancelRequest(
  ctx: TrustContext,
  ref: string,
  ports: RequestPorts & ServerOptions & { yes?: boolean; reportStillSigned?: boolean } = {},
): Promise<{ id: string; gun: string; location: string; transport: string; stillSigned: { tag: string; roles: string[] }[] }> {
  const { request, transport } = await loadRequest(ctx, ref, ports);
  const collected = request.roles.reduce((n, r) => n + r.signatures.length, 0);
  if (!ports.yes && collected > 0 && !(await ctx.confirm(`Cancel request ${request.id} for ${request.gun}? Its ${collected} signature(s) are lost.`))) {
    throw new CancelledError(`request ${request.id} kept`);
  }
  await transport.remove(request);
  const stillSigned = ports.reportStillSigned ? await stillSignedElsewhere(ctx, request, ports) : [];
  return { id: request.id, gun: request.gun, location: transport.locationOf(request), transport: transport.kind, stillSigned };
}

/**
 * The tags a cancelled request added that this host's other roles still sign with the same digest:
 * `sign` published them in the roles this host signs alone when it opened the request, and cancelling
 * does not take them back (`revoke` does). Best effort: nothing is said when the repository cannot be
 * read now.
 */
async function stillSignedElsewhere(ctx: TrustContext, request: SigningRequest, options: ServerOptions): Promise<{ tag: string; roles: string[] }[]> {
  const added = new Map<string, string>();
  for (const r of request.roles) {
    const before = r.baseSigned ? Targets.fromJSON(r.baseSigned, r.role).targets : new Map();
    for (const [tag, meta] of Targets.fromJSON(r.signed, r.role).targets) if (!before.has(tag)) added.set(tag, meta.hex('sha256') ?? '');
  }
  if (added.size === 0) return [];
  try {
    const state = (await openRepository(ctx, request.gun, options)).state!;
    const editor = new RepositoryEditor(editableState(state), GoTime.now());
    const inRequest = new Set(request.roles.map((r) => r.role));
    const out: { tag: string; roles: string[] }[] = [];
    for (const [tag, digest] of added) {
      const roles: string[] = [];
      for (const entry of state.view.rolesHolding(tag)) {
        if (inRequest.has(entry.role) || entry.digest !== digest) continue;
        if ((await heldKeyIds(ctx, editor, entry.role)).length > 0) roles.push(entry.role);
      }
      if (roles.length > 0) out.push({ tag, roles });
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * `request rebase`: the same change rebuilt on the repository as it is now — a new request (new ID,
 * versions and digest) that replaces the stale one, with no signature but this host's (signatures
 * over the old content can never count).
 */
export async function rebaseRequest(ctx: TrustContext, ref: string, options: ServerOptions & RequestPorts = {}): Promise<OpenedRequest & { lost: number }> {
  const { request, transport } = await loadRequest(ctx, ref, options);
  if (request.roles.some((r) => r.baseSigned === undefined && r.base !== null)) {
    throw new InputError(`request ${request.id} does not carry its base content, so its change cannot be replayed`, { hint: 'cancel it and make the change again' });
  }
  const repo = await openFor(ctx, request, options);
  const trusted = repo.state!.trusted;
  const now = nowOf(options);
  const goNow = GoTime.fromDate(now);
  const rebuilt: RequestRole[] = [];
  const draft: SigningRequest = { ...request, roles: rebuilt };
  for (const r of request.roles) {
    const from = r.baseSigned ? Targets.fromJSON(r.baseSigned, r.role) : undefined;
    const to = Targets.fromJSON(r.signed, r.role);
    const current = currentFile(trusted, r.role);
    const onto = current?.signed ?? Targets.empty(defaultExpires(r.role, goNow), r.role);
    const next = replayChange(from, to, onto).setVersion((current?.signed.version ?? 0) + 1).setExpires(defaultExpires(r.role, goNow));
    const json = next.toJSON();
    const entry: RequestRole = {
      role: r.role,
      base: baseOf(trusted, r.role),
      ...(current ? { baseSigned: current.signedJson } : {}),
      signed: json,
      signedDigest: signedDigest(json),
      threshold: r.threshold,
      keyids: r.keyids,
      signatures: [],
    };
    rebuilt.push(entry);
  }
  const at = now.toISOString();
  for (const [i, r] of rebuilt.entries()) {
    rebuilt[i] = withSignatures(r, await signWithHeldKeys(ctx, r.signed, publicKeysFor(draft, trusted, r.role), new Set(), at));
  }
  const lost = request.roles.reduce((n, r) => n + r.signatures.length, 0);
  const rebased: SigningRequest = { ...request, id: randomBytes(6).toString('hex'), rebasedFrom: request.id, roles: rebuilt, deadline: new Date(Math.max(Date.parse(request.deadline), now.getTime() + DEFAULT_DEADLINE_MS)).toISOString() };
  const location = await transport.put(rebased);
  await dropSuperseded(transport, rebased);
  return { request: rebased, location, transport: transport.kind, evaluation: evaluateRequest(rebased, trusted, now), lost };
}
