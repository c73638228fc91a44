// From what the user typed (`registry.example.com/team/app:v2`) to a Notary client for the right
// server: reference normalised as docker does, server chosen (flag > env > config > docker default),
// TLS material from the flag, the config entry and docker's tls directory, registry credentials for
// the server's token challenge.
import { dockerConfigDir } from '../config/paths.js';
import { resolveTrustEndpoint, type TrustEndpoint } from '../notary/endpoint.js';
import { NotaryClient } from '../notary/http-client.js';
import { createAuthorizer } from '../registry/auth.js';
import { loadRegistryCredentials } from '../registry/credentials.js';
import { createHttpFetch } from '../registry/http.js';
import { parseReference, type ImageReference } from '../registry/reference.js';
import type { TrustContext } from './context.js';

/** How to reach the trust server, from command-line flags. */
export interface ServerOptions {
  /** `--server URL` */
  server?: string;
  /** `--tlscacert FILE` */
  tlsCaCert?: string;
  /** Accept http:// for loopback servers (demo, tests). */
  allowInsecureLoopback?: boolean;
}

export interface Connection {
  reference: ImageReference;
  gun: string;
  endpoint: TrustEndpoint;
  client: NotaryClient;
}

export async function connect(ctx: TrustContext, input: string | ImageReference, options: ServerOptions = {}): Promise<Connection> {
  const reference = typeof input === 'string' ? parseReference(input) : input;
  const env = ctx.env as NodeJS.ProcessEnv;
  const configDir = dockerConfigDir(env);
  const endpoint = await resolveTrustEndpoint(reference, {
    server: options.server,
    tlsCaCert: options.tlsCaCert,
    servers: ctx.settings.data.servers,
    env,
    dockerConfigDir: configDir,
    allowInsecureLoopback: options.allowInsecureLoopback ?? env.TRUST_TUI_ALLOW_HTTP_LOOPBACK === '1',
  });
  for (const warning of endpoint.warnings) ctx.warn(warning);
  ctx.debug(`trust server for ${reference.gun}: ${endpoint.url} (${endpoint.source})`);

  // A CA given for this server (flag, config entry, docker's tls directory) is its trust anchor, as
  // notary's --tlscacert is. (docker adds it to the system pool instead; parsing the ~140 system
  // roots for every command costs ~90 ms, and a private server's certificate never chains to them.)
  const tls = {
    ...(endpoint.caPem.length > 0 ? { ca: endpoint.caPem } : {}),
    ...(endpoint.clientCert && endpoint.clientKey ? { cert: endpoint.clientCert, key: endpoint.clientKey } : {}),
  };
  // The server asks for the registry's credentials (docker looks them up by the image's registry).
  const authorize = createAuthorizer({
    credentials: () => loadRegistryCredentials(reference.registryHost, { dockerConfigDir: configDir, env }),
    fetch: createHttpFetch({
      tls: { caPem: endpoint.caPem, clientCert: endpoint.clientCert, clientKey: endpoint.clientKey },
    }),
  });
  const host = new URL(endpoint.url).host;
  const client = new NotaryClient({
    baseUrl: endpoint.url,
    tls,
    authorize: (challenge, scope) => authorize(challenge, scope),
    loginHint: `docker login ${reference.registryHost}`,
    caHint: `${configDir}/tls/${host}/ca.crt`,
  });
  return { reference, gun: reference.gun, endpoint, client };
}
