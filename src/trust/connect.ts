// From what the user typed (`registry.example.com/team/app:v2`) to a Notary client for the right
// server: reference normalised as docker does, server chosen (flag > env > config > docker default),
// TLS trust anchor and client certificate (endpoint.ts), registry credentials for the server's token
// challenge, and the command's deadline. Every command, probe and UI service reaches a trust server
// through `notaryClientFor`.
import { dockerConfigDir } from '../config/paths.js';
import { endpointFor, normaliseServerUrl, resolveTrustEndpoint, type TrustEndpoint, type TrustServerChoice } from '../notary/endpoint.js';
import { NotaryClient } from '../notary/http-client.js';
import { AgentPool } from '../notary/transport.js';
import { Deadline } from '../net/deadline.js';
import { createAuthorizer } from '../registry/auth.js';
import { loadRegistryCredentials } from '../registry/credentials.js';
import { createHttpFetch } from '../registry/http.js';
import { parseReference, type ImageReference } from '../registry/reference.js';
import type { Hint } from '../tuf/errors.js';
import type { TrustContext } from './context.js';

/** How to reach the trust server, from command-line flags. */
export interface ServerOptions {
  /** `--server URL` */
  server?: string;
  /** `--tlscacert FILE` */
  tlsCaCert?: string;
  /** The option that names this server's CA, for hints (`--tlscacert`; migrate: `--to-tlscacert`…). */
  caFlag?: string;
  /** Accept http:// for loopback servers (demo, tests). */
  allowInsecureLoopback?: boolean;
}

export interface Connection {
  reference: ImageReference;
  gun: string;
  endpoint: TrustEndpoint;
  client: NotaryClient;
}

function allowInsecureLoopback(ctx: TrustContext, options: ServerOptions): boolean {
  return options.allowInsecureLoopback ?? ctx.env.TRUST_TUI_ALLOW_HTTP_LOOPBACK === '1';
}

const agentPools = new WeakMap<TrustContext, AgentPool>();

/** The connections of a context's command: its own pool, else one made for it (kept with the context). */
export function agentPoolOf(ctx: TrustContext): AgentPool {
  if (ctx.agents) return ctx.agents;
  let pool = agentPools.get(ctx);
  if (!pool) {
    pool = new AgentPool();
    agentPools.set(ctx, pool);
  }
  return pool;
}

/** The command's deadline; a context without one (a test's) gets a fresh default. */
export function deadlineOf(ctx: TrustContext): Deadline {
  return ctx.deadline ?? new Deadline();
}

export async function connect(ctx: TrustContext, input: string | ImageReference, options: ServerOptions = {}): Promise<Connection> {
  const reference = typeof input === 'string' ? parseReference(input) : input;
  const env = ctx.env as NodeJS.ProcessEnv;
  const endpoint = await resolveTrustEndpoint(reference, {
    server: options.server,
    tlsCaCert: options.tlsCaCert,
    servers: ctx.settings.data.servers,
    env,
    dockerConfigDir: dockerConfigDir(env),
    allowInsecureLoopback: allowInsecureLoopback(ctx, options),
  });
  for (const warning of endpoint.warnings) ctx.warn(warning);
  ctx.debug(`trust server for ${reference.gun}: ${endpoint.url} (${endpoint.source}, CA: ${endpoint.anchor.source})`);
  return {
    reference,
    gun: reference.gun,
    endpoint,
    client: notaryClientFor(ctx, endpoint, { registryHost: reference.registryHost, ...(options.caFlag ? { caFlag: options.caFlag } : {}) }),
  };
}

/**
 * A client for a server named by URL rather than by repository (`info`'s probes): the same TLS
 * material, anchor rule and deadline as `connect`. `configCa` is the `config server` entry's CA
 * (without it the URL is taken as DOCKER_CONTENT_TRUST_SERVER's: the source only matters for the CA).
 */
export async function connectToServer(
  ctx: TrustContext,
  url: string,
  options: ServerOptions & { configCa?: string; deadline?: Deadline } = {},
): Promise<NotaryClient> {
  const env = ctx.env as NodeJS.ProcessEnv;
  const choice: TrustServerChoice = {
    url: normaliseServerUrl(url, allowInsecureLoopback(ctx, options)),
    source: options.configCa ? 'config' : 'env',
    ...(options.configCa ? { configCa: options.configCa } : {}),
  };
  const endpoint = await endpointFor(choice, { tlsCaCert: options.tlsCaCert, env, dockerConfigDir: dockerConfigDir(env) });
  return notaryClientFor(ctx, endpoint, { deadline: options.deadline });
}

