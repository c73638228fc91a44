// `trust-tui server` wired together: storage, keys, service, routes, TLS and graceful shutdown.
// startServer() is also the programmatic entry for tests and `trust-tui demo`.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { MAX_PEM_BYTES, readUserFile } from '../config/user-files.js';
import type { GeneratedKeyAlgorithm } from '../keys/generate.js';
import { HtpasswdAuthenticator, openAccess, type Authenticator } from './auth.js';
import { ServerLog, type LogFormat } from './log.js';
import { ServerMetrics } from './metrics.js';
import { workerCountSource } from './cluster-workers.js';
import { groupKeyTokens } from './cluster-key-tokens.js';
import { ConnectionsPerClient, MAX_CONNECTIONS_PER_CLIENT_DEFAULT } from './connection-limit.js';
import { parseCertificateBundle, TokenAuthConfigError, TokenAuthenticator } from './token-auth.js';
import { PendingArea } from './pending.js';
import { DATABASE_FILE, makeDataDir, secureDataDir, unusableDataDir } from './data-dir.js';
import { tlsPairProblem } from './tls-pair.js';
import { createRouter, MAX_UPLOAD_DEFAULT } from './routes.js';
import { TrustService, type KeyLimits } from './service.js';
import { MAX_CONCURRENT_UPLOADS_DEFAULT } from './upload-gate.js';
import { ValidationPool, validationHeapMb } from './validation-pool.js';
import { Keyring, SERVER_PASSPHRASE_VARIABLE } from './signer.js';
import { CachedStorage } from './stores/cached.js';
import { SqliteStorage } from './stores/sqlite.js';
import type { Storage } from './stores/storage.js';
import { redactDatabaseUrl, type DatabaseConnection } from './stores/postgres-url.js';
import type { PoolStats } from './stores/postgres.js';
import { certificateNames, ensureLocalTls } from './tls.js';

export const DEFAULT_LISTEN = '127.0.0.1:4443';
/** How long a stopping server lets requests in flight finish (`--shutdown-timeout`). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

/** Above the idle timeouts load balancers use for pooled backend connections (nginx: 60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * TLS 1.2+ with AEAD suites only, AES-128-GCM preferred as Go's TLS stack (notary-server) does: it is
 * as safe for this purpose and cheaper for clients than OpenSSL's default AES-256-GCM, which matters
 * when they download large targets files.
 */
const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  honorCipherOrder: true,
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
} as const;

export interface ServerOptions {
  /** `host:port` (IPv6 as `[::1]:4443`); port 0 picks a free one. Default 127.0.0.1:4443. */
  listen?: string;
  /** Database, TLS material. */
  dataDir: string;
  /** Encrypts the server's private keys at rest; required. */
  passphrase: string | undefined;
  /** Both or neither; without them a local CA and certificate are made under dataDir/tls. */
  tlsCert?: string;
  tlsKey?: string;
  /** Plain HTTP, for use behind a TLS-terminating proxy. */
  insecureHttp?: boolean;
  /** htpasswd (bcrypt) files: read-write users, and read-only users. */
  htpasswd?: string;
  htpasswdReadOnly?: string;
  /** With htpasswd: let anonymous clients read. */
  anonymousRead?: boolean;
  /** Docker registry token auth (exclusive with htpasswd); see token-auth.ts. */
  token?: TokenAuthSettings;
  maxUploadBytes?: number;
  /** Large publish bodies (over 4 MiB) parsed and validated at once, per process. */
  maxConcurrentUploads?: number;
  /** Pending area: largest signing request, and open requests per repository (defaults in pending.ts). */
  maxRequestBytes?: number;
  maxOpenRequests?: number;
  /**
   * Connections one client address may hold open at once, per server process (0: no limit). One host
   * holding thousands of slow connections would otherwise use up the process's file descriptors, and
   * every other client would be refused without a word in the log.
   */
  maxConnectionsPerClient?: number;
  keyAlgorithm?: GeneratedKeyAlgorithm;
  /**
   * Server keys one client address may have created per minute, as a burst of the same size (default
   * in service.ts); for the whole server group, whose primary keeps the counts (cluster-key-tokens.ts).
   */
  newKeysPerMinute?: number;
  /** One line per request, and server events. Default: none. */
  log?: (line: string) => void;
  /** Unexpected failures (500 answers). Default: standard error. */
  logError?: (line: string) => void;
  /** `text` (default) or `json`: one JSON object per line, for log collectors. */
  logFormat?: LogFormat;
  /** Use this store instead of SQLite in dataDir (tests, other backends). */
  storage?: Storage;
  /** PostgreSQL instead of SQLite in dataDir (`--database`); dataDir still holds the local CA. */
  database?: DatabaseConnection;
  /** How long close() lets in-flight requests finish before cutting connections (default 30 s). */
  shutdownGraceMs?: number;
  /** `GET /metrics` without credentials (default: admin access when auth is configured, as the global changefeed). */
  metricsOpen?: boolean;
  /** The primary already opened every stored key with the passphrase (cluster workers skip it). */
  passphraseChecked?: boolean;
  /**
   * Log a `listening on` line once listening (default true). The command line says it itself, once
   * for the whole server however many workers it has, so its servers and workers leave it out.
   */
  announce?: boolean;
}

