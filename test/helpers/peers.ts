/**
 * The shared interop fixture: the REAL peers (notary-server, notary-signer, docker-registry, the
 * notary and docker CLIs) on 127.0.0.1 with TLS from a throwaway CA. Every process and scratch
 * directory is released by its stop(), by stopAllPeers() (call it in afterAll) and, as a last
 * resort, when the test worker exits.
 *
 *   afterAll(stopAllPeers);
 *   const server = await startNotaryServer({ signer: 'local' });
 *   const notary = notaryCli(trustDir, server.url, server.caFile);
 *   const { code, stdout } = await notary(['list', 'example.com/app']);
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { httpRequest } from './http.js';
import { makePki, type PkiFiles } from './pki.js';
import { freePort, isListening, LOOPBACK, waitUntil } from './ports.js';
import {
  findBinary,
  makeScratchDir,
  makeScratchDirSync,
  removeScratchDir,
  requireBinary,
  runCommand,
  startPeerProcess,
  type CommandRunner,
  type PeerProcess,
} from './proc.js';

export { httpRequest, type HttpRequest, type HttpResponse } from './http.js';
export { makePki, makeServerCertificate, type PkiFiles } from './pki.js';
export { freePort } from './ports.js';
export {
  makeScratchDir,
  removeScratchDir,
  requireBinary,
  runCommand,
  stopAllPeers,
  type CommandRunner,
  type EnvOverrides,
  type RunOptions,
  type RunResult,
} from './proc.js';

/**
 * Passphrases the CLI runners set by default. The notary CLI's targets/snapshot/delegation
 * passphrases equal docker's single "repository" passphrase, so `notary` can use keys that
 * `docker trust` created in $DOCKER_CONFIG/trust (docker/cli cli/trust/trust.go, GetPassphraseRetriever).
 */
export const TEST_PASSPHRASES = {
  root: 'root-pass-123',
  repository: 'repo-pass-123',
  targets: 'repo-pass-123',
  snapshot: 'repo-pass-123',
  delegation: 'repo-pass-123',
} as const;

/** Give a peer this long to answer its readiness probe. */
const STARTUP_TIMEOUT_MS = 10_000;
/** Retries when a just-picked free port was taken by someone else before the peer bound it. */
const PORT_ATTEMPTS = 3;

/**
 * True when the docker CLI is on PATH. It is optional for users, but installed on the machines
 * that run these tests, so docker tests should not branch on this: dockerCli() calls
 * requireBinary('docker') and fails loudly when it is missing.
 */
