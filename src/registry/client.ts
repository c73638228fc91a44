// OCI distribution API client: what `sign` needs from a registry. Resolves a tag to the manifest
// digest and byte length that docker signs, and uploads blobs for `sign --meta`. For the signature
// export: manifests read and written by tag or digest, and the referrers of a manifest (the
// referrers API, else the referrers tag schema's `sha256-<hex>` index).
// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md
//
// Transport: https always, with CAs from `$DOCKER_CONFIG/tls/<host>/` (plus `tls`). Plain http
// only for loopback registries (localhost, 127.0.0.0/8, ::1), which docker treats as insecure
// registries by default: with `loopbackScheme: 'auto'` (the default) https is tried first and
// http is used when the server does not speak TLS; 'http' or 'https' forces one. Registries listed
// in the docker daemon's `insecure-registries` (src/registry/insecure.ts) get the same treatment,
// with https certificates not verified, as dockerd does.
//
// Pushes (blobs, manifests: src/registry/blob-upload.ts, push.ts) run each request under a stall
// timeout rather than the command's deadline, which a large layer could rightly outlast.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { dockerConfigDir } from '../config/paths.js';
import type { Deadline } from '../net/deadline.js';
import { tlsHint } from '../net/tls-failure.js';
import { createAuthorizer, repositoryScope, type Authorizer } from './auth.js';
import * as blobUpload from './blob-upload.js';
import type { BlobSource, BlobUploadOptions, RetryPolicy, UploadTransport } from './blob-upload.js';
import { loadRegistryCredentials, type RegistryCredentials } from './credentials.js';
import { RegistryRequestError } from './errors.js';
import { DOCKER_HUB_API_HOST, DOCKER_HUB_DOMAIN, isLoopbackHost } from './hosts.js';
import { createHttpFetch, HttpTransportError, type HttpFetch, type HttpRequestInit, type HttpResponse, type TlsMaterial } from './http.js';
import { daemonConfigFile, isInsecureRegistry, loadInsecureRegistries, parseInsecureRegistries } from './insecure.js';
import type { ImageReference } from './reference.js';
import { dockerTlsDirectory, readDockerTlsDirectory } from './tls-dir.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(', ');
/** docker's maxManifestBodySize. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024;

export interface ManifestDescriptor {
  /** `sha256:<hex>` of the manifest bytes: what docker signs as the target hash. */
  digest: string;
  /** Byte length of the manifest: the target length. */
  size: number;
  mediaType: string;
}

/** A manifest read by tag or digest: its bytes, checked against its digest. */
export interface FetchedManifest extends ManifestDescriptor {
  bytes: Uint8Array;
}

/** One entry of a referrers list (an OCI index's `manifests`). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface Referrers {
  /** True when the registry answers the referrers API; false: read from the fallback tag. */
  api: boolean;
  manifests: ReferrerDescriptor[];
  /** The fallback index as read (undefined when the API answered or the tag does not exist). */
  fallbackIndex?: FetchedManifest;
}

/** The referrers tag schema: `sha256-<hex>` for the referrers of `sha256:<hex>` (distribution-spec). */
export function referrersFallbackTag(digest: string): string {
  return digest.replace(':', '-');
}

export interface BlobDescriptor {
  digest: string;
  size: number;
}

export interface RegistryClientOptions {
  /** Credentials per registry host. Default: docker's config.json and credential helpers. */
  credentials?: (registryHost: string) => Promise<RegistryCredentials | undefined>;
  /** Extra TLS material for every registry (added to `$DOCKER_CONFIG/tls/<host>/`). */
  tls?: TlsMaterial;
  /** Default `$DOCKER_CONFIG`, else `~/.docker`. */
  dockerConfigDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Replaces the HTTP transport entirely (tests); TLS options are then ignored. */
  fetch?: HttpFetch;
  /** How to reach loopback registries; non-loopback registries always use https. */
  loopbackScheme?: 'auto' | 'https' | 'http';
  /** The command's deadline, shared by every request (default: 30 s from the first request). */
  deadline?: Deadline;
  userAgent?: string;
  /** docker's `insecure-registries` entries. Default: those of the daemon config (insecure.ts). */
  insecureRegistries?: readonly string[];
  /** Pushes: a request fails when no byte moved for this long (default 30 s). */
  stallTimeoutMs?: number;
  /** Pushes: how transient failures are retried (default blob-upload's DEFAULT_RETRY). */
  retry?: RetryPolicy;
}

