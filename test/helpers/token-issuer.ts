/**
 * A small registry token service for tests, speaking the protocol of docker/distribution's token
 * specification (https://github.com/distribution/distribution/blob/main/docs/spec/auth/token.md):
 * `GET <realm>?service=…&scope=…&account=…` with Basic credentials answers
 * `{token, access_token, expires_in, issued_at}`; the JWT grants, per requested scope, the actions a
 * user table allows. Signing keys are made in-process:
 *
 * - x5c mode: a leaf certificate issued by the "token CA"; the JWT header carries the leaf (x5c) and
 *   the bundle holds only the CA.
 * - kid mode: a self-signed certificate that is itself in the bundle; the header names its key by
 *   libtrust key ID (kid).
 * - foreign: a leaf with a valid chain to another CA, which is not in the bundle.
 */
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SignJWT } from 'jose';
import { libtrustKeyId } from '../../src/server/token-auth.js';
import { buildCertificate } from '../../src/server/tls.js';

export interface Signer {
  key: KeyObject;
  /** Leaf first. */
  chain: X509Certificate[];
}

export interface TokenKeys {
  /** PEM bundle for `--token-root-certs`: the token CA and the kid signer's certificate. */
  bundleFile: string;
  x5c: Signer;
  kid: Signer;
  /** A leaf under another CA (valid chain, unknown root). */
  foreign: Signer;
  /** The other CA (self-signed, not in the bundle): signs with a kid the bundle does not know. */
  otherCa: Signer;
  /** The CA in the bundle that issued the x5c signer. */
  tokenCa: Signer;
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

async function ca(name: string): Promise<Signer> {
  const key = newKey();
  const pem = await buildCertificate({ subjectKey: key, issuerKey: key, commonName: name, ca: true, days: 30, now: new Date() });
  return { key, chain: [new X509Certificate(pem)] };
}

async function leaf(name: string, issuer: Signer, now = new Date(), days = 30): Promise<Signer> {
  const key = newKey();
  const pem = await buildCertificate({ subjectKey: key, issuerKey: issuer.key, issuer: issuer.chain[0], commonName: name, ca: false, days, now });
  return { key, chain: [new X509Certificate(pem), ...issuer.chain] };
}

/** Makes the signing keys and writes the bundle into `dir`. */
export async function makeTokenKeys(dir: string): Promise<TokenKeys> {
  const tokenCa = await ca('test token CA');
  const x5c = await leaf('test token signer', tokenCa);
  const kidKey = newKey();
  const kidPem = await buildCertificate({ subjectKey: kidKey, issuerKey: kidKey, commonName: 'test token kid signer', ca: false, days: 30, now: new Date() });
  const kid: Signer = { key: kidKey, chain: [new X509Certificate(kidPem)] };
  const otherCa = await ca('another CA');
  const foreign = await leaf('foreign token signer', otherCa);
  const bundleFile = path.join(dir, 'token-root-certs.pem');
  writeFileSync(bundleFile, tokenCa.chain[0]!.toString() + kid.chain[0]!.toString());
  return { bundleFile, x5c: { key: x5c.key, chain: x5c.chain.slice(0, 1) }, kid, foreign: { key: foreign.key, chain: foreign.chain.slice(0, 1) }, otherCa, tokenCa };
}

/** A leaf under the token CA whose certificate has already expired (signed with a past clock). */
export async function expiredSigner(keys: TokenKeys): Promise<Signer> {
  const signer = await leaf('expired signer', keys.tokenCa, new Date(Date.now() - 40 * 86_400_000), 1);
  return { key: signer.key, chain: signer.chain.slice(0, 1) };
}

export interface Grant {
  type?: string;
  name: string;
  actions: string[];
}

export interface MintOptions {
  signer: Signer;
  /** How the header names the key; default x5c. */
  header?: 'x5c' | 'kid';
  issuer: string;
  audience: string;
  subject?: string;
  access: Grant[];
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Seconds from now for nbf (default: now). */
  notBefore?: number;
}

export async function mintToken(options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { signer } = options;
  const protectedHeader =
    options.header === 'kid'
      ? { alg: 'ES256', typ: 'JWT', kid: libtrustKeyId(signer.chain[0]!.publicKey) }
      : { alg: 'ES256', typ: 'JWT', x5c: signer.chain.map((c) => c.raw.toString('base64')) };
  return new SignJWT({ access: options.access.map((a) => ({ type: a.type ?? 'repository', name: a.name, actions: a.actions })) })
    .setProtectedHeader(protectedHeader)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject ?? '')
    .setIssuedAt(now)
    .setNotBefore(now + (options.notBefore ?? 0))
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .setJti(crypto.randomUUID())
    .sign(signer.key);
}

