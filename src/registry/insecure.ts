// docker's `insecure-registries` (the daemon's daemon.json): registries, by `host[:port]` or by
// CIDR, that may be reached with TLS whose certificate is not verified, or with plain HTTP when
// they do not speak TLS. docker's registry/config.go (newServiceConfig, isSecureIndex) and
// registry/service_v2.go (an https endpoint without verification, then an http one) are the model.
// Loopback registries are insecure by default, as docker's default 127.0.0.0/8 entry makes them.
import { readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { RegistryError } from './errors.js';
import { hostnameOf } from './hosts.js';

/** Points to a daemon.json other than /etc/docker/daemon.json (tests, rootless setups). */
export const DAEMON_CONFIG_ENV = 'TRUST_TUI_DOCKER_DAEMON_CONFIG';
export const DEFAULT_DAEMON_CONFIG = '/etc/docker/daemon.json';

export interface InsecureRegistries {
  /** `host[:port]` entries, matched exactly against the reference's registry part (as docker does). */
  hosts: Set<string>;
  cidrs: BlockList;
}

export function daemonConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return env[DAEMON_CONFIG_ENV] || DEFAULT_DAEMON_CONFIG;
}

/** The `insecure-registries` of the daemon config; none when the file does not exist. */
export async function loadInsecureRegistries(file: string): Promise<InsecureRegistries> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return parseInsecureRegistries([]);
    throw new RegistryError(`cannot read the docker daemon config ${file}: ${(e as Error).message}`, {
      hint: `make it readable, or point ${DAEMON_CONFIG_ENV} to another file`,
    });
  }
  let entries: unknown;
  try {
    entries = (JSON.parse(text) as Record<string, unknown> | null)?.['insecure-registries'] ?? [];
  } catch (e) {
    throw new RegistryError(`the docker daemon config ${file} is not JSON: ${(e as Error).message}`, {
      hint: 'fix the file (dockerd would refuse it too)',
    });
  }
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry === 'string')) {
    throw new RegistryError(`"insecure-registries" in ${file} is not a list of strings`, {
      hint: 'write it as ["host:port", "10.0.0.0/8"]',
    });
  }
  return parseInsecureRegistries(entries);
}

export function parseInsecureRegistries(entries: readonly string[]): InsecureRegistries {
  const result: InsecureRegistries = { hosts: new Set(), cidrs: new BlockList() };
  for (const raw of entries) {
    // dockerd accepts and drops a scheme (`http://host:5000`).
    const entry = raw.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    const family = cidr ? isIP(cidr[1] ?? '') : 0;
    if (cidr && family) result.cidrs.addSubnet(cidr[1] as string, Number(cidr[2]), family === 6 ? 'ipv6' : 'ipv4');
    else if (entry) result.hosts.add(entry.toLowerCase());
  }
  return result;
}

/**
 * True when `registryHost` (`host[:port]`) is listed by name, or is an IP address inside a listed
 * CIDR. (dockerd also resolves names to match them against CIDRs; trust-tui matches addresses only.)
 */
export function isInsecureRegistry(registryHost: string, insecure: InsecureRegistries): boolean {
  if (insecure.hosts.has(registryHost.toLowerCase())) return true;
  const host = hostnameOf(registryHost);
  const family = isIP(host);
  return family !== 0 && insecure.cidrs.check(host, family === 6 ? 'ipv6' : 'ipv4');
}
