/**
 * A throwaway PostgreSQL cluster for tests: Debian's `postgresql` binaries, a fresh data directory,
 * 127.0.0.1 on a free port, password (SCRAM) authentication over TCP, optionally TLS with a
 * certificate from the test's own CA. Run as the unprivileged `postgres` user when the tests run as
 * root (PostgreSQL refuses to run as root). Released by stop() or stopAllPeers().
 *
 *   afterAll(stopAllPeers);
 *   const pg = await startPostgres();
 *   const url = await pg.createDatabase('trust');   // postgres://trust:…@127.0.0.1:PORT/trust
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitUntil } from './ports.js';
import { makeScratchDir, removeScratchDir, runCommand, startPeerProcess, type PeerProcess, type RunResult } from './proc.js';

export interface PostgresCluster {
  port: number;
  /** The superuser's name and password (SCRAM over TCP). */
  user: string;
  password: string;
  /** postgres://user:password@127.0.0.1:port/postgres */
  adminUrl: string;
  /** True when the server speaks TLS (started with `tls`). */
  tls: boolean;
  /** Creates a database and returns its URL (no sslmode parameter). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with psql against a database (default `postgres`); throws on a non-zero exit. */
  psql(sql: string, database?: string): Promise<RunResult>;
  peer: PeerProcess;
  dataDir: string;
  /** Fast shutdown (SIGINT: open sessions are ended), then the scratch directory is removed. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Serve TLS with this certificate and key (PEM files), e.g. from makePki(). */
  tls?: { cert: string; key: string };
  /** Connection limit (default 200: several server replicas each with a pool). */
  maxConnections?: number;
}

/** The newest installed PostgreSQL's bin directory; throws (tests fail, never skip) when there is none. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql: run the README's test command (it installs Debian's postgresql)");
  }
  return path.join(base, versions[0]!, 'bin');
}

const POSTGRES_USER = 'postgres';

/** Runs as the unprivileged `postgres` user when we are root; as ourselves otherwise. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', [`--reuid=${POSTGRES_USER}`, `--regid=${POSTGRES_USER}`, '--clear-groups', '--', command, ...args]];
}

function ownerIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = requirePasswdLine(POSTGRES_USER);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function requirePasswdLine(user: string): string {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no '${user}' user to run PostgreSQL as (root cannot): install Debian's postgresql, which creates it`);
  return line;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const scratch = await makeScratchDir('pg');
  const owner = ownerIds();
  // The server user must reach its data directory inside our scratch directory.
  chmodSync(scratch, 0o755);
  const dataDir = path.join(scratch, 'data');
  const socketDir = path.join(scratch, 'sock');
  const user = 'trust';
  const password = randomBytes(12).toString('hex');
  const pwFile = path.join(scratch, 'pw');
  writeFileSync(pwFile, password + '\n', { mode: 0o644 });
  mkdirSync(socketDir, { mode: 0o755 });
  mkdirSync(dataDir, { mode: 0o700 });
  if (owner) for (const dir of [socketDir, dataDir]) chownSync(dir, owner.uid, owner.gid);

  const init = await runCommand(...asServerUser(path.join(bin, 'initdb'), [
    '-D', dataDir, '-U', user, `--pwfile=${pwFile}`, '--auth-host=scram-sha-256', '--auth-local=trust',
    '-E', 'UTF8', '--locale=C', '--no-sync',
  ]), { timeoutMs: 60_000 });
  if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${init.stderr || init.stdout}`);

  const settings = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${socketDir}`,
    '-c', `max_connections=${options.maxConnections ?? 200}`,
    // A test cluster: durability is not what is under test.
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'shared_buffers=32MB',
  ];
  let tls = false;
  if (options.tls) {
    for (const [from, to] of [[options.tls.cert, 'server.crt'], [options.tls.key, 'server.key']] as const) {
      const target = path.join(dataDir, to);
      copyFileSync(from, target);
      chmodSync(target, 0o600);
      if (owner) chownSync(target, owner.uid, owner.gid);
    }
    settings.push('-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key');
    tls = true;
  }

  let port = 0;
  let peer: PeerProcess | undefined;
  for (let attempt = 0; attempt < 3 && !peer; attempt++) {
    port = await freePort();
    const started = startPeerProcess('postgres', ...asServerUser(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...settings]));
    const ready = await waitUntil(
      'PostgreSQL accepting connections',
      async () => {
        if (started.hasExited()) return true;
        const r = await runCommand(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1'], { timeoutMs: 5_000 });
        return r.code === 0;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    ).then(() => !started.hasExited(), () => false);
    if (ready) peer = started;
    else await started.stop();
    if (!peer && !/could not bind|already in use/i.test(started.logs())) {
      throw new Error(`PostgreSQL did not start:\n${started.logs()}`);
    }
  }
  if (!peer) throw new Error('PostgreSQL did not start: no free port could be bound');
  const livePeer = peer;

  const psqlBin = path.join(bin, 'psql');
  const psql = async (sql: string, database = 'postgres'): Promise<RunResult> => {
    const r = await runCommand(psqlBin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-c', sql], {
      env: { PGPASSWORD: password, PGSSLMODE: tls ? 'require' : 'disable' },
      timeoutMs: 60_000,
    });
    if (r.code !== 0) throw new Error(`psql failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r;
  };
  const url = (db: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${db}`;

  return {
    port,
    user,
    password,
    adminUrl: url('postgres'),
    tls,
    peer: livePeer,
    dataDir,
    psql,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: use lower-case letters, digits and _`);
      await psql(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      if (!livePeer.hasExited()) {
        try {
          process.kill(livePeer.pid, 'SIGINT');
        } catch {
          // already gone
        }
        await Promise.race([livePeer.exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      }
      await livePeer.stop();
      await removeScratchDir(scratch);
    },
  };
}
