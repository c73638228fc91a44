// Which Notary server holds a repository's trust data, and how to talk to it (TLS material).
// Precedence: `--server` > DOCKER_CONTENT_TRUST_SERVER > `trust-tui config server` (most specific
// GUN or prefix) > docker's default (docker/cli cli/trust/trust.go, Server). TLS trust anchor: the
// first of `--tlscacert`, the config entry's CA, docker's `$DOCKER_CONFIG/tls/<host[:port]>/*.crt`
// (docker/cli cli/trust/trust.go); only that one is trusted, as notary's `--tlscacert` (never merged,
// so a wrong CA cannot go unnoticed).
// Unlike docker, TLS is verified for loopback registries too (docker switches it off there).
import { resolve } from 'node:path';
import { dockerConfigDir } from '../config/paths.js';
import { MAX_PEM_BYTES, readUserText } from '../config/user-files.js';
import type { ServerEntry } from '../config/settings.js';
import { DOCKER_HUB_DOMAIN, isLoopbackHost } from '../registry/hosts.js';
import type { ImageReference } from '../registry/reference.js';
import { dockerTlsDirectory, readDockerTlsDirectory } from '../registry/tls-dir.js';
import { HintedError } from '../tuf/errors.js';

/** Docker Hub's Notary service. */
export const DOCKER_HUB_NOTARY_URL = 'https://notary.docker.io';
export const DOCKER_HUB_NOTARY_SHUTDOWN = '2026-12-08';

export type TrustServerSource = 'flag' | 'env' | 'config' | 'default';

export interface TrustServerOptions {
  /** `--server URL` */
  server?: string;
  /** `--tlscacert FILE` */
  tlsCaCert?: string;
  /** `servers` of trust-tui's settings: exact GUN or `prefix/*` -> entry. */
  servers?: Record<string, ServerEntry>;
  /** Reads DOCKER_CONTENT_TRUST_SERVER and DOCKER_CONFIG; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default `$DOCKER_CONFIG`, else `~/.docker`. */
  dockerConfigDir?: string;
  /** Accept `http://` for loopback hosts (tests, demos). Never for other hosts. */
  allowInsecureLoopback?: boolean;
}

export interface TrustServerChoice {
  /** Normalised: scheme, host[:port], path without a trailing slash. */
  url: string;
  source: TrustServerSource;
  /** The `config server` key that matched: the source is 'config', or a flag or env named that same URL. */
  configKey?: string;
  /** CA file of that config entry (used unless --tlscacert gives one). */
  configCa?: string;
  /** The `config server` entry for the repository that DOCKER_CONTENT_TRUST_SERVER overrode (another URL). */
  overridden?: { key: string; url: string };
}

/** Where the CAs trusted for the server came from ('system': none given, the system's roots). */
export type TrustAnchorSource = 'flag' | 'config' | 'docker-tls-dir' | 'system';

export interface TrustEndpoint extends TrustServerChoice {
  /** The CAs trusted for this server, instead of the system's: the trust anchor. Empty for 'system'. */
  caPem: string[];
  anchor: { source: TrustAnchorSource; files: string[]; tlsDir: string };
  /** Client certificate and key for mutual TLS, from the docker TLS directory. */
  clientCert?: string;
  clientKey?: string;
  /** Files the TLS material came from (for `info`). */
  tlsFiles: string[];
  /** One-line notices for the user (e.g. the Docker Hub shutdown). */
  warnings: string[];
}

export class TrustServerError extends HintedError {
  override name = 'TrustServerError';
}

/** Picks the server URL for a repository, without touching the file system. */
export function selectTrustServer(
  reference: Pick<ImageReference, 'gun' | 'registryHost'>,
  options: TrustServerOptions = {},
): TrustServerChoice {
  const env = options.env ?? process.env;
  const allow = options.allowInsecureLoopback ?? false;
  const configured = matchServerEntry(reference.gun, options.servers ?? {});
  const given = options.server ? { url: options.server, source: 'flag' as const } : env.DOCKER_CONTENT_TRUST_SERVER ? { url: env.DOCKER_CONTENT_TRUST_SERVER, source: 'env' as const } : undefined;
  if (given) {
    const url = normaliseServerUrl(given.url, allow);
    // The server `config server` names for this repository, given again: its CA still applies.
    const sameAsConfigured = configured?.entry.ca !== undefined && sameServerUrl(configured.entry.url, url, allow);
    // A flag is meant for this command; a variable set long ago may be forgotten, so it is said.
    const overridden = given.source === 'env' && configured && !sameServerUrl(configured.entry.url, url, allow) ? { key: configured.key, url: configured.entry.url } : undefined;
    return { url, source: given.source, ...(sameAsConfigured ? { configKey: configured.key, configCa: configured.entry.ca } : {}), ...(overridden ? { overridden } : {}) };
  }
  if (configured) {
    return {
      url: normaliseServerUrl(configured.entry.url, allow),
      source: 'config',
      configKey: configured.key,
      ...(configured.entry.ca ? { configCa: configured.entry.ca } : {}),
    };
  }
  const url = reference.registryHost === DOCKER_HUB_DOMAIN ? DOCKER_HUB_NOTARY_URL : `https://${reference.registryHost}`;
  return { url: normaliseServerUrl(url, allow), source: 'default' };
}

