// `trust-tui server`: a Notary-compatible trust server (drop-in for notary-server 0.7). The server
// modules are imported only when the command runs, so other commands stay fast.
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { defaultServerDataDir } from '../../config/paths.js';
import { MAX_PEM_BYTES, readUserFile } from '../../config/user-files.js';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { registerServerImportCommand } from './server-import.js';

interface ServerCommandOptions {
  listen: string;
  data: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  htpasswd?: string;
  htpasswdReadOnly?: string;
  anonymousRead?: boolean;
  auth?: 'htpasswd' | 'token';
  tokenRealm?: string;
  tokenService?: string;
  tokenIssuer?: string;
  tokenRootCerts?: string;
  metricsOpen?: boolean;
  maxUploadMb: string;
  maxConcurrentUploads: string;
  maxRequestMb: string;
  maxOpenRequests: string;
  maxConnectionsPerClient: string;
  newKeysPerMinute: string;
  keyType: 'ecdsa' | 'ed25519';
  workers: string;
  quiet?: boolean;
  database?: string;
  databaseCa?: string;
  databasePool: string;
  migrateOnly?: boolean;
  logFormat: 'text' | 'json';
  shutdownTimeout: string;
}

/** The variable that can carry --database (keeps the password out of `ps`). */
const DATABASE_URL_VARIABLE = 'TRUST_TUI_DATABASE_URL';

/** One worker per core, up to four: reads scale with cores; updates take turns on the database. */
const DEFAULT_WORKERS = Math.max(1, Math.min(availableParallelism(), 4));