export interface TokenAuthSettings {
  /** The token service's URL (the challenge's realm). */
  realm?: string;
  /** This server's name at the token service (challenge `service`, JWT `aud`). */
  service?: string;
  /** The token service's name (JWT `iss`). */
  issuer?: string;
  /** PEM file: the certificates whose keys may sign tokens, or their CA. */
  rootCertBundle?: string;
}

export interface RunningServer {
  /** `https://127.0.0.1:4443` (or http://). */
  url: string;
  host: string;
  port: number;
  /** The CA clients must trust: the local CA made under dataDir, or undefined with a given cert or plain HTTP. */
  caFile: string | undefined;
  /** True when this start created the local CA (print how to trust it). */
  createdCa: boolean;
  dataDir: string;
  /** Stops accepting, lets in-flight requests finish, closes storage. Safe to call twice. */
  close(): Promise<void>;
}

export class ServerConfigError extends Error {
  override name = 'ServerConfigError';
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new ServerConfigError(`--listen ${JSON.stringify(listen)}: expected HOST:PORT, e.g. ${DEFAULT_LISTEN}`);
  return { host: m[1] ?? m[2] ?? '', port };
}

interface PreparedServer {
  host: string;
  port: number;
  auth: Authenticator;
  tls: { cert: Buffer; key: Buffer } | undefined;
  caFile: string | undefined;
  createdCa: boolean;
  storage: Storage;
  keyring: Keyring;
}

/** Checks the configuration, makes the local CA if needed, opens storage and checks the passphrase. */
async function prepare(options: ServerOptions): Promise<PreparedServer> {
  if (!options.passphrase) {
    throw new ServerConfigError(`set ${SERVER_PASSPHRASE_VARIABLE}: the server encrypts its signing keys with it`);
  }
  checkOptionCombinations(options);
  const { host, port } = parseListen(options.listen ?? DEFAULT_LISTEN);

  // Named paths first, so a wrong one is reported as such (not as EISDIR or ENOENT).
  for (const [file, what] of [[options.htpasswd, '--htpasswd file'], [options.htpasswdReadOnly, '--htpasswd-read-only file']] as const) {
    if (file) await readUserFile(file, what);
  }
  const auth: Authenticator = options.token
    ? await tokenAuthenticator(options)
    : options.htpasswd
      ? HtpasswdAuthenticator.fromFiles(options.htpasswd, options.htpasswdReadOnly, options.anonymousRead)
      : openAccess;

  let caFile: string | undefined;
  let createdCa = false;
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (!options.insecureHttp) {
    if (options.tlsCert && options.tlsKey) {
      tls = {
        cert: await readUserFile(options.tlsCert, '--tls-cert file', { maxBytes: MAX_PEM_BYTES }),
        key: await readUserFile(options.tlsKey, '--tls-key file', { maxBytes: MAX_PEM_BYTES }),
      };
    } else {
      makeDataDir(options.dataDir);
      const local = await ensureLocalTls(path.join(options.dataDir, 'tls'), certificateNames(host)).catch((e: NodeJS.ErrnoException) => {
        throw typeof e.code === 'string' && e.syscall ? unusableDataDir(options.dataDir, e) : e;
      });
      tls = { cert: readFileSync(local.certFile), key: readFileSync(local.keyFile) };
      caFile = local.caFile;
      createdCa = local.created === 'ca';
    }
  }

  let storage: Storage;
  try {
    storage = options.storage ?? (await openStorage(options));
  } catch (e) {
    await auth.close?.();
    throw e;
  }
  const keyring = new Keyring(options.passphrase, options.keyAlgorithm ?? 'ecdsa', () => storage.allKeys());
  try {
    const keys = await storage.allKeys();
    // A worker whose primary checked every key only learns the salt new keys are wrapped with.
    if (options.passphraseChecked) await keyring.adoptStoredSalt(keys);
    const unopened = options.passphraseChecked ? [] : await keyring.checkPassphrase(keys);
    if (unopened.length > 0) {
      const which = unopened.length === keys.length ? 'the keys' : `${unopened.length} of the ${keys.length} keys`;
      const example = unopened[0]!;
      throw new ServerConfigError(
        `${SERVER_PASSPHRASE_VARIABLE} does not open ${which} stored in ${storedIn(options)} (e.g. the ${example.role} key of ${example.gun}): ` +
          'start every server on this data with the same passphrase',
      );
    }
  } catch (e) {
    await auth.close?.();
    await storage.close();
    throw e;
  }
  return { host, port, auth, tls, caFile, createdCa, storage, keyring };
}

