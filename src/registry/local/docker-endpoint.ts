// Where the docker daemon listens, found as the docker CLI finds it (docker/cli
// cli/command/cli.go, cli/context/store): DOCKER_HOST (with DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH), else the current context (DOCKER_CONTEXT or config.json `currentContext`,
// whose meta.json gives Endpoints.docker.Host), else the default socket.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dockerConfigDir } from '../../config/paths.js';
import { LocalImageError } from './image.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DockerEndpoint {
  /** As configured, for messages: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  host: string;
  socketPath?: string;
  hostname?: string;
  port?: number;
  /** For tcp with TLS: PEM files. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean };
}

export interface EndpointOptions {
  env?: NodeJS.ProcessEnv;
  dockerConfigDir?: string;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function parseHost(host: string, tls: DockerEndpoint['tls']): DockerEndpoint {
  if (host.startsWith('unix://')) return { host, socketPath: host.slice('unix://'.length) };
  const tcp = /^(?:tcp|https?):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(host);
  if (tcp) return { host, hostname: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2] ?? (tls ? 2376 : 2375)), tls };
  throw new LocalImageError(`docker host "${host}" is not unix://PATH or tcp://HOST:PORT`, { hint: 'fix DOCKER_HOST or the docker context' });
}

function tlsFrom(dir: string, verify: boolean): NonNullable<DockerEndpoint['tls']> {
  return { ca: readIfPresent(path.join(dir, 'ca.pem')), cert: readIfPresent(path.join(dir, 'cert.pem')), key: readIfPresent(path.join(dir, 'key.pem')), verify };
}

export function dockerEndpoint(options: EndpointOptions = {}): DockerEndpoint {
  const env = options.env ?? process.env;
  const configDir = options.dockerConfigDir ?? dockerConfigDir(env);
  if (env.DOCKER_HOST) {
    const verify = Boolean(env.DOCKER_TLS_VERIFY);
    const tls = verify || env.DOCKER_CERT_PATH ? tlsFrom(env.DOCKER_CERT_PATH || configDir, verify) : undefined;
    return parseHost(env.DOCKER_HOST, tls);
  }
  let context = env.DOCKER_CONTEXT;
  if (!context) {
    try {
      context = (JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      context = undefined;
    }
  }
  if (!context || context === 'default') return parseHost(DEFAULT_DOCKER_HOST, undefined);
  const id = createHash('sha256').update(context).digest('hex');
  const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
  let endpoint: { Host?: string; SkipTLSVerify?: boolean } | undefined;
  try {
    endpoint = (JSON.parse(readFileSync(metaFile, 'utf8')) as { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } }).Endpoints?.docker;
  } catch (e) {
    throw new LocalImageError(`docker context "${context}" cannot be read (${metaFile}): ${(e as Error).message}`, {
      hint: 'run `docker context ls`, or set DOCKER_HOST',
    });
  }
  if (!endpoint?.Host) throw new LocalImageError(`docker context "${context}" has no docker endpoint (${metaFile})`, { hint: 'run `docker context ls`, or set DOCKER_HOST' });
  const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const tls = readIfPresent(path.join(tlsDir, 'ca.pem')) || readIfPresent(path.join(tlsDir, 'cert.pem')) ? tlsFrom(tlsDir, !endpoint.SkipTLSVerify) : undefined;
  return parseHost(endpoint.Host, tls);
}