export function registerServerCommand(program: Command, io: Io): void {
  const server = program
    .command('server')
    .description('Run a Notary trust server (drop-in for notary-server 0.7) on embedded SQLite, or on PostgreSQL with --database')
    .option('--listen <addr:port>', 'address and port to listen on', '127.0.0.1:4443')
    .option('--data <dir>', 'data directory (SQLite database and keys unless --database, local CA)', defaultServerDataDir())
    .option('--tls-cert <file>', 'server certificate (PEM); without it a local CA and certificate are made')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--insecure-http', 'serve plain HTTP (only behind a TLS-terminating proxy)')
    .option('--htpasswd <file>', 'require Basic auth: users (bcrypt htpasswd) who may read and write')
    .option('--htpasswd-read-only <file>', 'with --htpasswd: users who may only read')
    .option('--anonymous-read', 'with --htpasswd: let clients without credentials read')
    .addOption(new Option('--auth <type>', 'authentication: htpasswd (with --htpasswd) or token (docker registry token auth)').choices(['htpasswd', 'token']))
    .option('--token-realm <url>', 'with --auth token: URL of the token service clients get tokens from')
    .option('--token-service <name>', "with --auth token: this server's name at the token service (the tokens' aud)")
    .option('--token-issuer <name>', "with --auth token: the token service's name (the tokens' iss)")
    .option('--token-root-certs <file>', 'with --auth token: PEM bundle of the certificates (or their CA) that sign tokens')
    .option('--metrics-open', 'with --htpasswd or --auth token: serve GET /metrics without credentials (default: read-write users, or `registry:catalog:*`)')
    .option('--max-upload-mb <n>', 'largest accepted publish, in MiB', '100')
    .option('--max-concurrent-uploads <n>', 'publishes over 4 MiB parsed at once per process (a few more wait, then 503)', '2')
    .option('--max-request-mb <n>', 'pending area: largest signing request, in MiB', '8')
    .option('--max-open-requests <n>', 'pending area: open signing requests per repository', '50')
    .option('--max-connections-per-client <n>', 'connections one client address may hold open at once, per server process (0: no limit)', '256')
    .option('--new-keys-per-minute <n>', 'server keys one client address may have created per minute, over all workers (burst of the same size)', '120')
    .addOption(new Option('--key-type <type>', 'type of new server-held timestamp/snapshot keys').choices(['ecdsa', 'ed25519']).default('ecdsa'))
    .option('--workers <n>', 'server processes sharing the port and the database', String(DEFAULT_WORKERS))
    .option('--database <url>', `PostgreSQL instead of SQLite in --data: postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=require|verify-ca|verify-full] (or ${DATABASE_URL_VARIABLE})`)
    .option('--database-ca <pem>', 'with --database: CA certificate that signed the database server\'s certificate (implies sslmode=verify-full)')
    .option('--database-pool <n>', 'with --database: connections per server process', '10')
    .option('--migrate-only', 'with --database: apply the database schema migrations, print them and exit')
    .option('-q, --quiet', 'do not log each request')
    .addOption(new Option('--log-format <format>', 'log lines as text or as one JSON object per line').choices(['text', 'json']).default('text'))
    .option('--shutdown-timeout <seconds>', 'on SIGTERM/SIGINT: how long requests in flight may finish before their connections are cut', '30')
    .addHelpText(
      'after',
      `
The server's signing keys are encrypted with the passphrase in TRUST_TUI_SERVER_PASSPHRASE (required).
Stop it with Ctrl-C (SIGINT) or SIGTERM: it stops accepting connections, readiness answers 503,
requests in flight finish (up to --shutdown-timeout), then the database is closed and it exits 0.

Auth: docker sends the registry's credentials (docker login <registry>); notary sends NOTARY_AUTH
for publishes only. Both decide from the unauthenticated /v2/ ping whether to send credentials, so
with --anonymous-read (open ping) they read anonymously and cannot publish.

Token auth (--auth token): as notary-server's token auth, behind the registry's token service. A 401
names the realm, service and scope (repository:<gun>:pull, pull,push for writes, * to delete); clients
fetch a JWT there. Tokens must be signed by a key of --token-root-certs (x5c chain or kid), carry
iss = --token-issuer, aud = --token-service and an unexpired exp. See docs/server-token-auth.md.

Pending area: signing requests are kept under /v2/<gun>/_trust/requests/ (never in /_trust/tuf/);
reading, staging, signing and cancelling them need push access (see docs/team-signing.md).

PostgreSQL: --database (or TRUST_TUI_DATABASE_URL) points every replica at one database; migrations
are applied at start (--migrate-only: apply, print, exit). With --workers N each process opens its
own pool of --database-pool connections. The password never appears in logs or errors.

Probes: GET /_notary_server/health answers while the process runs (with --database: while a
SELECT 1 answers within 2 s); GET /_notary_server/ready answers 503 while writes fail (disk full,
database down) and once the server is stopping. --new-keys-per-minute holds for the whole server
(with --workers N the primary counts for every worker). Publishes over 4 MiB are validated in worker
threads.

Logs: --log-format json writes one JSON object per line (requests: request_id, taken from an
X-Request-Id header when a proxy sends one, method, path, route, status, bytes, duration_ms,
remote, user, and code, the notary error code). Several replicas: see docs/server-ha.md.

Metrics: GET /metrics in Prometheus text format (requests by route and status, latency, publishes
accepted/rejected by notary error code, storage errors; never a repository name). With --htpasswd it
needs a read-write user, with --auth token \`*\` on registry:catalog, unless --metrics-open. With
--workers N the primary sums every worker's counters, so any scrape shows the whole server's totals;
a per-process limit (process_max_fds) is reported as one process has it; a worker that does not
answer within 3 s is left out and counted (trust_tui_workers_unanswered). A worker that stops right
after a restart is not restarted: health then shows {"workers":{"configured":N,"live":N-1}}.`,
    )
    .action(async (opts: ServerCommandOptions, cmd: Command) => {
      // A flag given a value it cannot take is a usage error (exit 2), named before anything starts.
      const usage = (message: string): never => cmd.error(`error: ${message}`, { exitCode: 2, code: 'trust-tui.usage' });
      const [{ checkOptionCombinations, parseListen, startServer, storedIn }, { isServerWorker, runServerWorker, startServerGroup }, { ServerLog }] = await Promise.all([
        import('../../server/server.js'),
        import('../../server/cluster.js'),
        import('../../server/log.js'),
      ]);
      try {
        parseListen(opts.listen);
      } catch (e) {
        usage((e as Error).message);
      }
      const maxUploadMb = Number(opts.maxUploadMb);
      if (!Number.isFinite(maxUploadMb) || maxUploadMb <= 0) usage('--max-upload-mb must be a positive number');
      const maxConcurrentUploads = Number(opts.maxConcurrentUploads);
      if (!Number.isInteger(maxConcurrentUploads) || maxConcurrentUploads < 1) usage('--max-concurrent-uploads must be a whole number of at least 1');
      const maxRequestMb = Number(opts.maxRequestMb);
      if (!Number.isFinite(maxRequestMb) || maxRequestMb <= 0) usage('--max-request-mb must be a positive number');
      const maxOpenRequests = Number(opts.maxOpenRequests);
      if (!Number.isInteger(maxOpenRequests) || maxOpenRequests < 1) usage('--max-open-requests must be a whole number of at least 1');
      const maxConnectionsPerClient = Number(opts.maxConnectionsPerClient);
      if (!Number.isInteger(maxConnectionsPerClient) || maxConnectionsPerClient < 0) usage('--max-connections-per-client must be a whole number (0: no limit)');
      const newKeysPerMinute = Number(opts.newKeysPerMinute);
      if (!Number.isInteger(newKeysPerMinute) || newKeysPerMinute < 1) usage('--new-keys-per-minute must be a whole number of at least 1');
      const workers = Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) usage('--workers must be a whole number from 1 to 64');
      const shutdownTimeout = Number(opts.shutdownTimeout);
      if (!Number.isFinite(shutdownTimeout) || shutdownTimeout < 0 || shutdownTimeout > 3600) usage('--shutdown-timeout must be a number of seconds from 0 to 3600');
      if (opts.auth === 'htpasswd' && !opts.htpasswd) usage('--auth htpasswd needs --htpasswd <file>');
      const tokenFlags = [opts.tokenRealm, opts.tokenService, opts.tokenIssuer, opts.tokenRootCerts].some(Boolean);
      if (tokenFlags && opts.auth !== 'token') usage('--token-realm, --token-service, --token-issuer and --token-root-certs go with --auth token');
      const databaseUrl = opts.database ?? (process.env[DATABASE_URL_VARIABLE] || undefined);
      const databasePool = Number(opts.databasePool);
      if (!Number.isInteger(databasePool) || databasePool < 1 || databasePool > 1000) usage('--database-pool must be a whole number from 1 to 1000');
      if (!databaseUrl && (opts.databaseCa || opts.migrateOnly)) {
        usage(`${opts.migrateOnly ? '--migrate-only' : '--database-ca'} needs --database (or ${DATABASE_URL_VARIABLE})`);
      }
      const database = databaseUrl
        ? {
            url: databaseUrl,
            poolSize: databasePool,
            ...(opts.databaseCa ? { ca: await readUserFile(opts.databaseCa, '--database-ca file', { maxBytes: MAX_PEM_BYTES }) } : {}),
          }
        : undefined;
      if (opts.migrateOnly && database) {
        const { migrateDatabase } = await import('../../server/server.js');
        const applied = await migrateDatabase(database);
        emit(io, globalOptions(cmd), { applied: applied.map((m) => ({ version: m.version, name: m.name })) }, () =>
          applied.length === 0 ? 'The database schema is up to date; nothing applied.' : applied.map((m) => `Applied migration ${m.version}: ${m.name}`).join('\n'),
        );
        return;
      }
      const log = opts.quiet ? undefined : (line: string) => io.stdout(line + '\n');
      const options = {
        database,
        listen: opts.listen,
        dataDir: opts.data,
        passphrase: process.env.TRUST_TUI_SERVER_PASSPHRASE,
        tlsCert: opts.tlsCert,
        tlsKey: opts.tlsKey,
        insecureHttp: opts.insecureHttp,
        htpasswd: opts.htpasswd,
        htpasswdReadOnly: opts.htpasswdReadOnly,
        anonymousRead: opts.anonymousRead,
        token:
          opts.auth === 'token'
            ? { realm: opts.tokenRealm, service: opts.tokenService, issuer: opts.tokenIssuer, rootCertBundle: opts.tokenRootCerts }
            : undefined,
        metricsOpen: opts.metricsOpen,
        maxUploadBytes: Math.floor(maxUploadMb * 1024 * 1024),
        maxConcurrentUploads,
        maxRequestBytes: Math.floor(maxRequestMb * 1024 * 1024),
        maxOpenRequests,
        maxConnectionsPerClient,
        newKeysPerMinute,
        keyAlgorithm: opts.keyType,
        log,
        logFormat: opts.logFormat,
        shutdownGraceMs: Math.round(shutdownTimeout * 1000),
        // Said below, once for the server (with --workers N: once all of them listen).
        announce: false,
      };
      try {
        checkOptionCombinations(options);
      } catch (e) {
        usage((e as Error).message);
      }
      // A worker re-runs this command line (node:cluster); it serves until the primary stops it.
      if (isServerWorker()) {
        // A worker that could not start told the primary why (the primary logs it): exit non-zero.
        if ((await runServerWorker(options)) === 'failed') throw new AlreadyReported(EXIT.error);
        return;
      }

      // With --log-format json every line is a JSON object: these events, and a failure to start.
      const events = opts.logFormat === 'json' ? new ServerLog((line) => io.stdout(line + '\n'), (line) => io.stderr(line + '\n'), 'json') : undefined;
      let server: Awaited<ReturnType<typeof startServer>> | Awaited<ReturnType<typeof startServerGroup>>;
      try {
        server = workers > 1 ? await startServerGroup(options, workers, (line) => io.stdout(line + '\n')) : await startServer(options);
      } catch (e) {
        if (!events) throw e;
        events.error(`trust-tui server did not start: ${e instanceof Error ? e.message : String(e)}`);
        throw new AlreadyReported(EXIT.error);
      }
      const listening = `trust-tui server is listening on ${server.url}${workers > 1 ? ` with ${workers} workers` : ''} (data in ${storedIn(options)})`;
      if (events) events.info(listening, { url: server.url, ca_file: server.caFile, workers });
      else io.stdout(startupMessage(listening, server.url, server.caFile, server.createdCa));
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          if (events) events.info(`received ${signal}, stopping`, { signal });
          else io.stdout(`Received ${signal}, stopping...\n`);
          void ('stop' in server ? server.stop() : server.close()).then(resolve);
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.once('SIGINT', onInt);
        process.once('SIGTERM', onTerm);
      });
      if (events) events.info('stopped');
      else io.stdout('Stopped.\n');
    });
  registerServerImportCommand(server, io);
}

/** The `listening` line, then what a user needs to point clients at the server, including how to trust a local CA. */
function startupMessage(listening: string, url: string, caFile: string | undefined, createdCa: boolean): string {
  const lines = [listening];
  if (caFile) {
    const hostPort = new URL(url).host;
    lines.push(
      createdCa ? `Created a local CA for this server: ${caFile}` : `TLS certificate issued by the local CA ${caFile}`,
      'Make the docker CLI trust it:',
      `  mkdir -p ~/.docker/tls/${hostPort} && cp ${caFile} ~/.docker/tls/${hostPort}/ca.crt`,
      'and the notary CLI:',
      `  notary -s ${url} --tlscacert ${caFile} ...`,
      `Clients use it with DOCKER_CONTENT_TRUST_SERVER=${url}`,
    );
  }
  return lines.join('\n') + '\n';
}