/** Pushes: a request fails when no byte moved for this long. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

type SendInit = Omit<HttpRequestInit, 'method'>;

interface HostSession {
  baseUrl: string;
  fetch: HttpFetch;
  authorize: Authorizer;
  /** The same for pushes: its token requests run under the stall timeout, not the deadline. */
  authorizeTransfer: Authorizer;
  /** WWW-Authenticate of the last 401, answered on every following request. */
  challenge?: string;
}

export class RegistryClient {
  readonly #options: RegistryClientOptions;
  readonly #sessions = new Map<string, Promise<HostSession>>();

  constructor(options: RegistryClientOptions = {}) {
    this.#options = options;
  }

  /**
   * The manifest that `reference` (its digest if it has one, else its tag) points to. HEAD first;
   * GET when HEAD does not give a sha256 digest and a length, and then the bytes are hashed and
   * checked against the registry's Docker-Content-Digest.
   */
  resolve(reference: ImageReference): Promise<ManifestDescriptor> {
    return this.#resolve(reference, {});
  }

  async #resolve(reference: ImageReference, timing: { stallTimeoutMs?: number }): Promise<ManifestDescriptor> {
    const target = reference.digest ?? reference.tag;
    if (!target) throw new RegistryRequestError(`no tag specified for ${reference.input}`);
    const path = `/v2/${reference.path}/manifests/${target}`;
    const scope = repositoryScope(reference.path, ['pull']);
    const accept = { Accept: MANIFEST_ACCEPT };

    const head = await this.#send(reference, 'HEAD', path, scope, { headers: accept, ...timing });
    if (head.status === 404) throw notFound(reference);
    if (head.ok) {
      const described = describedByHeaders(head);
      if (described) return checkRequestedDigest(reference, checkManifestSize(reference, described));
    } else if (head.status === 401 || head.status === 403) {
      throw statusError(reference, head, 'read', '');
    }