export function hasDocker(): boolean {
  return findBinary('docker') !== undefined;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

interface PeerLaunch {
  name: string;
  binary: string;
  cwd: string;
  /** Writes the peer's config for `port` and returns its command-line arguments. */
  prepare(port: number): Promise<string[]>;
  /** Readiness probe, polled until true. */
  isReady(port: number): Promise<boolean>;
  /** Extra environment for the peer. */
  env?: Record<string, string>;
}

/**
 * Starts one peer on a fresh port and waits until it is ready. If the port was grabbed between
 * picking and binding, tries again with another; any other failure throws with the peer's output.
 */
async function launchPeer(launch: PeerLaunch): Promise<{ peer: PeerProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const peer = startPeerProcess(launch.name, launch.binary, await launch.prepare(port), { cwd: launch.cwd, env: launch.env });
    try {
      await waitUntil(launch.name, () => launch.isReady(port), {
        timeoutMs: STARTUP_TIMEOUT_MS,
        abort: () => (peer.hasExited() ? `${launch.name} exited during startup` : undefined),
      });
      return { peer, port };
    } catch (err) {
      await peer.stop();
      const output = peer.logs();
      if (/address already in use/i.test(output) && attempt < PORT_ATTEMPTS) continue;
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`${reason}\n--- ${launch.name} output ---\n${output}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// notary-server (+ notary-signer)

export type NotarySignerMode = 'local' | 'remote';

export interface NotaryServerOptions {
  /**
   * 'local': in-process signing service (notary-server then uses ED25519 for the timestamp and
   * snapshot keys, whatever key_algorithm says). 'remote': a notary-signer over mutual TLS, ECDSA keys.
   */
  signer?: NotarySignerMode;
  /** Reuse a PKI (e.g. one CA for the notary server and a registry). Default: a fresh one. */
  pki?: PkiFiles;
  /** 'debug' makes notary-server log the reason for every rejected update. */
  logLevel?: 'info' | 'debug';
  /** notary-server's `storage` section, e.g. `{ backend: 'postgres', db_url }` (default: memory). */
  storage?: Record<string, unknown>;
  /**
   * notary-signer's `storage` section (default: memory), e.g. `{ backend: 'postgres', db_url,
   * default_alias }`, and its environment (the alias passphrases, NOTARY_SIGNER_<ALIAS>).
   */
  signerStorage?: Record<string, unknown>;
  signerEnv?: Record<string, string>;
  /**
   * With signer 'remote': use the notary-signer already listening on this port (another server's
   * `signerPort`; pass the same `pki`) instead of starting one, as stateless notary-server replicas
   * share one signer in production. That server's stop() stops the signer.
   */
  sharedSignerPort?: number;
}

export interface NotaryServer {
  /** `https://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The CA that issued the server certificate. */
  caFile: string;
  /** Scratch directory with configs (and the PKI unless one was passed in); removed by stop(). */
  dir: string;
  pki: PkiFiles;
  signer: NotarySignerMode;
  /** The notary-signer's port in 'remote' mode (its own or the shared one). */
  signerPort?: number;
  /** notary-server's output (JSON lines). */
  logs(): string;
  /** notary-signer's output ('' in local mode). */
  signerLogs(): string;
  stop(): Promise<void>;
}

function notaryServerConfig(
  port: number,
  pki: PkiFiles,
  logLevel: string,
  signerPort: number | undefined,
  storage: Record<string, unknown> = { backend: 'memory' },
): unknown {
  const trustService =
    signerPort === undefined
      ? { type: 'local', hostname: '', port: '', key_algorithm: 'ecdsa' }
      : {
          type: 'remote',
          hostname: LOOPBACK,
          port: String(signerPort),
          tls_ca_file: pki.caCert,
          key_algorithm: 'ecdsa',
          tls_client_cert: pki.clientCert,
          tls_client_key: pki.clientKey,
        };
  return {
    server: { http_addr: `${LOOPBACK}:${port}`, tls_cert_file: pki.serverCert, tls_key_file: pki.serverKey },
    trust_service: trustService,
    storage,
    logging: { level: logLevel },
  };
}

function notarySignerConfig(port: number, pki: PkiFiles, logLevel: string, storage: Record<string, unknown> = { backend: 'memory' }): unknown {
  return {
    server: {
      grpc_addr: `${LOOPBACK}:${port}`,
      tls_cert_file: pki.signerCert,
      tls_key_file: pki.signerKey,
      client_ca_file: pki.caCert, // mutual TLS: only notary-server's client cert is accepted
    },
    storage,
    logging: { level: logLevel },
  };
}

/** Starts notary-server (memory storage, TLS) and, in 'remote' mode, notary-signer behind it. */
export async function startNotaryServer(options: NotaryServerOptions = {}): Promise<NotaryServer> {
  const mode = options.signer ?? 'local';
  const logLevel = options.logLevel ?? 'info';
  const dir = await makeScratchDir(`notary-server-${mode}`);
  let signer: PeerProcess | undefined;
  try {
    const pki = options.pki ?? (await makePki(path.join(dir, 'pki')));
    let signerPort: number | undefined = mode === 'remote' ? options.sharedSignerPort : undefined;
    if (mode === 'remote' && signerPort === undefined) {
      ({ peer: signer, port: signerPort } = await launchPeer({
        name: 'notary-signer',
        binary: requireBinary('notary-signer'),
        cwd: dir,
        async prepare(port) {
          const configFile = path.join(dir, 'signer.json');
          await writeJson(configFile, notarySignerConfig(port, pki, logLevel, options.signerStorage));
          return ['-config', configFile];
        },
        // gRPC has no plain health URL; an accepting socket is enough, and notary-server's own
        // health check (below) fails until it can really talk to the signer.
        isReady: (port) => isListening(port),
        env: options.signerEnv,
      }));
    }
    const { peer: server, port } = await launchPeer({
      name: 'notary-server',
      binary: requireBinary('notary-server'),
      cwd: dir,
      async prepare(port) {
        const configFile = path.join(dir, 'server.json');
        await writeJson(configFile, notaryServerConfig(port, pki, logLevel, signerPort, options.storage));
        return ['-config', configFile];
      },
      // /_notary_server/health answers 200 only once storage and the signing service are usable.
      isReady: async (port) => {
        const health = `https://${LOOPBACK}:${port}/_notary_server/health`;
        return (await httpRequest(health, { caFile: pki.caCert, timeoutMs: 2_000 })).status === 200;
      },
    });
    const signerPeer = signer;
    return {
      url: `https://${LOOPBACK}:${port}`,
      port,
      caFile: pki.caCert,
      dir,
      pki,
      signer: mode,
      signerPort,
      logs: () => server.logs(),
      signerLogs: () => signerPeer?.logs() ?? '',
      async stop() {
        await server.stop();
        await signerPeer?.stop();
        await removeScratchDir(dir);
      },
    };
  } catch (err) {
    await signer?.stop();
    await removeScratchDir(dir);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// docker-registry (distribution 2.8)

export interface RegistryOptions {
  /** Serve HTTPS with the fixture's server certificate. Default: plain HTTP. */
  tls?: boolean;
  /** Reuse a PKI (only used with tls). Default: a fresh one. */
  pki?: PkiFiles;
  /** Require Basic auth: htpasswd lines (bcrypt), e.g. `alice:$2b$05$…`. Default: open. */
  htpasswd?: string;
  /** Require registry token auth (distribution's `auth.token`). */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface Registry {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  port: number;
  tls: boolean;
  /** The CA to trust for https (undefined for plain http). */
  caFile: string | undefined;
  /** Scratch directory holding the config and the blob storage; removed by stop(). */
  dir: string;
  logs(): string;
  stop(): Promise<void>;
}

function registryConfig(port: number, storageDir: string, pki: PkiFiles | undefined, htpasswdFile: string | undefined, token?: RegistryOptions['token']): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    ...(htpasswdFile ? ['auth:', '  htpasswd:', '    realm: trust-tui-test', `    path: ${JSON.stringify(htpasswdFile)}`] : []),
    ...(token
      ? ['auth:', '  token:', ...Object.entries({ realm: token.realm, service: token.service, issuer: token.issuer, rootcertbundle: token.rootCertBundle }).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)]
      : []),
    'http:',
    `  addr: ${LOOPBACK}:${port}`,
    '  secret: trust-tui-test-secret',
  ];
  if (pki) {
    lines.push('  tls:', `    certificate: ${JSON.stringify(pki.serverCert)}`, `    key: ${JSON.stringify(pki.serverKey)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Starts docker-registry with filesystem storage in a scratch directory, open unless `htpasswd` is given. */
export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const tls = options.tls ?? false;
  const dir = await makeScratchDir('registry');
  try {
    const pki = tls ? (options.pki ?? (await makePki(path.join(dir, 'pki')))) : undefined;
    const scheme = tls ? 'https' : 'http';
    const { peer, port } = await launchPeer({
      name: 'docker-registry',
      binary: requireBinary('docker-registry'),
      cwd: dir,
      async prepare(port) {
        const configFile = path.join(dir, 'config.yml');
        const htpasswdFile = options.htpasswd === undefined ? undefined : path.join(dir, 'htpasswd');
        if (htpasswdFile) await writeFile(htpasswdFile, options.htpasswd!);
        await writeFile(configFile, registryConfig(port, path.join(dir, 'storage'), pki, htpasswdFile, options.token));
        return ['serve', configFile];
      },
      // The distribution API base answers 200 with no auth configured, 401 with auth.
      isReady: async (port) =>
        (await httpRequest(`${scheme}://${LOOPBACK}:${port}/v2/`, { caFile: pki?.caCert, timeoutMs: 2_000 }))
          .status === (options.htpasswd === undefined && options.token === undefined ? 200 : 401),
    });
    return {
      url: `${scheme}://${LOOPBACK}:${port}`,
      host: `${LOOPBACK}:${port}`,
      port,
      tls,
      caFile: pki?.caCert,
      dir,
      logs: () => peer.logs(),
      async stop() {
        await peer.stop();
        await removeScratchDir(dir);
      },
    };
  } catch (err) {
    await removeScratchDir(dir);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// CLI runners

/** A runner plus what a test needs to look at the files it works on. */
export interface CliRunner extends CommandRunner {
  /** Default working directory of every run (a scratch dir; relative paths in args land here). */
  readonly workDir: string;
  /** Environment set on every run, before per-call overrides. */
  readonly env: Readonly<Record<string, string>>;
}

export interface NotaryRunner extends CliRunner {
  readonly configFile: string;
  readonly trustDir: string;
}

export interface DockerRunner extends CliRunner {
  /** $DOCKER_CONFIG */
  readonly dockerConfig: string;
  /** $DOCKER_CONFIG/trust: private/ keys and the tuf/ cache. */
  readonly trustDir: string;
  /** $DOCKER_CONFIG/tls/<host:port>/ca.crt, where the docker CLI looks for the notary CA. */
  readonly caFile: string;
}

function bindRunner<T extends object>(
  binary: string,
  fixedArgs: string[],
  workDir: string,
  env: Record<string, string>,
  extra: T,
): CliRunner & T {
  const run: CommandRunner = (args, opts = {}) =>
    runCommand(binary, [...fixedArgs, ...args], {
      ...opts,
      cwd: opts.cwd ?? workDir,
      env: { ...env, ...opts.env },
    });
  return Object.assign(run, { workDir, env }, extra);
}

/**
 * `notary -c <config.json> …` against `serverUrl`, trusting `caFile`, with the trust data in
 * `trustDir` and the NOTARY_*_PASSPHRASE variables set to TEST_PASSPHRASES.
 */
export function notaryCli(trustDir: string, serverUrl: string, caFile: string): NotaryRunner {
  const binary = requireBinary('notary');
  const workDir = makeScratchDirSync('notary-cli');
  const configFile = path.join(workDir, 'notary-config.json');
  const config = { trust_dir: path.resolve(trustDir), remote_server: { url: serverUrl, root_ca: path.resolve(caFile) } };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const env = {
    NOTARY_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
    NOTARY_TARGETS_PASSPHRASE: TEST_PASSPHRASES.targets,
    NOTARY_SNAPSHOT_PASSPHRASE: TEST_PASSPHRASES.snapshot,
    NOTARY_DELEGATION_PASSPHRASE: TEST_PASSPHRASES.delegation,
  };
  return bindRunner(binary, ['-c', configFile], workDir, env, { configFile, trustDir: path.resolve(trustDir) });
}

/**
 * `docker …` with DOCKER_CONFIG=`dockerConfigDir`, no daemon (DOCKER_HOST points at a socket
 * that does not exist), DOCKER_CONTENT_TRUST_SERVER=`notaryUrl`, the two passphrase variables,
 * and the CA installed where the CLI looks for it: $DOCKER_CONFIG/tls/<host:port>/ca.crt
 * (docker/cli cli/trust/trust.go). Stdin is /dev/null unless `input` is given.
 */
export function dockerCli(dockerConfigDir: string, notaryUrl: string, caFile: string): DockerRunner {
  const binary = requireBinary('docker');
  const workDir = makeScratchDirSync('docker-cli');
  const dockerConfig = path.resolve(dockerConfigDir);
  const tlsDir = path.join(dockerConfig, 'tls', new URL(notaryUrl).host);
  mkdirSync(tlsDir, { recursive: true });
  const installedCa = path.join(tlsDir, 'ca.crt');
  copyFileSync(caFile, installedCa);
  const env = {
    DOCKER_CONFIG: dockerConfig,
    DOCKER_HOST: `unix://${path.join(workDir, 'no-daemon.sock')}`,
    DOCKER_CONTENT_TRUST_SERVER: notaryUrl,
    DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
    DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
    DOCKER_CLI_HINTS: 'false',
  };
  return bindRunner(binary, [], workDir, env, {
    dockerConfig,
    trustDir: path.join(dockerConfig, 'trust'),
    caFile: installedCa,
  });
}
