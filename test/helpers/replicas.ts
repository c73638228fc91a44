/**
 * Several `trust-tui server` replicas on one store, as an operator runs them behind a load balancer:
 * each its own process (the BUILT dist/cli.js, --workers 1) on its own loopback port, all with the
 * same TLS certificate from the test CA and the same TRUST_TUI_SERVER_PASSPHRASE, sharing either one
 * PostgreSQL database (`--database`) or one SQLite data directory (`--data`). Any replica can be
 * killed with SIGKILL and started again on the same port.
 *
 *   afterAll(stopAllPeers);
 *   const set = await startReplicas({ count: 3, store: { kind: 'postgres', url } });
 *   await set.replicas[1]!.kill9();
 *   await set.replicas[1]!.restart();
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { httpRequest } from './http.js';
import { makePki, type PkiFiles } from './pki.js';
import { freePort, waitUntil } from './ports.js';
import { makeScratchDir, startPeerProcess, type PeerProcess } from './proc.js';
import { CLI } from './trust-tui.js';

export const REPLICA_PASSPHRASE = 'replica-server-pass-123';

export type ReplicaStore =
  /** One PostgreSQL database for all (`--database URL`); each replica gets its own --data directory. */
  | { kind: 'postgres'; url: string }
  /** One SQLite data directory for all (`--data DIR`). */
  | { kind: 'sqlite' };

export interface ReplicaSetOptions {
  count: number;
  store: ReplicaStore;
  /** Default: a fresh test CA and server certificate (SAN 127.0.0.1). */
  pki?: PkiFiles;
  /** More `trust-tui server` flags for every replica. */
  extraArgs?: string[];
}

export interface Replica {
  /** 0-based. */
  readonly index: number;
  /** `https://127.0.0.1:PORT`; the same after a restart. */
  readonly url: string;
  readonly port: number;
  /** The current process's id. */
  pid(): number;
  isRunning(): boolean;
  /** Output of every process this replica has run so far (the request log: one line per request). */
  logs(): string;
  /** SIGKILL (no shutdown of any kind), and waits until the process is gone. */
  kill9(): Promise<void>;
  /** Starts the replica again with the same command line and port; resolves once it answers health. */
  restart(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface ReplicaSet {
  replicas: Replica[];
  /** The CA every replica's certificate chains to. */
  caFile: string;
  pki: PkiFiles;
  /** The shared SQLite data directory (sqlite store only). */
  dataDir: string | undefined;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 3;

export async function startReplicas(options: ReplicaSetOptions): Promise<ReplicaSet> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it)`);
  const scratch = await makeScratchDir('replicas');
  const pki = options.pki ?? (await makePki(path.join(scratch, 'pki')));
  const sharedDataDir = options.store.kind === 'sqlite' ? path.join(scratch, 'shared-data') : undefined;
  // One after the other: the first start creates the schema (and keeps start-up races out of the picture).
  const replicas: Replica[] = [];
  for (let index = 0; index < options.count; index++) {
    const dataDir = sharedDataDir ?? path.join(scratch, `data-${index}`);
    const storeArgs = options.store.kind === 'postgres' ? ['--database', options.store.url] : [];
    replicas.push(await startReplica(index, (port) => [
      CLI, 'server',
      '--listen', `127.0.0.1:${port}`,
      '--data', dataDir,
      '--tls-cert', pki.serverCert,
      '--tls-key', pki.serverKey,
      '--workers', '1',
      ...storeArgs,
      ...(options.extraArgs ?? []),
    ], pki.caCert));
  }
  return {
    replicas,
    caFile: pki.caCert,
    pki,
    dataDir: sharedDataDir,
    async stop() {
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}

async function startReplica(index: number, argsFor: (port: number) => string[], caFile: string): Promise<Replica> {
  const name = `trust-tui server replica ${index + 1}`;
  let earlierLogs = '';
  const launch = async (port: number): Promise<PeerProcess> => {
    const peer = startPeerProcess(name, process.execPath, argsFor(port), { env: { TRUST_TUI_SERVER_PASSPHRASE: REPLICA_PASSPHRASE } });
    try {
      await waitUntil(name, async () => (await httpRequest(`https://127.0.0.1:${port}/_notary_server/health`, { caFile, timeoutMs: 2_000 })).status === 200, {
        timeoutMs: STARTUP_TIMEOUT_MS,
        abort: () => (peer.hasExited() ? `${name} exited during start-up` : undefined),
      });
      return peer;
    } catch (err) {
      await peer.stop();
      const reason = err instanceof Error ? err.message : String(err);
      throw Object.assign(new Error(`${reason}\n--- ${name} output ---\n${peer.logs()}`), { output: peer.logs() });
    }
  };

  let port = 0;
  let peer: PeerProcess | undefined;
  for (let attempt = 1; !peer; attempt++) {
    port = await freePort();
    try {
      peer = await launch(port);
    } catch (err) {
      const output = (err as { output?: string }).output ?? '';
      if (attempt >= PORT_ATTEMPTS || !/EADDRINUSE|address already in use/i.test(output)) throw err;
    }
  }
  let current: PeerProcess = peer;
  const url = `https://127.0.0.1:${port}`;
  return {
    index,
    url,
    port,
    pid: () => current.pid,
    isRunning: () => !current.hasExited(),
    logs: () => earlierLogs + current.logs(),
    async kill9() {
      if (current.hasExited()) return;
      process.kill(current.pid, 'SIGKILL');
      await current.exited;
    },
    async restart() {
      if (!current.hasExited()) throw new Error(`${name} is still running (pid ${current.pid})`);
      earlierLogs += current.logs();
      await current.stop(); // forget the dead process
      current = await launch(port);
    },
    stop: () => current.stop(),
  };
}
