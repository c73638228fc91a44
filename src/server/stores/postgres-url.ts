// `--database postgres://user:password@host:port/db?sslmode=…` to a `pg` pool configuration, and the
// same URL with its password hidden for logs and errors.
import type { PoolConfig } from 'pg';

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

/** libpq's sslmode values trust-tui supports (libpq's `prefer`/`allow` would fall back to plain text). */
export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

export interface DatabaseConnection {
  url: string;
  /** PEM of the CA that signed the database server's certificate (`--database-ca`). */
  ca?: string | Buffer;
  /** Connections in this process's pool. */
  poolSize?: number;
}

/** The URL with `***` for its password, safe for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (isDatabaseUrl(url)) {
      if (parsed.password) parsed.password = '***';
      return parsed.toString();
    }
  } catch {
    // not a URL: below
  }
  // Not a postgres URL: whatever precedes the last '@' may be credentials.
  const at = url.lastIndexOf('@');
  return at < 0 ? url : `***@${url.slice(at + 1)}`;
}

export function isDatabaseUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export function poolConfig(connection: DatabaseConnection): PoolConfig {
  let parsed: URL;
  try {
    parsed = new URL(connection.url);
  } catch {
    throw new DatabaseUrlError(`--database ${redactDatabaseUrl(connection.url)}: not a URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(`--database ${redactDatabaseUrl(connection.url)}: only postgres:// URLs are supported`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !database) {
    throw new DatabaseUrlError(`--database ${redactDatabaseUrl(connection.url)}: name the host and the database, e.g. postgres://trust@db.example.com:5432/trust`);
  }
  const known = new Set(['sslmode', 'application_name', 'connect_timeout']);
  for (const name of parsed.searchParams.keys()) {
    if (!known.has(name)) throw new DatabaseUrlError(`--database: the URL parameter ${name} is not supported (supported: ${[...known].join(', ')})`);
  }
  const mode = parsed.searchParams.get('sslmode') ?? (connection.ca ? 'verify-full' : 'disable');
  if (!SSL_MODES.includes(mode as SslMode)) {
    throw new DatabaseUrlError(`--database: sslmode=${mode} is not supported; use ${SSL_MODES.join(', ')}`);
  }
  if (mode === 'disable' && connection.ca) {
    throw new DatabaseUrlError('--database-ca is given but the URL says sslmode=disable: drop one of them');
  }
  const connectTimeout = Number(parsed.searchParams.get('connect_timeout') ?? 10);
  return {
    host: decodeURIComponent(parsed.hostname.replace(/^\[(.*)\]$/, '$1')),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    application_name: parsed.searchParams.get('application_name') ?? 'trust-tui server',
    connectionTimeoutMillis: (Number.isFinite(connectTimeout) && connectTimeout > 0 ? connectTimeout : 10) * 1000,
    max: connection.poolSize ?? 10,
    // TCP keepalives find connections a firewall or load balancer dropped silently.
    keepAlive: true,
    ssl: sslOptions(mode as SslMode, connection.ca),
  };
}

/**
 * libpq's meanings: `require` encrypts without checking the certificate (unless a CA is given, then
 * as verify-ca), `verify-ca` checks the chain, `verify-full` the chain and the host name.
 */
function sslOptions(mode: SslMode, ca: string | Buffer | undefined): PoolConfig['ssl'] {
  if (mode === 'disable') return false;
  if (mode === 'require' && !ca) return { rejectUnauthorized: false };
  const checkChainOnly = mode !== 'verify-full' ? { checkServerIdentity: () => undefined } : {};
  return { rejectUnauthorized: true, ...(ca ? { ca } : {}), ...checkChainOnly };
}