    const get = await this.#send(reference, 'GET', path, scope, { headers: accept, maxBytes: MAX_MANIFEST_BYTES, ...timing });
    if (get.status === 404) throw notFound(reference);
    if (!get.ok) throw statusError(reference, get, 'read', await get.text());
    const bytes = new Uint8Array(await get.arrayBuffer());
    const digest = `sha256:${sha256Hex(bytes)}`;
    const announced = get.headers.get('docker-content-digest');
    if (announced && !digestMatches(announced, bytes)) {
      throw new RegistryRequestError(
        `${reference.registryHost} sent a manifest for ${reference.gun}:${target} whose bytes do not match its digest ${announced}`,
      );
    }
    const mediaType = contentType(get) ?? mediaTypeInBody(bytes) ?? '';
    return checkRequestedDigest(reference, { digest, size: bytes.length, mediaType });
  }

  /**
   * Uploads `bytes` as a blob of the repository (blob-upload's path, under the command's deadline).
   * A blob the registry already has is not sent again.
   */
  async uploadBlob(reference: ImageReference, bytes: Uint8Array): Promise<BlobDescriptor> {
    const digest = `sha256:${sha256Hex(bytes)}`;
    const transport = this.#uploadTransport(reference, false);
    if (await blobUpload.blobExists(transport, digest)) return { digest, size: bytes.length };
    const source: BlobSource = { digest, size: bytes.length, open: (offset = 0) => Readable.from([Buffer.from(bytes).subarray(offset)]) };
    await blobUpload.uploadBlob(transport, source, { chunkBytes: bytes.length, ...(this.#options.retry ? { retry: this.#options.retry } : {}) });
    return { digest, size: bytes.length };
  }

  /** Pushes: does the repository have this blob (HEAD)? */
  blobExists(reference: ImageReference, digest: string, signal?: AbortSignal): Promise<boolean> {
    return blobUpload.blobExists(this.#uploadTransport(reference, true), digest, signal);
  }

  /**
   * Pushes: mounts `digest` from another repository of the same registry. `{ mounted: false }`
   * carries the upload session the registry opened instead (pass it to pushBlob as `location`).
   */
  mountBlob(reference: ImageReference, digest: string, fromRepository: string, signal?: AbortSignal): Promise<{ mounted: true } | { mounted: false; location: string }> {
    return blobUpload.mountBlob(this.#uploadTransport(reference, true), digest, fromRepository, signal);
  }

  /** Pushes: streams a blob (chunked when larger than `chunkBytes`, resumed and retried on transient failures). */
  pushBlob(reference: ImageReference, source: BlobSource, options: BlobUploadOptions = {}): Promise<void> {
    const retry = options.retry ?? this.#options.retry;
    return blobUpload.uploadBlob(this.#uploadTransport(reference, true), source, { ...options, ...(retry ? { retry } : {}) });
  }

  /** Pushes: drops an upload session (a mount's 202 that is not used). */
  cancelUpload(reference: ImageReference, location: string): Promise<void> {
    return blobUpload.cancelUpload(this.#uploadTransport(reference, true), location);
  }

  /**
   * Pushes: stores a manifest at `target` (a tag, or its own digest) and returns the digest the
   * registry reports (Docker-Content-Digest), which the caller compares with its own.
   */
  async pushManifest(reference: ImageReference, target: string, bytes: Uint8Array, mediaType: string, signal?: AbortSignal): Promise<ManifestDescriptor> {
    const transport = this.#uploadTransport(reference, true);
    const put = () =>
      transport.send('PUT', `/v2/${reference.path}/manifests/${target}`, {
        headers: { 'Content-Type': mediaType },
        body: bytes,
        ...(signal ? { signal } : {}),
      });
    const response = await blobUpload.withRetries(this.#options.retry ?? blobUpload.DEFAULT_RETRY, async () => {
      const answer = await put();
      if (answer.status !== 201 && answer.status !== 200) throw transport.failure(answer, await answer.text());
      return answer;
    }, signal ? { signal } : {});
    const announced = response.headers.get('docker-content-digest');
    return { digest: announced ?? `sha256:${sha256Hex(bytes)}`, size: bytes.length, mediaType };
  }

  /** Pushes: what the registry now serves at `target` (HEAD, as resolve does, under the stall timeout). */
  describePushed(reference: ImageReference, target: string): Promise<ManifestDescriptor> {
    return this.#resolve({ ...reference, tag: target, digest: undefined } as ImageReference, { stallTimeoutMs: this.#stallMs });
  }

  get #stallMs(): number {
    return this.#options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  }

  /** The client's requests for one repository, as blob-upload needs them. */
  #uploadTransport(reference: ImageReference, transfer: boolean): UploadTransport {
    const pushScope = repositoryScope(reference.path, ['pull', 'push']);
    return {
      registryHost: reference.registryHost,
      repository: reference.path,
      send: (method, pathOrUrl, init = {}) => {
        const { scope, ...rest } = init;
        return this.#send(reference, method, pathOrUrl, scope ?? pushScope, transfer ? { stallTimeoutMs: this.#stallMs, ...rest } : rest);
      },
      resolveUrl: async (location) => new URL(location, (await this.#session(reference.registryHost)).baseUrl).toString(),
      failure: (response, body) => statusError(reference, response, 'push to', body),
    };
  }

  /** A blob's bytes, checked against its digest. */
  async fetchBlob(reference: ImageReference, digest: string, maxBytes = DEFAULT_MAX_BLOB_BYTES): Promise<Uint8Array> {
    const scope = repositoryScope(reference.path, ['pull']);
    const response = await this.#send(reference, 'GET', `/v2/${reference.path}/blobs/${digest}`, scope, { maxBytes });
    if (response.status === 404) throw new RegistryRequestError(`blob ${digest} not found in ${reference.gun}`, 404);
    if (!response.ok) throw statusError(reference, response, 'read', await response.text());
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!digestMatches(digest, bytes)) {
      throw new RegistryRequestError(`${reference.registryHost} sent bytes for blob ${digest} that do not match it`);
    }
    return bytes;
  }

  /** Stores a manifest under the reference's tag (or digest). For tests, demos and mirrors. */
  async putManifest(reference: ImageReference, bytes: Uint8Array, mediaType: string): Promise<ManifestDescriptor> {
    const target = reference.tag ?? reference.digest;
    if (!target) throw new RegistryRequestError(`no tag specified for ${reference.input}`);
    const scope = repositoryScope(reference.path, ['pull', 'push']);
    const response = await this.#send(reference, 'PUT', `/v2/${reference.path}/manifests/${target}`, scope, {
      headers: { 'Content-Type': mediaType },
      body: bytes,
    });
    if (response.status !== 201) throw statusError(reference, response, 'push to', await response.text());
    // What the registry says it stored (Docker-Content-Digest), else what was sent.
    const announced = response.headers.get('docker-content-digest');
    return { digest: announced ?? `sha256:${sha256Hex(bytes)}`, size: bytes.length, mediaType };
  }

  /**
   * The manifest at `target` (a tag or a digest) of the reference's repository, or undefined when the
   * registry has none. The bytes are hashed: a digest target (and a Docker-Content-Digest the
   * registry sends) must match them.
   */
  async fetchManifest(reference: ImageReference, target: string): Promise<FetchedManifest | undefined> {
    const scope = repositoryScope(reference.path, ['pull']);
    const response = await this.#send(reference, 'GET', `/v2/${reference.path}/manifests/${target}`, scope, {
      headers: { Accept: MANIFEST_ACCEPT },
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw statusError(reference, response, 'read', await response.text());
    const bytes = new Uint8Array(await response.arrayBuffer());
    const announced = response.headers.get('docker-content-digest');
    for (const expected of [announced, target.includes(':') ? target : undefined]) {
      if (expected && !digestMatches(expected, bytes)) {
        throw new RegistryRequestError(`${reference.registryHost} sent a manifest for ${reference.gun}:${target} whose bytes do not match ${expected}`);
      }
    }
    const mediaType = contentType(response) ?? mediaTypeInBody(bytes) ?? '';
    return { digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, mediaType, bytes };
  }

  /** Stores a manifest at `target` (a tag, or the manifest's own digest) of the reference's repository. */
  async putManifestAt(reference: ImageReference, target: string, bytes: Uint8Array, mediaType: string): Promise<ManifestDescriptor> {
    return this.putManifest({ ...reference, tag: target }, bytes, mediaType);
  }

  /**
   * The manifests that name `digest` as their subject: from the referrers API when the registry
   * has it, else from the referrers tag schema's index (registries without OCI 1.1, such as
   * distribution 2.8, answer 404 there). go-containerregistry's pkg/v1/remote/referrers.go falls
   * back on the same statuses.
   */
  async referrers(reference: ImageReference, digest: string): Promise<Referrers> {
    const scope = repositoryScope(reference.path, ['pull']);
    const response = await this.#send(reference, 'GET', `/v2/${reference.path}/referrers/${digest}`, scope, {
      headers: { Accept: MEDIA_TYPES.ociIndex },
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (response.ok && contentType(response) === MEDIA_TYPES.ociIndex) {
      return { api: true, manifests: indexEntries(new Uint8Array(await response.arrayBuffer()), reference) };
    }
    if (response.status === 401 || response.status === 403) throw statusError(reference, response, 'read', await response.text());
    const fallbackIndex = await this.fetchManifest(reference, referrersFallbackTag(digest));
    return {
      api: false,
      manifests: fallbackIndex ? indexEntries(fallbackIndex.bytes, reference) : [],
      ...(fallbackIndex ? { fallbackIndex } : {}),
    };
  }

  /**
   * One request with authorization. A 401 carrying a new challenge is answered once and the
   * request retried; the challenge is then kept for the host's later requests.
   */
  async #send(
    reference: ImageReference,
    method: string,
    pathOrUrl: string,
    scope: string,
    init: SendInit = {},
  ): Promise<HttpResponse> {
    const session = await this.#session(reference.registryHost);
    const url = pathOrUrl.startsWith('/') ? `${session.baseUrl}${pathOrUrl}` : pathOrUrl;
    const authorize = init.stallTimeoutMs === undefined ? session.authorize : session.authorizeTransfer;
    for (let attempt = 0; ; attempt++) {
      const headers = { ...init.headers };
      if (session.challenge) {
        const authorization = await authorize(session.challenge, scope);
        if (authorization) headers.Authorization = authorization;
      }
      const response = await this.#transport(reference.registryHost, () =>
        session.fetch(url, { ...init, method, headers }),
      );
      const challenge = response.headers.get('www-authenticate');
      if (response.status !== 401 || !challenge || attempt > 0 || challenge === session.challenge) return response;
      session.challenge = challenge;
      // A streamed body (a chunk of a layer) has been read: it cannot be sent again here.
      if (init.body instanceof Readable || typeof init.body === 'function') return response;
    }
  }

  #session(registryHost: string): Promise<HostSession> {
    let session = this.#sessions.get(registryHost);
    if (!session) {
      session = this.#openSession(registryHost);
      this.#sessions.set(registryHost, session);
      session.catch(() => this.#sessions.delete(registryHost));
    }
    return session;
  }

  /** Picks the scheme, pings `/v2/` and remembers its challenge (as docker's client does). */
  async #openSession(registryHost: string): Promise<HostSession> {
    const options = this.#options;
    const apiHost = registryHost === DOCKER_HUB_DOMAIN ? DOCKER_HUB_API_HOST : registryHost;
    const loopback = isLoopbackHost(registryHost);
    const insecure = !loopback && (await this.#isInsecure(registryHost));
    const fetch = options.fetch ?? (await this.#defaultFetch(registryHost, insecure));
    const credentials = options.credentials ?? ((host: string) =>
      loadRegistryCredentials(host, { dockerConfigDir: options.dockerConfigDir, env: options.env }));
    const authorize = createAuthorizer({ credentials: () => credentials(registryHost), fetch });
    const stallTimeoutMs = this.#stallMs;
    const authorizeTransfer = createAuthorizer({
      credentials: () => credentials(registryHost),
      fetch: (url, init) => fetch(url, { ...init, stallTimeoutMs }),
    });

    const mode = loopback ? (options.loopbackScheme ?? 'auto') : insecure ? 'auto' : 'https';
    const ping = (scheme: string): Promise<HttpResponse> =>
      this.#transport(registryHost, () => fetch(`${scheme}://${apiHost}/v2/`, { method: 'GET', maxBytes: 64 * 1024 }));

    let scheme = mode === 'http' ? 'http' : 'https';
    let answer: HttpResponse;
    try {
      answer = await ping(scheme);
    } catch (e) {
      // docker's rule for insecure registries (loopback ones by default): TLS first, then plain HTTP when TLS is not spoken.
      const notTls = e instanceof RegistryRequestError && e.cause instanceof HttpTransportError &&
        (e.cause.failure === 'protocol' || e.cause.code === 'ECONNRESET');
      if (!loopback && mode === 'https' && e instanceof RegistryRequestError && e.cause instanceof HttpTransportError && e.cause.failure === 'protocol') {
        throw new RegistryRequestError(`registry ${registryHost} does not speak TLS at https://${apiHost}/v2/`, undefined, {
          cause: e,
          hint: `if it serves plain HTTP, add "${registryHost}" to "insecure-registries" in ${daemonConfigFile(options.env)}`,
        });
      }
      if (mode !== 'auto' || !notTls) throw e;
      scheme = 'http';
      answer = await ping(scheme);
    }
    const session: HostSession = { baseUrl: `${scheme}://${apiHost}`, fetch, authorize, authorizeTransfer };
    const challenge = answer.headers.get('www-authenticate');
    if (answer.status === 401 && challenge) session.challenge = challenge;
    return session;
  }

  async #isInsecure(registryHost: string): Promise<boolean> {
    const listed = this.#options.insecureRegistries;
    const insecure = listed ? parseInsecureRegistries(listed) : await loadInsecureRegistries(daemonConfigFile(this.#options.env));
    return isInsecureRegistry(registryHost, insecure);
  }

  async #defaultFetch(registryHost: string, insecure: boolean): Promise<HttpFetch> {
    const options = this.#options;
    const configDir = options.dockerConfigDir ?? dockerConfigDir(options.env);
    const fromDir = await readDockerTlsDirectory(dockerTlsDirectory(configDir, registryHost));
    const extra = options.tls ?? {};
    const tls: TlsMaterial = { caPem: [...fromDir.caPem, ...(extra.caPem ?? [])] };
    const clientCert = extra.clientCert ?? fromDir.clientCert;
    const clientKey = extra.clientKey ?? fromDir.clientKey;
    if (clientCert && clientKey) Object.assign(tls, { clientCert, clientKey });
    if (insecure) tls.skipVerify = true;
    return createHttpFetch({
      tls,
      ...(options.deadline ? { deadline: options.deadline } : {}),
      userAgent: options.userAgent ?? 'trust-tui',
    });
  }

  /** Turns transport failures into one-line errors that name the registry. */
  async #transport(registryHost: string, call: () => Promise<HttpResponse>): Promise<HttpResponse> {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof HttpTransportError)) throw e;
      if (e.failure === 'tls') {
        throw new RegistryRequestError(`TLS failure talking to registry ${registryHost}: ${e.message}`, undefined, {
          cause: e,
          // A date or a host name has its own advice; a certificate that does not chain needs another CA.
          hint: tlsHint(e.tlsAdvice ?? { chain: true }, `put its CA in $DOCKER_CONFIG/tls/${registryHost}/ca.crt`),
        });
      }
      const message =
        e.failure === 'timeout'
            ? `registry ${registryHost}: ${e.message}`
            : e.failure === 'too-large'
              ? `registry ${registryHost} sent too much data: ${e.message}`
              : `cannot reach registry ${registryHost}: ${e.message}`;
      throw new RegistryRequestError(message, undefined, { cause: e, ...(e.hint ? { hint: e.hint } : {}) });
    }
  }
}