function sameServerUrl(raw: string, url: string, allow: boolean): boolean {
  try {
    return normaliseServerUrl(raw, allow) === url;
  } catch {
    return false;
  }
}

/**
 * The `config server` entry for `gun`: an exact key wins, else the longest `prefix*` key whose
 * prefix starts the GUN (`registry.example.com/team/*` covers `registry.example.com/team/app`),
 * the same prefix rule notary uses for trust pinning.
 */
export function matchServerEntry<T = ServerEntry>(
  gun: string,
  servers: Record<string, T>,
): { key: string; entry: T } | undefined {
  const exact = servers[gun];
  if (exact) return { key: gun, entry: exact };
  let best: { key: string; entry: T } | undefined;
  for (const [key, entry] of Object.entries(servers)) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (gun.startsWith(prefix) && (!best || prefix.length > best.key.length - 1)) best = { key, entry };
  }
  return best;
}

/**
 * `host[:port][/path]` gets https. `http://` is refused (trust data would be open to anyone on
 * the path), except for loopback hosts when explicitly allowed.
 */
export function normaliseServerUrl(raw: string, allowInsecureLoopback = false): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TrustServerError(`invalid trust server URL ${raw}: expected https://host[:port]`);
  }
  if (url.protocol === 'http:') {
    if (!(allowInsecureLoopback && isLoopbackHost(url.host))) {
      throw new TrustServerError(`plain http is not allowed for trust server ${raw}`, { hint: 'use https' });
    }
  } else if (url.protocol !== 'https:') {
    throw new TrustServerError(`invalid trust server URL ${raw}: only https is supported`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new TrustServerError(`invalid trust server URL ${raw}: no credentials, query or fragment allowed`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The server for a repository plus the TLS material to reach it, as plain data. */
export async function resolveTrustEndpoint(
  reference: Pick<ImageReference, 'gun' | 'registryHost'>,
  options: TrustServerOptions = {},
): Promise<TrustEndpoint> {
  return endpointFor(selectTrustServer(reference, options), options);
}

/**
 * The TLS material for a chosen server: the one way every command and probe (e.g. `info`'s) reaches
 * a trust server. The anchor is the first CA given, most explicit first: `--tlscacert`, the
 * `config server` entry's CA, docker's tls directory; the client certificate comes from that directory.
 */
export async function endpointFor(choice: TrustServerChoice, options: Pick<TrustServerOptions, 'tlsCaCert' | 'env' | 'dockerConfigDir'> = {}): Promise<TrustEndpoint> {
  const configDir = options.dockerConfigDir ?? dockerConfigDir(options.env ?? process.env);
  const tlsDirPath = dockerTlsDirectory(configDir, new URL(choice.url).host);
  const tlsDir = await readDockerTlsDirectory(tlsDirPath);
  const endpoint: TrustEndpoint = {
    ...choice,
    caPem: [],
    anchor: { source: 'system', files: [], tlsDir: tlsDirPath },
    tlsFiles: [],
    warnings: [],
  };

  const given: [TrustAnchorSource, string | undefined][] = [
    ['flag', options.tlsCaCert],
    ['config', choice.configCa],
  ];
  const explicit = given.find(([, file]) => file);
  if (explicit) {
    const path = resolve(explicit[1]!);
    endpoint.caPem.push(await readCaFile(path));
    endpoint.anchor = { source: explicit[0], files: [path], tlsDir: tlsDirPath };
  } else if (tlsDir.caPem.length > 0) {
    endpoint.caPem.push(...tlsDir.caPem);
    endpoint.anchor = { source: 'docker-tls-dir', files: tlsDir.files.filter((f) => f.endsWith('.crt')), tlsDir: tlsDirPath };
  }
  endpoint.tlsFiles.push(...endpoint.anchor.files);
  if (tlsDir.clientCert && tlsDir.clientKey) {
    endpoint.tlsFiles.push(...tlsDir.files.filter((f) => !f.endsWith('.crt')));
    endpoint.clientCert = tlsDir.clientCert;
    endpoint.clientKey = tlsDir.clientKey;
  }

  if (choice.overridden) {
    endpoint.warnings.push(
      `DOCKER_CONTENT_TRUST_SERVER (${choice.url}) is used instead of ${choice.overridden.url}, which \`trust-tui config server\` sets for ${choice.overridden.key}; unset the variable to use that one`,
    );
  }
  if (new URL(choice.url).hostname === new URL(DOCKER_HUB_NOTARY_URL).hostname) {
    endpoint.warnings.push(
      `Docker shuts down its Notary service notary.docker.io on ${DOCKER_HUB_NOTARY_SHUTDOWN}; ` +
        'move this trust data to your own Notary server (trust-tui config server)',
    );
  }
  return endpoint;
}

async function readCaFile(path: string): Promise<string> {
  const text = await readUserText(path, 'CA file', { maxBytes: MAX_PEM_BYTES });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TrustServerError(`CA file ${path} holds no PEM certificate`);
  }
  return text;
}
