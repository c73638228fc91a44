/**
 * pushImage against docker-registry 2.8 with registry token auth: a cross-repository mount asks for
 * `pull,push` on the target and `pull` on the source in one token request, as docker does; a user
 * who may not read the source gets the blob uploaded instead.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { pushImage } from '../../src/registry/push.js';
import { parseReference, requireTag } from '../../src/registry/reference.js';
import { buildLocalImage, randomish, type BuiltImage } from '../helpers/local-image.js';
import { makePki, makeScratchDir, startRegistry, stopAllPeers, type Registry } from '../helpers/peers.js';
import { makeTokenKeys, startTokenIssuer, type TokenIssuer } from '../helpers/token-issuer.js';

const SERVICE = 'trust-tui.test';
const ISSUER = 'test-token-issuer';

let dir: string;
let issuer: TokenIssuer;
let registry: Registry;
let image: BuiltImage;
let caPem: string;

afterAll(async () => {
  await issuer?.stop();
  await stopAllPeers();
});

beforeAll(async () => {
  dir = await makeScratchDir('push-token');
  const pki = await makePki(path.join(dir, 'pki'));
  caPem = readFileSync(pki.caCert, 'utf8');
  const keys = await makeTokenKeys(dir);
  issuer = await startTokenIssuer({
    keys,
    header: 'x5c',
    issuer: ISSUER,
    service: SERVICE,
    users: {
      alice: { password: 'alice-pass', grants: { 'team/base': ['pull', 'push'], 'team/app': ['pull', 'push'] } },
      bob: { password: 'bob-pass', grants: { 'bob/app': ['pull', 'push'] } },
    },
    tlsCert: pki.serverCert,
    tlsKey: pki.serverKey,
  });
  registry = await startRegistry({ token: { realm: issuer.realm, service: SERVICE, issuer: ISSUER, rootCertBundle: keys.bundleFile } });
  image = await buildLocalImage(path.join(dir, 'image'), [randomish(40_000, 9)], 'token');
});

async function clientFor(user: string, password: string): Promise<RegistryClient> {
  const config = path.join(dir, `docker-${user}`);
  await mkdir(config, { recursive: true });
  await writeFile(path.join(config, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }));
  return new RegistryClient({ loopbackScheme: 'http', env: { ...process.env, DOCKER_CONFIG: config }, tls: { caPem: [caPem] } });
}

it('mounts with one token for push on the target and pull on the source; without pull on the source it uploads', async () => {
  const cacheDir = path.join(dir, 'cache');
  const alice = await clientFor('alice', 'alice-pass');
  await pushImage(alice, requireTag(parseReference(`${registry.host}/team/base:1`)), image, { cacheDir });
  const before = issuer.requests.length;
  const mounted = await pushImage(alice, requireTag(parseReference(`${registry.host}/team/app:1`)), image, { cacheDir });
  expect(mounted.blobs).toEqual({ uploaded: 0, existing: 0, mounted: 2, bytesSent: 0 });
  const asked = issuer.requests.slice(before).map((r) => r.scopes);
  expect(asked).toContainEqual(['repository:team/app:pull,push', 'repository:team/base:pull']);

  // bob may not read team/base: the registry refuses the mount, and the blobs are sent.
  const bob = await clientFor('bob', 'bob-pass');
  const uploaded = await pushImage(bob, requireTag(parseReference(`${registry.host}/bob/app:1`)), image, { cacheDir });
  expect(uploaded.blobs).toMatchObject({ uploaded: 2, mounted: 0 });
  expect((await bob.fetchManifest(requireTag(parseReference(`${registry.host}/bob/app:1`)), '1'))?.digest).toBe(image.root.digest);
});
