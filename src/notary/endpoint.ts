// Which Notary server holds a repository's trust data, and how to talk to it (TLS material).
// Precedence: `--server` > DOCKER_CONTENT_TRUST_SERVER > `trust-tui config server` (most specific
// GUN or prefix) > docker's default (docker/cli cli/trust/trust.go, Server). TLS: `--tlscacert`, the
// config entry's CA, and docker's `$DOCKER_CONFIG/tls/<host[:port]>/` (docker/cli cli/trust/trust.go).
// Unlike docker, TLS is verified for loopback registries too (docker switches it off there).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dockerConfigDir } from '../config/paths.js';
import type { ServerEntry } from '../config/settings.js';
import { DOCKER_HUB_DOMAIN, isLoopbackHost } from '../registry/hosts.js';
import type { ImageReference } from '../registry/reference.js';
import { readDockerTlsDirectory } from '../registry/tls-dir.js';

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
  /** The `config server` key that matched, when source is 'config'. */
  configKey?: string;
  /** CA file of that config entry. */
  configCa?: string;
}

export interface TrustEndpoint extends TrustServerChoice {
  /** Extra CAs to trust (in addition to the system's), in the order: flag, config, docker dir. */
  caPem: string[];
  /** Client certificate and key for mutual TLS, from the docker TLS directory. */
  clientCert?: string;
  clientKey?: string;
  /** Files the TLS material came from (for `info`). */
  tlsFiles: string[];
  /** One-line notices for the user (e.g. the Docker Hub shutdown). */
  warnings: string[];
}

export class TrustServerError extends Error {
  override name = 'TrustServerError';
}

/** Picks the server URL for a repository, without touching the file system. */
export function selectTrustServer(
  reference: Pick<ImageReference, 'gun' | 'registryHost'>,
  options: TrustServerOptions = {},
): TrustServerChoice {
  const env = options.env ?? process.env;
  const allow = options.allowInsecureLoopback ?? false;
  if (options.server) return { url: normaliseServerUrl(options.server, allow), source: 'flag' };
  const fromEnv = env.DOCKER_CONTENT_TRUST_SERVER;
  if (fromEnv) return { url: normaliseServerUrl(fromEnv, allow), source: 'env' };
  const configured = matchServerEntry(reference.gun, options.servers ?? {});
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
      throw new TrustServerError(`plain http is not allowed for trust server ${raw}: use https`);
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
  const choice = selectTrustServer(reference, options);
  const endpoint: TrustEndpoint = { ...choice, caPem: [], tlsFiles: [], warnings: [] };

  const caFiles = [options.tlsCaCert, choice.source === 'config' ? choice.configCa : undefined];
  for (const file of caFiles) {
    if (!file) continue;
    const path = resolve(file);
    endpoint.caPem.push(await readCaFile(path));
    endpoint.tlsFiles.push(path);
  }

  const configDir = options.dockerConfigDir ?? dockerConfigDir(options.env ?? process.env);
  const tlsDir = await readDockerTlsDirectory(join(configDir, 'tls', new URL(choice.url).host));
  endpoint.caPem.push(...tlsDir.caPem);
  endpoint.tlsFiles.push(...tlsDir.files);
  if (tlsDir.clientCert && tlsDir.clientKey) {
    endpoint.clientCert = tlsDir.clientCert;
    endpoint.clientKey = tlsDir.clientKey;
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TrustServerError(`cannot read CA file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TrustServerError(`CA file ${path} holds no PEM certificate`);
  }
  return text;
}
