/**
 * docker's `insecure-registries`, read from the daemon config that TRUST_TUI_DOCKER_DAEMON_CONFIG
 * points to: a registry reached by a non-loopback address gets unverified TLS, or plain HTTP, only
 * when listed (by host:port or CIDR). The registries run on 127.0.0.1; a TCP forwarder on this
 * machine's own non-loopback address makes them non-loopback for the client.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { isInsecureRegistry, parseInsecureRegistries } from '../../src/registry/insecure.js';
import { pushImage } from '../../src/registry/push.js';
import { parseReference, requireTag } from '../../src/registry/reference.js';
import { buildLocalImage, type BuiltImage } from '../helpers/local-image.js';
import { makeScratchDir, startRegistry, stopAllPeers } from '../helpers/peers.js';

const servers: net.Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  await stopAllPeers();
});

function ownAddress(): string {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('this test needs a non-loopback IPv4 address on the machine');
  return address;
}

/** Listens on `address` and passes every connection to 127.0.0.1:`port`; returns `address:port`. */
async function forward(address: string, port: number): Promise<string> {
  const server = net.createServer((socket) => {
    const upstream = net.connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return `${address}:${(server.address() as net.AddressInfo).port}`;
}

let scratch: string;
let image: BuiltImage;
let tlsHost: string;
let plainHost: string;
let ip: string;

beforeAll(async () => {
  ip = ownAddress();
  const tlsRegistry = await startRegistry({ tls: true });
  const plainRegistry = await startRegistry();
  tlsHost = await forward(ip, tlsRegistry.port);
  plainHost = await forward(ip, plainRegistry.port);
  scratch = await makeScratchDir('insecure');
  image = await buildLocalImage(path.join(scratch, 'image'), [Buffer.from('insecure layer')]);
});

async function push(host: string, daemonJson: string | undefined, name: string) {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  const daemonConfig = path.join(dir, 'daemon.json');
  if (daemonJson !== undefined) await writeFile(daemonConfig, daemonJson);
  const client = new RegistryClient({
    credentials: async () => undefined,
    env: { ...process.env, DOCKER_CONFIG: dir, TRUST_TUI_DOCKER_DAEMON_CONFIG: daemonConfig },
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
  });
  return pushImage(client, requireTag(parseReference(`${host}/team/app:1`)), image, { cacheDir: path.join(dir, 'cache') });
}

describe('insecure-registries', () => {
  it('refuses an unverifiable certificate, and plain HTTP, for a registry that is not listed', async () => {
    await expect(push(tlsHost, undefined, 'none-tls')).rejects.toThrow(`TLS failure talking to registry ${tlsHost}`);
    const plain = await push(plainHost, JSON.stringify({ 'insecure-registries': ['other:5000'] }), 'none-plain').catch((e: Error & { hint?: unknown }) => e);
    expect((plain as Error).message).toBe(`registry ${plainHost} does not speak TLS at https://${plainHost}/v2/`);
    expect(JSON.stringify((plain as { hint?: unknown }).hint)).toContain('insecure-registries');
  });

  it('uses TLS without verification for a registry listed by host:port', async () => {
    const result = await push(tlsHost, JSON.stringify({ 'insecure-registries': [tlsHost] }), 'listed-tls');
    expect(result.digest).toBe(image.root.digest);
  });

  it('falls back to plain HTTP for a registry inside a listed CIDR', async () => {
    const result = await push(plainHost, JSON.stringify({ 'insecure-registries': [`${ip}/32`] }), 'listed-plain');
    expect(result.digest).toBe(image.root.digest);
  });

  it('names the daemon config when it is not JSON', async () => {
    await expect(push(tlsHost, '{ "insecure-registries": [', 'broken')).rejects.toThrow(/^the docker daemon config \S+daemon\.json is not JSON/);
  });
});

describe('isInsecureRegistry', () => {
  it('matches names exactly (port included) and addresses by CIDR, as dockerd does', () => {
    const list = parseInsecureRegistries(['registry.lan:5000', 'http://build.lan', '10.0.0.0/8', 'fd00::/8']);
    expect(isInsecureRegistry('registry.lan:5000', list)).toBe(true);
    expect(isInsecureRegistry('registry.lan', list)).toBe(false);
    expect(isInsecureRegistry('build.lan', list)).toBe(true);
    expect(isInsecureRegistry('10.1.2.3:443', list)).toBe(true);
    expect(isInsecureRegistry('11.1.2.3', list)).toBe(false);
    expect(isInsecureRegistry('[fd00::5]:5000', list)).toBe(true);
  });
});
