// Docker registry token authentication, as notary-server's `auth: {type: token}` (notary
// server/server.go) uses docker/distribution's token access controller
// (registry/auth/token/accesscontroller.go, token.go): a 401 carries a Bearer challenge naming the
// token service (realm), this server (service) and the scope the request needs; the client fetches a
// JWT there and sends it as `Authorization: Bearer …`. The JWT is trusted when it is signed by a key
// from the root certificate bundle: through an `x5c` chain that leads to a bundle certificate, or a
// `kid` naming a bundle certificate's key. Its `access` claim grants actions per resource.
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, errors, exportJWK, jwtVerify, type JWTPayload } from 'jose';
import type { Access, AuthResult, AuthTarget, Authenticator } from './auth.js';

/** Seconds of clock skew tolerated on `exp`, `nbf` and certificate validity (distribution: 60). */
const LEEWAY_SECONDS = 60;
/** Signature algorithms distribution's token verifier accepts; never `none` or a shared secret (HS*). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Longest `x5c` chain followed. */
const MAX_CHAIN = 8;
/** Verified tokens remembered (their claims are still checked for expiry on each use). */
const VERIFIED_CACHE_SIZE = 1000;

export class TokenAuthConfigError extends Error {
  override name = 'TokenAuthConfigError';
}

export interface TokenAuthOptions {
  /** The token service's URL, sent in the challenge. */
  realm: string;
  /** This server's name at the token service: the `service` of the challenge and the JWT's `aud`. */
  service: string;
  /** The token service's name: the JWT's `iss`. */
  issuer: string;
  /** Certificates whose keys may sign tokens, directly (`kid`, `x5c` leaf) or as the root of an `x5c` chain. */
  rootCerts: X509Certificate[];
  /** Clock for tests (milliseconds). */
  now?: () => number;
}

/** One entry of the token's `access` claim (distribution's ResourceActions). */
export interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

/** The PEM certificates of a bundle file; a bundle without one is an error. */
export function parseCertificateBundle(pem: string, file: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TokenAuthConfigError(`${file}: no PEM certificate found (expected the token service's signing certificate or its CA)`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new TokenAuthConfigError(`${file}: certificate ${i + 1} cannot be read (${e instanceof Error ? e.message : String(e)})`);
    }
  });
}

/**
 * The libtrust key ID distribution matches a JWT's `kid` with: SHA-256 of the DER public key
 * (SubjectPublicKeyInfo), first 240 bits, base32, in 12 groups of 4 joined by `:` (docker/libtrust
 * util.go keyIDFromCryptoKey).
 */
export function libtrustKeyId(key: KeyObject): string {
  const digest = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest().subarray(0, 30);
  return base32(digest).match(/.{4}/g)!.join(':');
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** Why a token was refused; goes into the challenge's `error_description` (fixed texts, no token content). */
class InvalidToken extends Error {}

interface Verified {
  subject: string | undefined;
  access: ResourceActions[];
  /** Seconds since the epoch. */
  expires: number;
  notBefore: number | undefined;
}

export class TokenAuthenticator implements Authenticator {
  readonly #options: TokenAuthOptions;
  readonly #now: () => number;
  /** Bundle keys by libtrust key ID and by RFC 7638 JWK thumbprint (both are used as `kid`). */
  readonly #keysById = new Map<string, KeyObject>();
  readonly #rootDer: Set<string>;
  readonly #verified = new Map<string, Verified>();

  private constructor(options: TokenAuthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#rootDer = new Set(options.rootCerts.map((c) => c.raw.toString('base64')));
  }

  static async create(options: TokenAuthOptions): Promise<TokenAuthenticator> {
    if (options.rootCerts.length === 0) throw new TokenAuthConfigError('the token root certificate bundle is empty');
    const auth = new TokenAuthenticator(options);
    for (const cert of options.rootCerts) {
      auth.#keysById.set(libtrustKeyId(cert.publicKey), cert.publicKey);
      auth.#keysById.set(await calculateJwkThumbprint(await exportJWK(cert.publicKey)), cert.publicKey);
    }
    return auth;
  }

  async authorize(authorization: string | undefined, access: Access, _client?: string, target?: AuthTarget): Promise<AuthResult> {
    const needed = requiredAccess(access, target);
    const token = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) return this.#refuse(needed);
    let claims: Verified;
    try {
      claims = await this.verify(token);
    } catch (e) {
      if (e instanceof InvalidToken) return this.#refuse(needed, 'invalid_token', e.message);
      throw e;
    }
    const granted = needed.actions.every((action) => grants(claims.access, needed.type, needed.name, action));
    if (!granted) return this.#refuse(needed, 'insufficient_scope', 'the token does not grant this access');
    return { ok: true, user: claims.subject };
  }

  /** Checks signature, issuer, audience and times; returns the claims or throws InvalidToken. */
  async verify(token: string): Promise<Verified> {
    const nowSeconds = Math.floor(this.#now() / 1000);
    const cached = this.#verified.get(token);
    if (cached) {
      checkTimes(cached, nowSeconds);
      return cached;
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidToken('the token is not a JWT');
    }
    const key = this.#signingKey(header, nowSeconds);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ALGORITHMS,
        issuer: this.#options.issuer,
        audience: this.#options.service,
        requiredClaims: ['exp'],
        clockTolerance: LEEWAY_SECONDS,
        currentDate: new Date(this.#now()),
      }));
    } catch (e) {
      throw new InvalidToken(describeJoseError(e));
    }
    const verified: Verified = {
      subject: typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined,
      access: parseAccess(payload.access),
      expires: payload.exp!,
      notBefore: payload.nbf,
    };
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.set(token, verified);
    return verified;
  }

  #signingKey(header: ReturnType<typeof decodeProtectedHeader>, nowSeconds: number): KeyObject {
    if (header.x5c !== undefined) return this.#keyFromChain(header.x5c, nowSeconds);
    if (typeof header.kid === 'string') {
      const key = this.#keysById.get(header.kid);
      if (!key) throw new InvalidToken('the token is signed by a key (kid) that is not in the root certificate bundle');
      return key;
    }
    throw new InvalidToken('the token header has neither x5c nor kid');
  }

  /** The leaf's key, once its chain leads to a bundle certificate (distribution token.go verifyCertChain). */
  #keyFromChain(x5c: unknown, nowSeconds: number): KeyObject {
    if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > MAX_CHAIN || !x5c.every((c) => typeof c === 'string')) {
      throw new InvalidToken('the token header x5c is not a certificate chain');
    }
    let chain: X509Certificate[];
    try {
      chain = x5c.map((der: string) => new X509Certificate(Buffer.from(der, 'base64')));
    } catch {
      throw new InvalidToken('the token header x5c holds an unreadable certificate');
    }
    for (let i = 0; i < chain.length; i++) {
      const cert = chain[i]!;
      if (!validAt(cert, nowSeconds)) throw new InvalidToken('a certificate of the token x5c chain is expired or not yet valid');
      if (this.#rootDer.has(cert.raw.toString('base64'))) return chain[0]!.publicKey;
      const anchor = this.#options.rootCerts.find((root) => issues(root, cert) && validAt(root, nowSeconds));
      if (anchor) return chain[0]!.publicKey;
      const next = chain[i + 1];
      if (!next || !issues(next, cert)) break;
    }
    throw new InvalidToken('the token x5c chain does not lead to a certificate in the root bundle');
  }

  #refuse(needed: RequiredAccess, error?: 'invalid_token' | 'insufficient_scope', description?: string): AuthResult {
    const { realm, service } = this.#options;
    let challenge = `Bearer realm=${JSON.stringify(realm)},service=${JSON.stringify(service)}`;
    if (needed.actions.length > 0) challenge += `,scope=${JSON.stringify(`${needed.type}:${needed.name}:${needed.actions.join(',')}`)}`;
    if (error) challenge += `,error="${error}",error_description=${JSON.stringify(description)}`;
    // 401 also for a valid token without the access, as distribution's access controller answers.
    return { ok: false, status: 401, challenge };
  }
}

