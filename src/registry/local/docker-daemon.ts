// The docker daemon's image store, through the Engine API (docker/docs engine API: `GET /_ping`,
// `GET /images/{name}/json`, `GET /images/{name}/get`): the image is exported to a scratch file in
// `docker save` form and read like a docker-archive. Never required: without a daemon, an error
// says how to use a `docker save` archive instead.
import { createWriteStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openArchive } from './archive.js';
import { readDockerArchive } from './docker-archive.js';
import { dockerEndpoint, type DockerEndpoint, type EndpointOptions } from './docker-endpoint.js';
import type { SourceFiles } from './files.js';
import { LocalImageError } from './image.js';
import type { ManifestTree } from './oci-layout.js';
import type { Scratch } from './scratch.js';

/** How long to wait for a daemon to answer a ping: it is a local socket, or should be near. */
const PING_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

function request(endpoint: DockerEndpoint, urlPath: string, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = {
      method: 'GET',
      path: urlPath,
      headers: { host: 'docker', 'user-agent': 'trust-tui' },
      ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : { hostname: endpoint.hostname, port: endpoint.port }),
    };
    const req = endpoint.tls
      ? https.request({ ...options, ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key, rejectUnauthorized: endpoint.tls.verify })
      : httpRequest(options);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('response', (res) => {
      req.setTimeout(0);
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

async function body(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) if (text.length < 4096) text += chunk;
  return text;
}

/** The daemon's error text (`{"message": …}`) or the status. */
async function daemonMessage(res: IncomingMessage): Promise<string> {
  const text = await body(res);
  try {
    return (JSON.parse(text) as { message?: string }).message ?? `HTTP ${res.statusCode}`;
  } catch {
    return `HTTP ${res.statusCode}${text ? `: ${text.trim().slice(0, 200)}` : ''}`;
  }
}

function imagePath(image: string, suffix: string): string {
  // The Engine API takes the name as it is in the path (`/images/registry:5000/app:1.0/json`).
  return `/images/${image.split('/').map(encodeURIComponent).join('/')}/${suffix}`;
}

async function ping(endpoint: DockerEndpoint): Promise<void> {
  const res = await request(endpoint, '/_ping', PING_TIMEOUT_MS);
  const text = await body(res);
  if (res.statusCode !== 200) throw new Error(`it answered /_ping with HTTP ${res.statusCode} ${text.slice(0, 100)}`);
}

function unreachable(endpoint: DockerEndpoint, e: unknown): LocalImageError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such socket' : err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'EACCES' ? 'permission denied' : err.message;
  return new LocalImageError(`no docker daemon at ${endpoint.host}: ${why}`, {
    hint: 'without a daemon, export the image with `docker save IMAGE -o FILE.tar` and use --from docker-archive:FILE.tar (or build to an OCI layout and use oci:DIR)',
  });
}

/**
 * Whether the daemon has `image`: true or false when a daemon answered, undefined when none is
 * reachable (within about a second), so callers can fall back quietly.
 */
export async function findDaemonImage(image: string, options: EndpointOptions = {}): Promise<boolean | undefined> {
  let endpoint: DockerEndpoint;
  try {
    endpoint = dockerEndpoint(options);
    await ping(endpoint);
  } catch {
    return undefined;
  }
  const res = await request(endpoint, imagePath(image, 'json'), REQUEST_TIMEOUT_MS).catch((e) => {
    throw unreachable(endpoint, e);
  });
  if (res.statusCode === 200) {
    res.resume();
    return true;
  }
  if (res.statusCode === 404) {
    res.resume();
    return false;
  }
  throw new LocalImageError(`docker daemon at ${endpoint.host} could not look up ${image}: ${await daemonMessage(res)}`);
}

/** Exports `image` from the daemon into the scratch directory and reads it as a docker-archive. */
export async function readDaemonImage(image: string, origin: string, options: EndpointOptions, scratch: () => Promise<Scratch>): Promise<{ tree: ManifestTree; files: SourceFiles }> {
  const endpoint = dockerEndpoint(options);
  try {
    await ping(endpoint);
  } catch (e) {
    throw unreachable(endpoint, e);
  }
  const inspect = await request(endpoint, imagePath(image, 'json'), REQUEST_TIMEOUT_MS).catch((e) => {
    throw unreachable(endpoint, e);
  });
  if (inspect.statusCode === 404) {
    inspect.resume();
    throw new LocalImageError(`${origin}: the docker daemon at ${endpoint.host} has no image ${image}`, { hint: 'run `docker images` to see what it has' });
  }
  if (inspect.statusCode !== 200) throw new LocalImageError(`${origin}: docker daemon at ${endpoint.host}: ${await daemonMessage(inspect)}`);
  inspect.resume();
  const exported = path.join((await scratch()).dir, 'export.tar');
  const res = await request(endpoint, imagePath(image, 'get'), REQUEST_TIMEOUT_MS).catch((e) => {
    throw unreachable(endpoint, e);
  });
  if (res.statusCode !== 200) throw new LocalImageError(`${origin}: the docker daemon at ${endpoint.host} did not export ${image}: ${await daemonMessage(res)}`);
  try {
    await pipeline(res, createWriteStream(exported, { mode: 0o600 }));
  } catch (e) {
    throw new LocalImageError(`${origin}: the export of ${image} from ${endpoint.host} broke off: ${(e as Error).message}`);
  }
  const archive = await openArchive(exported, origin, scratch);
  return { tree: await readDockerArchive(archive, undefined, origin), files: archive.files };
}