/** The `manifests` of an OCI index; entries without a digest and size are left out. */
function indexEntries(bytes: Uint8Array, reference: ImageReference): ReferrerDescriptor[] {
  let parsed: { manifests?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { manifests?: unknown };
  } catch {
    throw new RegistryRequestError(`${reference.registryHost} sent a referrers index for ${reference.gun} that is not JSON`);
  }
  if (!Array.isArray(parsed.manifests)) return [];
  return parsed.manifests.filter(
    (m): m is ReferrerDescriptor =>
      typeof m === 'object' && m !== null && typeof (m as ReferrerDescriptor).digest === 'string' && Number.isSafeInteger((m as ReferrerDescriptor).size),
  );
}

function describedByHeaders(response: HttpResponse): ManifestDescriptor | undefined {
  const digest = response.headers.get('docker-content-digest');
  const length = Number(response.headers.get('content-length'));
  const mediaType = contentType(response);
  if (!digest?.startsWith('sha256:') || !Number.isSafeInteger(length) || length <= 0 || !mediaType) return undefined;
  return { digest, size: length, mediaType };
}

function checkManifestSize(reference: ImageReference, described: ManifestDescriptor): ManifestDescriptor {
  if (described.size > MAX_MANIFEST_BYTES) {
    throw new RegistryRequestError(`the manifest of ${reference.input} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  return described;
}

/** For `repo@sha256:…`: the registry must serve exactly that manifest. */
function checkRequestedDigest(reference: ImageReference, described: ManifestDescriptor): ManifestDescriptor {
  if (reference.digest?.startsWith('sha256:') && reference.digest !== described.digest) {
    throw new RegistryRequestError(
      `${reference.registryHost} answered ${described.digest} for ${reference.gun}@${reference.digest}`,
    );
  }
  return described;
}

function contentType(response: HttpResponse): string | undefined {
  const value = response.headers.get('content-type')?.split(';')[0]?.trim();
  return value || undefined;
}

function mediaTypeInBody(bytes: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `algorithm:hex` against the bytes, for the algorithms go-digest knows. */
function digestMatches(digest: string, bytes: Uint8Array): boolean {
  const [algorithm, hex] = digest.split(':');
  if (!hex || !['sha256', 'sha384', 'sha512'].includes(algorithm ?? '')) return false;
  return createHash(algorithm as string).update(bytes).digest('hex') === hex.toLowerCase();
}

function notFound(reference: ImageReference): RegistryRequestError {
  const what = reference.digest ? `manifest ${reference.digest}` : `tag ${reference.tag}`;
  return new RegistryRequestError(`${what} not found in ${reference.gun}`, 404, {
    hint: { cli: 'push it first, or give --digest and --size', ui: 'push it to the registry first' },
  });
}

/** 401/403/other statuses, with the server's own message when its error body has one. */
function statusError(reference: ImageReference, response: HttpResponse, action: string, body: string): RegistryRequestError {
  const host = reference.registryHost;
  if (response.status === 401) {
    const login = host === DOCKER_HUB_DOMAIN ? 'docker login' : `docker login ${host}`;
    return new RegistryRequestError(`not authorized to ${action} ${reference.gun} (401 from registry ${host})`, 401, {
      hint: { cli: `run \`${login}\``, ui: `log in with \`${login}\` in a shell, then try again` },
    });
  }
  const reason = serverReason(body);
  if (response.status === 403) {
    return new RegistryRequestError(`registry ${host} denied access to ${reference.gun} (403)${reason ? `: ${reason}` : ''}`, 403);
  }
  return new RegistryRequestError(
    `registry ${host} answered ${response.status} for ${reference.gun}${reason ? `: ${reason}` : ''}`,
    response.status,
  );
}

/** The first message of a distribution error body `{"errors":[{code,message,detail}]}`. */
function serverReason(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    return first ? [first.code, first.message].filter(Boolean).join(' ') : undefined;
  } catch {
    return undefined;
  }
}