interface RequiredAccess {
  type: string;
  name: string;
  /** Empty: any valid token (the /v2/ ping). */
  actions: string[];
}

/**
 * Notary's scopes (server/server.go): reads pull; writes and server keys push and pull; deleting a
 * repository or rotating a server key `*`. Server-wide routes (global changefeed, /metrics) need
 * `*` on `registry:catalog`, as notary asks for the global changefeed.
 */
function requiredAccess(access: Access, target: AuthTarget | undefined): RequiredAccess {
  if (!target || target.kind === 'ping') return { type: 'registry', name: 'catalog', actions: [] };
  const actions = access === 'pull' ? ['pull'] : access === 'push' ? ['pull', 'push'] : ['*'];
  return target.kind === 'repository' ? { type: 'repository', name: target.gun, actions } : { type: 'registry', name: 'catalog', actions: ['*'] };
}

function grants(access: ResourceActions[], type: string, name: string, action: string): boolean {
  return access.some((a) => a.type === type && a.name === name && (a.actions.includes(action) || a.actions.includes('*')));
}

function parseAccess(value: unknown): ResourceActions[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    const e = entry as Partial<ResourceActions> | null;
    if (!e || typeof e.type !== 'string' || typeof e.name !== 'string' || !Array.isArray(e.actions)) return [];
    return [{ type: e.type, name: e.name, actions: e.actions.filter((a): a is string => typeof a === 'string') }];
  });
}

function checkTimes(claims: Verified, nowSeconds: number): void {
  if (nowSeconds - LEEWAY_SECONDS >= claims.expires) throw new InvalidToken('the token has expired');
  if (claims.notBefore !== undefined && nowSeconds + LEEWAY_SECONDS < claims.notBefore) throw new InvalidToken('the token is not valid yet (nbf)');
}

/** `parent` issued `child`: names match, parent is a CA, and its key verifies child's signature. */
function issues(parent: X509Certificate, child: X509Certificate): boolean {
  return parent.ca && child.checkIssued(parent) && child.verify(parent.publicKey);
}

function validAt(cert: X509Certificate, nowSeconds: number): boolean {
  const from = Date.parse(cert.validFrom) / 1000;
  const to = Date.parse(cert.validTo) / 1000;
  return nowSeconds + LEEWAY_SECONDS >= from && nowSeconds - LEEWAY_SECONDS <= to;
}

function describeJoseError(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'the token has expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return 'the token issuer (iss) is not the configured --token-issuer';
    if (e.claim === 'aud') return 'the token audience (aud) is not this server (--token-service)';
    if (e.claim === 'nbf') return 'the token is not valid yet (nbf)';
    if (e.claim === 'exp') return 'the token has no expiry (exp)';
    return `the token claim ${e.claim} is invalid`;
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return 'the token signature algorithm is not accepted';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  return 'the token cannot be verified';
}
