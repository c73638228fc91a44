// Answers `WWW-Authenticate` challenges the way docker's distribution client does, for both the
// registry and Notary servers: Bearer -> a token from the realm (docker token auth, with Basic
// credentials or an OAuth2 refresh token), Basic -> the credentials themselves.
// Spec: https://distribution.github.io/distribution/spec/auth/token/
import { RegistryRequestError } from './errors.js';
import type { RegistryCredentials } from './credentials.js';
import type { HttpFetch } from './http.js';

export interface AuthChallenge {
  /** Lower case, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower case: `realm`, `service`, `scope`, … */
  params: Record<string, string>;
}

export type CredentialSource =
  | RegistryCredentials
  | undefined
  | (() => Promise<RegistryCredentials | undefined>);

export interface AuthorizerOptions {
  credentials: CredentialSource;
  fetch: HttpFetch;
  /** Sent as client_id in OAuth2 refresh-token requests (docker sends `docker`). */
  clientId?: string;
  /** For tests: the current time in ms. */
  now?: () => number;
}

/**
 * Returns the Authorization header value that answers a challenge for `scope`
 * (e.g. `repository:team/app:pull,push`), or undefined when there is nothing to send
 * (Basic challenge without credentials, unknown scheme). The challenge is the raw WWW-Authenticate
 * header or already parsed; the scope a string or `{ scope }`, so this also serves as the Notary
 * client's `Authorize` (src/notary/auth-challenge.ts).
 */
export type Authorizer = (
  challenge: string | AuthChallenge | readonly AuthChallenge[],
  scope?: string | { scope: string },
) => Promise<string | undefined>;

/** docker's token handler treats anything shorter as 60 s (the spec's default lifetime). */
const MIN_TOKEN_LIFETIME_S = 60;
/** Ask for a new token this long before the old one expires. */
const EXPIRY_MARGIN_MS = 5_000;
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** `repository:<name>:<actions>` as token servers expect it. */
export function repositoryScope(name: string, actions: readonly ('pull' | 'push' | '*')[]): string {
  return `repository:${name}:${actions.join(',')}`;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, { header: string; expiresAt: number }>();
  let credentials: Promise<RegistryCredentials | undefined> | undefined;
  const loadCredentials = (): Promise<RegistryCredentials | undefined> => {
    const source = options.credentials;
    credentials ??= typeof source === 'function' ? source() : Promise.resolve(source);
    return credentials;
  };

  return async (challenge, scopeArgument) => {
    const challenges =
      typeof challenge === 'string' ? parseChallenges(challenge) : Array.isArray(challenge) ? challenge : [challenge];
    const scope = typeof scopeArgument === 'object' ? scopeArgument.scope : scopeArgument;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer?.params.realm) {
      const wantedScope = scope ?? bearer.params.scope ?? '';
      const cacheKey = `${bearer.params.realm}\n${bearer.params.service ?? ''}\n${wantedScope}`;
      const cached = tokens.get(cacheKey);
      if (cached && cached.expiresAt > now()) return cached.header;
      const creds = await loadCredentials();
      // A registry token from `docker login` is a bearer token already (docker sends it as is).
      if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
      const token = await fetchToken(options, bearer.params, wantedScope, creds);
      const lifetimeS = Math.max(token.expiresIn ?? MIN_TOKEN_LIFETIME_S, MIN_TOKEN_LIFETIME_S);
      const header = `Bearer ${token.token}`;
      tokens.set(cacheKey, { header, expiresAt: now() + lifetimeS * 1000 - EXPIRY_MARGIN_MS });
      return header;
    }
    if (basic) {
      const creds = await loadCredentials();
      if (creds?.username !== undefined && creds.password !== undefined) {
        return basicAuthorization(creds.username, creds.password);
      }
    }
    return undefined;
  };
}

interface TokenAnswer {
  token: string;
  expiresIn?: number;
}

/**
 * With an identity token: OAuth2 refresh-token grant (POST). Otherwise GET with `service`,
 * `scope` and `account`, sending Basic credentials when there are any (anonymous otherwise).
 */
async function fetchToken(
  options: AuthorizerOptions,
  params: Record<string, string>,
  scope: string,
  creds: RegistryCredentials | undefined,
): Promise<TokenAnswer> {
  const realm = params.realm ?? '';
  const url = new URL(realm);
  let response;
  if (creds?.identityToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: creds.identityToken,
      client_id: options.clientId ?? 'docker',
    });
    if (params.service) form.set('service', params.service);
    // Several scopes (a push with a cross-repository mount) are several `scope` parameters, as docker sends them.
    for (const one of splitScopes(scope)) form.append('scope', one);
    response = await options.fetch(url.toString(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      maxBytes: MAX_TOKEN_RESPONSE_BYTES,
    });
  } else {
    if (params.service) url.searchParams.set('service', params.service);
    for (const one of splitScopes(scope)) url.searchParams.append('scope', one);
    const headers: Record<string, string> = {};
    if (creds?.username !== undefined && creds.password !== undefined) {
      url.searchParams.set('account', creds.username);
      headers.Authorization = basicAuthorization(creds.username, creds.password);
    }
    response = await options.fetch(url.toString(), { headers, maxBytes: MAX_TOKEN_RESPONSE_BYTES });
  }
  if (!response.ok) {
    const who = creds ? `the credentials from ${creds.source}` : 'anonymous access';
    throw new RegistryRequestError(
      `token server ${url.origin} refused ${who} (${response.status})`,
      response.status,
      response.status === 401 ? { hint: { cli: 'run docker login', ui: 'log in with docker login in a shell, then try again' } } : {},
    );
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(await response.text()) as typeof body;
  } catch {
    throw new RegistryRequestError(`token server ${url.origin} answered something that is not JSON`, response.status);
  }
  // The spec names it `token`; OAuth2 servers say `access_token`.
  const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
  if (typeof token !== 'string' || !token) {
    throw new RegistryRequestError(`token server ${url.origin} answered without a token`, response.status);
  }
  return { token, ...(typeof body.expires_in === 'number' ? { expiresIn: body.expires_in } : {}) };
}

/** `repository:a:pull,push repository:b:pull` -> its scopes. */
function splitScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter(Boolean);
}

/**
 * Parses a WWW-Authenticate header (RFC 7235): one or more challenges, each a scheme followed by
 * comma-separated `name=value` or `name="quoted, value"` parameters.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let i = 0;
  const skip = (pattern: RegExp): void => {
    while (i < header.length && pattern.test(header[i] ?? '')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && /[^\s,=]/.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const token = readToken();
    if (!token) {
      i++;
      continue;
    }
    skip(/\s/);
    if (header[i] === '=' && current) {
      i++;
      skip(/\s/);
      current.params[token.toLowerCase()] = header[i] === '"' ? readQuoted() : readToken();
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;

  function readQuoted(): string {
    let value = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  }
}