/** --new-keys-per-minute as the service's key limits: a burst of that many, refilled over a minute. */
export function keyLimitsOf(options: Pick<ServerOptions, 'newKeysPerMinute'>): Partial<KeyLimits> {
  const perMinute = options.newKeysPerMinute;
  return perMinute ? { perClientBurst: perMinute, perClientPerSecond: perMinute / 60 } : {};
}

/** The store named by the options: PostgreSQL with `database`, else SQLite in the data directory. */
async function openStorage(options: ServerOptions): Promise<Storage> {
  const logError = options.logError ?? ((line: string) => process.stderr.write(line + '\n'));
  if (options.database) {
    // Loaded only when asked for, so SQLite users never load the driver.
    const { PostgresStorage } = await import('./stores/postgres.js');
    const { storage } = await PostgresStorage.open({ connection: options.database, onPoolError: logError });
    return new CachedStorage(storage);
  }
  secureDataDir(options.dataDir, logError);
  return new CachedStorage(SqliteStorage.open({ file: path.join(options.dataDir, DATABASE_FILE), checkpointInWorker: true }));
}

/** The PostgreSQL pool's statistics when the store (or the store under the cache) has a pool. */
function poolStatsOf(storage: Storage): (() => PoolStats) | undefined {
  const inner = storage instanceof CachedStorage ? storage.store : storage;
  const source = inner as Partial<{ poolStats(): PoolStats }>;
  return typeof source.poolStats === 'function' ? () => source.poolStats!.call(inner) : undefined;
}

/** Where the server keeps its data, for messages: the data directory or the (redacted) database URL. */
export function storedIn(options: Pick<ServerOptions, 'dataDir' | 'database'>): string {
  return options.database ? `the database ${redactDatabaseUrl(options.database.url)}` : options.dataDir;
}

/**
 * Options that only work together, or not at all: checked before anything starts (the command line
 * reports these as usage errors).
 */
export function checkOptionCombinations(options: Pick<ServerOptions, 'tlsCert' | 'tlsKey' | 'token' | 'htpasswd' | 'htpasswdReadOnly' | 'anonymousRead'>): void {
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new ServerConfigError('--tls-cert and --tls-key go together');
  }
  if (options.token && (options.htpasswd || options.htpasswdReadOnly || options.anonymousRead)) {
    throw new ServerConfigError('--auth token and --htpasswd/--htpasswd-read-only/--anonymous-read are exclusive: pick one way to authenticate (grant anonymous pull in the token service instead)');
  }
  if (options.anonymousRead && !options.htpasswd && !options.htpasswdReadOnly) {
    throw new ServerConfigError('--anonymous-read goes with --htpasswd: without authentication every request is anonymous already');
  }
  const token = options.token;
  if (!token) return;
  const missing = (
    [
      [token.realm, '--token-realm'],
      [token.service, '--token-service'],
      [token.issuer, '--token-issuer'],
      [token.rootCertBundle, '--token-root-certs'],
    ] as const
  ).flatMap(([value, flag]) => (value ? [] : [flag]));
  if (missing.length > 0) throw new ServerConfigError(`--auth token needs ${missing.join(', ')}`);
}

