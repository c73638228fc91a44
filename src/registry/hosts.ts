// Host names that need special treatment: Docker Hub's aliases and loopback addresses.
import { isIP } from 'node:net';

/** Registry part of every Docker Hub reference after normalisation (distribution/reference). */
export const DOCKER_HUB_DOMAIN = 'docker.io';
/** Old name of Docker Hub that references may still use; normalised to docker.io. */
export const LEGACY_DOCKER_HUB_DOMAIN = 'index.docker.io';
/** Where Docker Hub's distribution API actually lives. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** The key docker uses for Docker Hub in config.json `auths` and with credential helpers. */
export const DOCKER_HUB_CREDENTIALS_KEY = 'https://index.docker.io/v1/';

/** `host[:port]` -> host name without port or IPv6 brackets. */
export function hostnameOf(hostAndPort: string): string {
  if (hostAndPort.startsWith('[')) {
    const end = hostAndPort.indexOf(']');
    return end === -1 ? hostAndPort : hostAndPort.slice(1, end);
  }
  const colon = hostAndPort.lastIndexOf(':');
  // More than one colon without brackets is a bare IPv6 address, not host:port.
  if (colon !== -1 && hostAndPort.indexOf(':') === colon) return hostAndPort.slice(0, colon);
  return hostAndPort;
}

/**
 * localhost, 127.0.0.0/8 and ::1 — the hosts docker treats as insecure registries by default and
 * the only ones where trust-tui accepts plain HTTP.
 */
export function isLoopbackHost(hostAndPort: string): boolean {
  const host = hostnameOf(hostAndPort).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