export interface IssuerUser {
  password: string;
  /** Repository name -> actions this user may get (`*` = any requested action). */
  grants: Record<string, string[]>;
}

export interface TokenIssuerOptions {
  keys: TokenKeys;
  header: 'x5c' | 'kid';
  issuer: string;
  service: string;
  users: Record<string, IssuerUser>;
  /** TLS certificate and key (PEM files) for the token endpoint. */
  tlsCert: string;
  tlsKey: string;
  /** Token lifetime, seconds. Default 300. */
  ttlSeconds?: number;
}

export interface TokenRequestRecord {
  account: string | undefined;
  scopes: string[];
  status: number;
  /** The JWT handed out (200 answers). */
  token?: string;
}

/** Ways to make the service hand out bad tokens (a misconfigured or hostile token service). */
export interface Tampering {
  signer?: Signer;
  header?: 'x5c' | 'kid';
  issuer?: string;
  audience?: string;
  /** Token lifetime in seconds (negative: already expired). */
  expiresIn?: number;
  /** Replaces every user's grants. */
  grants?: Record<string, string[]>;
}

export interface TokenIssuer {
  /** The realm: `https://127.0.0.1:<port>/token`. */
  realm: string;
  /** From now on, issue tokens changed this way (`{}`: back to honest tokens). */
  tamper(t: Tampering): void;
  /** Every token request, in order. */
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

/** `repository:registry.example.com:5000/app:pull,push` -> type, name (may hold `:`), actions. */
function parseScope(scope: string): Grant | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const requests: TokenRequestRecord[] = [];
  const ttl = options.ttlSeconds ?? 300;
  let tampering: Tampering = {};
  const server = https.createServer({ cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://token.invalid');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const answer = (status: number, body: unknown, account?: string) => {
      const token = (body as { token?: string }).token;
      requests.push({ account, scopes, status, ...(token ? { token } : {}) });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return answer(404, { errors: [{ code: 'NOT_FOUND' }] });
    if (url.searchParams.get('service') !== options.service) return answer(400, { errors: [{ code: 'UNSUPPORTED', message: 'unknown service' }] });

    let account: string | undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      if (colon < 0 || options.users[user]?.password !== password) {
        res.setHeader('WWW-Authenticate', 'Basic realm="test token service"');
        return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong username or password' }] }, user);
      }
      account = user;
    }
    const allowed = account ? (tampering.grants ?? options.users[account]!.grants) : {};
    const access = scopes.flatMap((scope) => {
      const requested = parseScope(scope);
      if (!requested) return [];
      const may = requested.type === 'repository' ? (allowed[requested.name] ?? []) : [];
      const actions = requested.actions.filter((a) => may.includes(a) || may.includes('*'));
      return actions.length > 0 ? [{ type: requested.type, name: requested.name, actions }] : [];
    });
    const header = tampering.header ?? options.header;
    const signer = tampering.signer ?? (header === 'kid' ? options.keys.kid : options.keys.x5c);
    void mintToken({
      signer,
      header,
      issuer: tampering.issuer ?? options.issuer,
      audience: tampering.audience ?? options.service,
      subject: account,
      access,
      expiresIn: tampering.expiresIn ?? ttl,
    }).then(
      (token) => answer(200, { token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() }, account),
      (e: unknown) => answer(500, { errors: [{ code: 'UNKNOWN', message: String(e) }] }, account),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `https://127.0.0.1:${port}/token`,
    requests,
    tamper(t) {
      tampering = t;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
