/**
 * A throwaway MariaDB server for tests (Debian's `mariadb-server`): a fresh data directory,
 * 127.0.0.1 on a free port, one password user with every privilege. Run as the unprivileged `mysql`
 * user when the tests run as root. Released by stop() or stopAllPeers().
 *
 *   const db = await startMariadb();
 *   await db.createDatabase('notaryserver');  // returns mysql://USER:PASSWORD@127.0.0.1:PORT/notaryserver
 *   await db.sql('SELECT 1', 'notaryserver');
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { freePort, waitUntil } from './ports.js';
import { makeScratchDir, removeScratchDir, runCommand, startPeerProcess, type PeerProcess, type RunResult } from './proc.js';

export interface MariadbServer {
  port: number;
  user: string;
  password: string;
  /** Creates a database and returns its mysql:// URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with the mariadb client (batch mode, tab-separated output); throws on failure. */
  sql(sql: string, database?: string): Promise<RunResult>;
  /** `USER:PASSWORD@tcp(127.0.0.1:PORT)/DB?parseTime=True`, the form notary's MySQL backend takes. */
  goDsn(database: string): string;
  stop(): Promise<void>;
}

const SERVER_USER = 'mysql';
const BINARIES = ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db', '/usr/bin/mariadb'];

function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', [`--reuid=${SERVER_USER}`, `--regid=${SERVER_USER}`, '--clear-groups', '--', command, ...args]];
}

export async function startMariadb(): Promise<MariadbServer> {
  for (const binary of BINARIES) {
    if (!existsSync(binary)) throw new Error(`${binary} not found: install Debian's mariadb-server (apt-get install --no-install-recommends mariadb-server)`);
  }
  const scratch = await makeScratchDir('mariadb');
  chmodSync(scratch, 0o755);
  const dataDir = path.join(scratch, 'data');
  const socket = path.join(scratch, 'mysqld.sock');
  mkdirSync(dataDir, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${SERVER_USER}:`));
    if (!line) throw new Error(`no '${SERVER_USER}' user to run MariaDB as (root should not): install Debian's mariadb-server, which creates it`);
    const [, , uid, gid] = line.split(':');
    chownSync(dataDir, Number(uid), Number(gid));
    chownSync(scratch, Number(uid), Number(gid));
  }
  const init = await runCommand(
    ...asServerUser('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=socket', `--auth-root-socket-user=${process.getuid?.() === 0 ? SERVER_USER : userInfo().username}`, '--skip-test-db']),
    { timeoutMs: 120_000 },
  );
  if (init.code !== 0) throw new Error(`mariadb-install-db failed (exit ${init.code}):\n${init.stderr || init.stdout}`);

  let port = 0;
  let peer: PeerProcess | undefined;
  for (let attempt = 0; attempt < 3 && !peer; attempt++) {
    port = await freePort();
    const started = startPeerProcess(
      'mariadbd',
      ...asServerUser('/usr/sbin/mariadbd', [
        '--no-defaults', `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
        '--skip-name-resolve', '--innodb-buffer-pool-size=32M', '--innodb-flush-log-at-trx-commit=0', '--skip-log-bin',
        `--pid-file=${path.join(scratch, 'mysqld.pid')}`,
      ]),
    );
    const ready = await waitUntil('MariaDB accepting connections', async () => started.hasExited() || existsSync(socket) && (await rootSql('SELECT 1')).code === 0, {
      timeoutMs: 60_000,
      intervalMs: 200,
    }).then(() => !started.hasExited(), () => false);
    if (ready) peer = started;
    else await started.stop();
    if (!peer && !/in use|bind/i.test(started.logs())) throw new Error(`MariaDB did not start:\n${started.logs()}`);
  }
  if (!peer) throw new Error('MariaDB did not start: no free port could be bound');
  const livePeer = peer;

  // Over the socket as the data directory's owner (mariadb-install-db gives that OS user a
  // unix_socket account with every privilege), only to create the password user.
  function rootSql(sql: string): Promise<RunResult> {
    const owner = process.getuid?.() === 0 ? SERVER_USER : userInfo().username;
    return runCommand(...asServerUser('/usr/bin/mariadb', ['--no-defaults', `--socket=${socket}`, '-u', owner, '-e', sql]), { timeoutMs: 30_000 });
  }
  const user = 'trust';
  const password = randomBytes(12).toString('hex');
  const created = await rootSql(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO '${user}'@'%'`);
  if (created.code !== 0) throw new Error(`creating the MariaDB user failed: ${created.stderr}`);

  const sql = async (text: string, database?: string): Promise<RunResult> => {
    const args = ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', user, '--batch', '--skip-column-names', ...(database ? ['-D', database] : []), '-e', text];
    const r = await runCommand('/usr/bin/mariadb', args, { env: { MYSQL_PWD: password }, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`mariadb failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r;
  };
  return {
    port,
    user,
    password,
    sql,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: use lower-case letters, digits and _`);
      await sql(`CREATE DATABASE ${name}`);
      return `mysql://${user}:${password}@127.0.0.1:${port}/${name}`;
    },
    goDsn: (database: string) => `${user}:${password}@tcp(127.0.0.1:${port})/${database}?parseTime=True`,
    async stop() {
      await livePeer.stop();
      await removeScratchDir(scratch);
    },
  };
}
