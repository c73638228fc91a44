// `info REPO[:TAG]`: everything about a repository in one place — every tag with digest, size and
// who signed it, every signer and key (and which of them this host holds), every role's version and
// expiry, the server and whether the answer came from it or from the cache.
// `info` alone: this host — keys, settings, servers, pins, trust directory.
import { defaultConfigDir } from '../config/paths.js';
import { CONNECT_TIMEOUT_MS, Deadline } from '../net/deadline.js';
import { parseReference } from '../registry/reference.js';
import { connectToServer, deadlineOf, type ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { listKeys, type ListedKey } from './keys.js';
import { InputError } from './errors.js';
import { openRepository } from './repository.js';
import type { JsonValue } from '../tuf/canonical.js';
import { hintOf } from '../tuf/errors.js';
import { ServerTimeoutError } from '../notary/http-errors.js';
import type { RefreshOptions } from '../notary/updater.js';
import { releasesSignoff, type ReleasesSignoff } from './releases-signoff.js';
import { RELEASES_ROLE, REPO_ADMIN, type DelegationInfo } from '../tuf/repository-view.js';

export interface TagInfo {
  tag: string;
  digest: string;
  size: number;
  signers: string[];
  releasedBy: string[];
  verified: boolean;
  problem?: string;
  /** The target's custom data (`sign --meta`, `notary add --custom`), as recorded. */
  custom?: JsonValue;
}

export interface SignerInfo {
  name: string;
  role: string;
  threshold: number;
  paths: readonly string[];
  state: string;
  problem?: string;
  keys: { id: string; type: string; held: boolean }[];
}

export interface RepositoryInfo {
  gun: string;
  server: string;
  offline: boolean;
  tags: TagInfo[];
  /** docker's signers: every delegation but targets/releases (`signer add/remove releases` is refused). */
  signers: SignerInfo[];
  /** targets/releases, the role every signer also writes to; not a signer. */
  releases?: SignerInfo;
  /** targets/releases' threshold over distinct keys, and whose signature on it verifies. */
  releasesSignoff?: ReleasesSignoff;
  administrativeKeys: { root: { id: string; canonicalId: string; held: boolean }[]; repository: { id: string; held: boolean }[] };
  roles: { role: string; version: number; expires: string; state: string }[];
  /** The root certificates' validity: notary refuses the repository when none is valid now. */
  rootCertificates: { id: string; notBefore: string; notAfter: string; state: string }[];
  warnings: string[];
}

export async function repositoryInfo(
  ctx: TrustContext,
  input: string,
  options: ServerOptions & { onRoleVerified?: RefreshOptions['onRoleVerified'] } = {},
): Promise<RepositoryInfo> {
  const reference = parseReference(input);
  const repo = await openRepository(ctx, reference, options);
  const { view, offline, warnings } = repo.state!;
  const held = new Set((await ctx.keys.list()).map((k) => k.id));
  const rows = reference.tag === undefined ? view.releasedTags({ includeUnverified: true }) : view.tag(reference.tag);
  if (reference.tag !== undefined && rows.length === 0) {
    throw new InputError(`no signed tag ${reference.tag} in ${repo.gun}`, {
      hint: { cli: `see the signed tags with trust-tui info ${repo.gun}`, ui: 'see the signed tags on the Tags screen' },
    });
  }
  const admin = view.administrativeKeys();
  const releases = view.delegations().find((d) => d.role === RELEASES_ROLE);
  const signoff = releasesSignoff(view);
  const signerInfo = (d: DelegationInfo): SignerInfo => ({
    name: d.name,
    role: d.role,
    threshold: d.threshold,
    paths: d.paths,
    state: d.state,
    ...(d.problem ? { problem: d.problem } : {}),
    keys: d.keys.map((k) => ({ id: k.canonicalId, type: k.keytype, held: held.has(k.canonicalId) })),
  });
  return {
    gun: repo.gun,
    server: repo.endpoint.url,
    offline,
    tags: rows.map((t) => {
      // Who signed it, as verify says: approvers of a k-of-n release sign targets/releases alone.
      const signers = view.whoSigned(t);
      return {
        tag: t.tag,
        digest: t.digest,
        size: t.length,
        signers: signers.length > 0 ? signers : [REPO_ADMIN],
        releasedBy: t.releasedBy,
        verified: t.verified,
        ...(t.problem ? { problem: t.problem } : {}),
        ...(t.meta.custom !== undefined ? { custom: t.meta.custom } : {}),
      };
    }),
    signers: view.signers().map(signerInfo),
    ...(releases ? { releases: signerInfo(releases) } : {}),
    ...(signoff ? { releasesSignoff: signoff } : {}),
    administrativeKeys: {
      root: admin.root.map((k) => ({ id: k.id, canonicalId: k.canonicalId, held: held.has(k.canonicalId) })),
      repository: admin.repository.map((k) => ({ id: k.id, held: held.has(k.canonicalId) })),
    },
    roles: view.expiries().map((e) => ({ role: e.role, version: e.version, expires: e.expires.toString(), state: e.state })),
    rootCertificates: view.rootCertificates().map((c) => ({
      id: c.keyId,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      state: c.state,
    })),
    warnings,
  };
}

export interface HostInfo {
  trustDir: string;
  cacheDir: string;
  configDir: string;
  rootKeyId: string | null;
  tofu: boolean;
  keys: ListedKey[];
  servers: { scope: string; url: string; ca?: string; state: string }[];
  environmentServer: { url: string; state: string } | null;
  /** The server given with `--server`, probed as the others (null without the flag). */
  givenServer: { url: string; state: string } | null;
  pins: { scope: string; kind: 'certificates' | 'ca'; certs?: string[] }[];
  watched: string[];
}

/**
 * `online`, or `offline: <why>` — a ping of the server, reached as every command reaches it (its CA
 * from `--tlscacert`, the entry's `--ca` or docker's tls directory), with a short timeout.
 */
async function probe(ctx: TrustContext, url: string, options: ServerOptions & { configCa?: string }): Promise<string> {
  try {
    const deadline = new Deadline(Math.min(CONNECT_TIMEOUT_MS, deadlineOf(ctx).remainingMs()));
    const client = await connectToServer(ctx, url, { ...options, deadline });
    await client.ping();
    return 'online';
  } catch (e) {
    // Host info is the command line's: its form of the next step. A probe is bounded on its own
    // (--timeout does not lengthen it), so a hung server gets no advice to wait longer.
    const hint = e instanceof ServerTimeoutError ? 'is the server up?' : hintOf(e, 'cli');
    return `offline: ${(e as Error).message.split('\n')[0]}${hint ? ` — ${hint}` : ''}`;
  }
}

/** `info` without a repository. `--tlscacert` is the anchor of every server probed, as for any command. */
export async function hostInfo(ctx: TrustContext, options: ServerOptions = {}): Promise<HostInfo> {
  const s = ctx.settings.data;
  const given = { tlsCaCert: options.tlsCaCert, allowInsecureLoopback: options.allowInsecureLoopback };
  return {
    trustDir: ctx.trustDir,
    cacheDir: `${ctx.trustDir}/tuf`,
    configDir: ctx.settings.dir ?? defaultConfigDir(),
    rootKeyId: s.rootKeyId ?? null,
    tofu: s.tofu,
    keys: await listKeys(ctx),
    servers: await Promise.all(Object.entries(s.servers).map(async ([scope, e]) => ({ scope, ...e, state: await probe(ctx, e.url, { ...given, configCa: e.ca }) }))),
    environmentServer: ctx.env.DOCKER_CONTENT_TRUST_SERVER
      ? { url: ctx.env.DOCKER_CONTENT_TRUST_SERVER, state: await probe(ctx, ctx.env.DOCKER_CONTENT_TRUST_SERVER, given) }
      : null,
    givenServer: options.server ? { url: options.server, state: await probe(ctx, options.server, given) } : null,
    pins: Object.entries(s.pins).map(([scope, p]) => (p.certs?.length ? { scope, kind: 'certificates' as const, certs: p.certs } : { scope, kind: 'ca' as const })),
    watched: s.watched,
  };
}