/** Reads the token service's certificate bundle (the flags were checked by checkOptionCombinations). */
async function tokenAuthenticator(options: ServerOptions): Promise<Authenticator> {
  const token = options.token!;
  if (!/^https?:\/\/[^\s"]+$/.test(token.realm!)) {
    throw new ServerConfigError(`--token-realm ${JSON.stringify(token.realm)}: expected the token service's http(s) URL, e.g. https://registry.example.com/service/token`);
  }
  for (const [value, flag] of [[token.service!, '--token-service'], [token.issuer!, '--token-issuer']] as const) {
    if (/["\\\u0000-\u001f]/.test(value)) throw new ServerConfigError(`${flag} must not contain quotes, backslashes or control characters`);
  }
  const pem = (await readUserFile(token.rootCertBundle!, '--token-root-certs file', { maxBytes: MAX_PEM_BYTES })).toString('utf8');
  try {
    const rootCerts = parseCertificateBundle(pem, token.rootCertBundle!);
    return await TokenAuthenticator.create({ realm: token.realm!, service: token.service!, issuer: token.issuer!, rootCerts });
  } catch (e) {
    if (e instanceof TokenAuthConfigError) throw new ServerConfigError(e.message);
    throw e;
  }
}

/**
 * Everything startServer checks and creates before it listens (configuration, local CA, database,
 * passphrase), without listening: the primary process runs it once before it starts workers.
 */
export async function prepareServer(options: ServerOptions): Promise<{ caFile: string | undefined; createdCa: boolean }> {
  const prepared = await prepare(options);
  await prepared.auth.close?.();
  await prepared.storage.close();
  return { caFile: prepared.caFile, createdCa: prepared.createdCa };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { host, port, auth, tls, caFile, createdCa, storage, keyring } = await prepare(options);
  const serverLog = new ServerLog(options.log, options.logError ?? ((line) => process.stderr.write(line + '\n')), options.logFormat);
  let validationPool: ValidationPool | undefined;
  let draining = false;
  try {
    const maxUploadBytes = options.maxUploadBytes ?? MAX_UPLOAD_DEFAULT;
    // One worker thread per large upload that may be validated at once (the upload gate's limit).
    validationPool = new ValidationPool({ size: options.maxConcurrentUploads ?? MAX_CONCURRENT_UPLOADS_DEFAULT, heapMb: validationHeapMb(maxUploadBytes) });
    const groupTokens = groupKeyTokens();
    const service = new TrustService({
      storage,
      keyring,
      validationPool,
      keyLimits: keyLimitsOf(options),
      // A cluster worker takes its tokens from the primary's buckets, which every worker shares.
      ...(groupTokens ? { takeKeyToken: groupTokens } : {}),
    });
    const metrics = new ServerMetrics();
    const workerCount = workerCountSource();
    const pool = poolStatsOf(storage);
    if (pool) metrics.watchDatabasePool(pool);
    const handler = createRouter({
      service,
      auth,
      maxUploadBytes,
      ...(options.maxConcurrentUploads ? { maxConcurrentUploads: options.maxConcurrentUploads } : {}),
      pending: new PendingArea({
        storage,
        limits: {
          ...(options.maxRequestBytes ? { maxRequestBytes: options.maxRequestBytes } : {}),
          ...(options.maxOpenRequests ? { maxOpenRequests: options.maxOpenRequests } : {}),
        },
      }),
      log: serverLog,
      metrics,
      metricsOpen: options.metricsOpen ?? false,
      draining: () => draining,
      validationPool,
      ...(workerCount ? { workers: workerCount } : {}),
    });
    const server = tls ? httpsServer(tls, options, handler) : http.createServer(handler);
    // A connection that ends inside a request is logged by the request's handler; the parser's
    // error on the same socket would only say it again.
    const inRequest = new WeakSet<Duplex>();
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      inRequest.add(req.socket);
      res.once('close', () => inRequest.delete(req.socket));
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (inRequest.has(socket)) socket.destroy();
      else answerClientError(error, socket, serverLog);
    });
    // Bound the time a slow client can hold a connection (headers, whole request).
    server.headersTimeout = 30_000;
    server.requestTimeout = 300_000;
    // Idle keep-alive connections are closed after this. Clients and load balancers reuse idle
    // connections until their own timer (node's agent: the announced timeout minus a second) runs
    // out; on a busy host that timer fires late and a request meets the server's close: ECONNRESET,
    // which node clients do not retry. A long idle time keeps the two far apart (notary-server, Go's
    // http.Server without IdleTimeout, never closes idle connections).
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, port)));
      server.listen(port, host || undefined, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${tls ? 'https' : 'http'}://${urlHost}:${address.port}`;
    const sockets = new Set<Socket>();
    const perClient = new ConnectionsPerClient(options.maxConnectionsPerClient ?? MAX_CONNECTIONS_PER_CLIENT_DEFAULT, serverLog, metrics);
    server.on('connection', (socket: Socket) => {
      if (!perClient.admit(socket)) return;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        draining = true;
        const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
        serverLog.info(`shutting down: no new connections, finishing in-flight requests (up to ${graceMs / 1000} s)`, { connections: sockets.size });
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections become idle once their request is answered: close them as they do.
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        void stopped.then(() => clearInterval(sweeper));
        const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        if ((await Promise.race([stopped, grace])) === 'timeout') {
          serverLog.error(`shutdown timeout: closing ${sockets.size} connection(s) with requests still running`, { connections: sockets.size });
          for (const socket of sockets) socket.destroy();
          await stopped;
        }
        clearInterval(sweeper);
        await validationPool?.close();
        await auth.close?.();
        await storage.close();
        serverLog.info('stopped');
      })());

    if (options.announce ?? true) serverLog.info(`trust-tui server listening on ${url} (data in ${storedIn(options)})`, { url });
    return { url, host: address.address, port: address.port, caFile, createdCa, dataDir: options.dataDir, close };
  } catch (e) {
    await validationPool?.close();
    await auth.close?.();
    await storage.close();
    throw e;
  }
}

