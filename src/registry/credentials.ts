// Registry credentials the way the docker CLI finds them: `$DOCKER_CONFIG/config.json`
// (`auths`, `credsStore`, `credHelpers`) and docker-credential-* helpers
// (docker/cli cli/config/credentials). They are looked up by the image's REGISTRY host, also when
// talking to a Notary server (docker/cli cli/trust/trust.go, GetNotaryRepository).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerConfigDir } from '../config/paths.js';
import { CredentialsError } from './errors.js';
import { DOCKER_HUB_CREDENTIALS_KEY, DOCKER_HUB_DOMAIN } from './hosts.js';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (config.json `identitytoken`, or a helper's `<token>` user). */
  identityToken?: string;
  /** A bearer token sent as is (config.json `registrytoken`). */
  registryToken?: string;
  /** Where they came from, for messages: `config.json` or `docker-credential-<name>`. */
  source: string;
}

export interface CredentialLookupOptions {
  /** Default: `$DOCKER_CONFIG`, else `~/.docker`. */
  dockerConfigDir?: string;
  /** Environment for the helper process (its PATH decides which helpers exist). */
  env?: NodeJS.ProcessEnv;
  helperTimeoutMs?: number;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** What docker-credential-* helpers print on a miss (docker-credential-helpers credentials.ErrCredentialsNotFound). */
const HELPER_NOT_FOUND = 'credentials not found in native keychain';
/** Helpers report identity tokens with this user name. */
const IDENTITY_TOKEN_USER = '<token>';
const DEFAULT_HELPER_TIMEOUT_MS = 60_000;

/** The key docker stores a registry's credentials under: Docker Hub has its historical URL. */
export function credentialsKeyFor(registryHost: string): string {
  return registryHost === DOCKER_HUB_DOMAIN ? DOCKER_HUB_CREDENTIALS_KEY : registryHost;
}

/**
 * Credentials for `registryHost` (as in ImageReference.registryHost), or undefined when docker has
 * none (anonymous access). Order as docker: `credHelpers[host]`, then `credsStore`, then `auths`.
 */
export async function loadRegistryCredentials(
  registryHost: string,
  options: CredentialLookupOptions = {},
): Promise<RegistryCredentials | undefined> {
  const configDir = options.dockerConfigDir ?? dockerConfigDir(options.env);
  const file = join(configDir, 'config.json');
  const config = await readDockerConfig(file);
  if (!config) return undefined;
  const key = credentialsKeyFor(registryHost);
  const helper = config.credHelpers?.[key] || config.credsStore;
  // With a helper configured, docker ignores secrets in `auths` (its native store overwrites them).
  if (!helper) return fileCredentials(config, key);
  const origin = config.credHelpers?.[key] ? `credHelpers["${key}"]` : 'credsStore';
  return runCredentialHelper(helper, key, { ...options, origin: `${origin} in ${file}` });
}

async function readDockerConfig(file: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialsError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as DockerConfigFile;
  } catch (e) {
    throw new CredentialsError(`cannot parse ${file}: ${(e as Error).message}`, { hint: 'fix the file or run docker login again' });
  }
}

/** `auths[key]`, or (as docker's file store) an entry whose URL has that host, e.g. `https://host/v1/`. */
function fileCredentials(config: DockerConfigFile, key: string): RegistryCredentials | undefined {
  const auths = config.auths ?? {};
  const entry = auths[key] ?? Object.entries(auths).find(([address]) => hostOfAddress(address) === key)?.[1];
  if (!entry) return undefined;
  const credentials: RegistryCredentials = { source: 'config.json' };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new CredentialsError(`the auth entry for ${key} in config.json is not user:password`, { hint: 'run docker login again' });
    credentials.username = decoded.slice(0, colon);
    credentials.password = decoded.slice(colon + 1);
  } else {
    if (entry.username) credentials.username = entry.username;
    if (entry.password) credentials.password = entry.password;
  }
  if (entry.identitytoken) credentials.identityToken = entry.identitytoken;
  if (entry.registrytoken) credentials.registryToken = entry.registrytoken;
  const empty = !credentials.username && !credentials.password && !credentials.identityToken && !credentials.registryToken;
  return empty ? undefined : credentials;
}

/** docker's ConvertToHostname: drop the scheme and everything after the host. */
function hostOfAddress(address: string): string {
  const withoutScheme = address.replace(/^https?:\/\//, '');
  return withoutScheme.split('/')[0] ?? withoutScheme;
}

/**
 * `docker-credential-<helper> get` with the server address on stdin. Undefined when the helper
 * has nothing for it (docker then goes on anonymously).
 */
export async function runCredentialHelper(
  helper: string,
  serverAddress: string,
  options: CredentialLookupOptions & { origin?: string } = {},
): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  // node:child_process is loaded only when a helper runs: most commands never start one.
  const { spawn } = await import('node:child_process');
  const { code, stdout, stderr } = await runProgram(spawn, program, serverAddress, options);
  const output = stdout.trim();
  if (code !== 0) {
    if (output === HELPER_NOT_FOUND || stderr.trim() === HELPER_NOT_FOUND) return undefined;
    throw new CredentialsError(`${program} get failed for ${serverAddress}: ${(output || stderr.trim() || `exit code ${code}`).split('\n')[0]}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(output) as typeof parsed;
  } catch {
    throw new CredentialsError(`${program} get printed something that is not JSON for ${serverAddress}`);
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (!username && !secret) return undefined;
  if (username === IDENTITY_TOKEN_USER) return { identityToken: secret, source: program };
  return { username, password: secret, source: program };
}

/** Runs a helper with `input` on stdin; a missing program becomes a clear CredentialsError. */
function runProgram(
  spawn: typeof import('node:child_process').spawn,
  name: string,
  input: string,
  opts: CredentialLookupOptions & { origin?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(name, ['get'], { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CredentialsError(`${name} get did not answer within ${(opts.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS) / 1000} s`));
    }, opts.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdin.on('error', () => undefined); // the helper may exit before reading
    child.stdin.end(input);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        const where = opts.origin ? ` (named by ${opts.origin})` : '';
        reject(new CredentialsError(`credential helper ${name} is not installed${where}: install it or remove the entry`));
      } else {
        reject(new CredentialsError(`cannot run ${name}: ${e.message}`));
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: out, stderr: err });
    });
  });
}