/**
 * What a message about a server certificate that does not chain to the trusted CA says: which CA was
 * trusted, and where the right one goes. (Expired certificates and wrong host names are not about the
 * CA; the Notary client words those itself.)
 */
function caAdvice(endpoint: TrustEndpoint, flag = '--tlscacert'): Hint {
  const { source, files, tlsDir } = endpoint.anchor;
  switch (source) {
    case 'flag':
      return {
        cli: `it does not chain to ${flag} ${files[0]}; pass the CA that issued the server's certificate`,
        ui: `it does not chain to the CA ${files[0]} given on the command line; start trust-tui with the CA that issued the server's certificate`,
      };
    case 'config':
      return {
        cli: `it does not chain to the CA ${files[0]} of \`trust-tui config server ${endpoint.configKey ?? ''}\`; set the right one with config server --ca`,
        ui: `it does not chain to the CA ${files[0]} set for this server; set the right one on the Config screen (5)`,
      };
    case 'docker-tls-dir':
      return {
        cli: `it does not chain to the CAs in ${tlsDir} (${files.join(', ')}); put the CA that issued it there, or pass ${flag}`,
        ui: `it does not chain to the CAs in ${tlsDir} (${files.join(', ')}); put the CA that issued it there, or set it for this server on the Config screen (5)`,
      };
    case 'system':
      return {
        cli: `pass ${flag} or put the CA in ${tlsDir}/ca.crt`,
        ui: `put the server's CA in ${tlsDir}/ca.crt, or set it for this server on the Config screen (5)`,
      };
  }
}

export function notaryClientFor(
  ctx: TrustContext,
  endpoint: TrustEndpoint,
  options: { registryHost?: string; deadline?: Deadline; caFlag?: string } = {},
): NotaryClient {
  const env = ctx.env as NodeJS.ProcessEnv;
  const deadline = options.deadline ?? deadlineOf(ctx);
  // The anchor replaces the system roots, as notary's --tlscacert does. (docker adds it to the
  // system pool instead; parsing the ~140 system roots for every command costs ~90 ms, and a private
  // server's certificate never chains to them.)
  const tls = {
    ...(endpoint.caPem.length > 0 ? { ca: endpoint.caPem } : {}),
    ...(endpoint.clientCert && endpoint.clientKey ? { cert: endpoint.clientCert, key: endpoint.clientKey } : {}),
  };
  const registryHost = options.registryHost;
  // The server asks for the registry's credentials (docker looks them up by the image's registry).
  const authorize = registryHost
    ? createAuthorizer({
        credentials: () => loadRegistryCredentials(registryHost, { dockerConfigDir: dockerConfigDir(env), env }),
        fetch: createHttpFetch({
          tls: { caPem: endpoint.caPem, clientCert: endpoint.clientCert, clientKey: endpoint.clientKey },
          deadline,
        }),
      })
    : undefined;
  return new NotaryClient({
    baseUrl: endpoint.url,
    tls,
    agents: agentPoolOf(ctx),
    deadline,
    ...(authorize ? { authorize: (challenge, scope) => authorize(challenge, scope) } : {}),
    ...(registryHost ? { loginHint: `docker login ${registryHost}` } : {}),
    caHint: caAdvice(endpoint, options.caFlag),
    ...(endpoint.source === 'env' ? { unreachableHint: environmentServerAdvice(endpoint.url) } : {}),
  });
}

/**
 * What to do about an unreachable server that DOCKER_CONTENT_TRUST_SERVER names: the variable wins
 * over `config server` (the Config screen), so only changing it, or --server, picks another.
 */
function environmentServerAdvice(url: string): Hint {
  const source = `the server comes from DOCKER_CONTENT_TRUST_SERVER=${url}`;
  return {
    cli: `check that it runs; ${source}, which overrides \`trust-tui config server\`: change or unset it, or pass --server`,
    ui: `check that it runs; ${source}, which overrides the Config screen: change or unset it and start trust-tui again`,
  };
}