function httpsServer(tls: { cert: Buffer; key: Buffer }, options: ServerOptions, handler: http.RequestListener): https.Server {
  try {
    return https.createServer({ cert: tls.cert, key: tls.key, ...TLS_SETTINGS }, handler);
  } catch (e) {
    const files = options.tlsCert ? `--tls-cert ${options.tlsCert} and --tls-key ${options.tlsKey}` : 'the local certificate and key';
    throw new ServerConfigError(`${files} cannot serve TLS: ${tlsPairProblem(tls.cert, tls.key, e as Error)}`);
  }
}

/** A failed listen in words, with what to do: node says `listen EADDRINUSE: address already in use`. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host || '*'}:${port}`;
  const why: Record<string, string> = {
    EADDRINUSE: `${where} is in use by another process; stop it or choose another --listen`,
    EADDRNOTAVAIL: `${host} is not an address of this machine; choose one of its addresses for --listen`,
    EACCES: `this user may not listen on port ${port} (ports below 1024 need privileges); choose another --listen`,
    ENOTFOUND: `the --listen host ${host} is not known; give an address or a resolvable name`,
    EAI_AGAIN: `the --listen host ${host} could not be resolved now; give an address`,
  };
  const reason = e.code ? why[e.code] : undefined;
  return reason ? new ServerConfigError(`cannot listen on ${where}: ${reason}`) : e;
}

/**
 * A request the HTTP parser refused (malformed, headers too large, too slow) or a client gone
 * mid-request: one log line, and the status node would send when the socket can still take it.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, log: ServerLog): void {
  const remote = (socket as Partial<Socket>).remoteAddress ?? '-';
  const code = error.code ?? 'unknown';
  const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  // HPE_INVALID_EOF_STATE: the connection ended inside a request.
  const gone = code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable;
  if (gone) log.info('client disconnected mid-request', { remote });
  else log.warn(`request refused by the HTTP parser (${code}): ${status}`, { remote, error: code, status: Number.parseInt(status, 10) });
  if (gone) socket.destroy();
  else socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** `--migrate-only`: applies the PostgreSQL schema migrations the database lacks and returns them. */
export async function migrateDatabase(connection: DatabaseConnection): Promise<{ version: number; name: string }[]> {
  const { PostgresStorage } = await import('./stores/postgres.js');
  const { storage, applied } = await PostgresStorage.open({ connection });
  await storage.close();
  return applied;
}
