// docker-daemon: against a real dockerd (test/helpers/dockerd.ts), fed with `docker load`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDaemonImage, LocalImageError, openLocalImage, parseLocalSource } from '../../src/registry/local/index.js';
import { startDockerd, type Dockerd } from '../helpers/dockerd.js';
import { makeImage, randomLayer, sha256, writeDockerSaveLegacy } from '../helpers/oci-layout.js';
import { makeScratchDir, runCommand, stopAllPeers } from '../helpers/proc.js';

let daemon: Dockerd;
let dir: string;
const image = makeImage({ layers: [randomLayer(3000), randomLayer(100)] });

beforeAll(async () => {
  daemon = await startDockerd();
  dir = await makeScratchDir('local-daemon');
  const archive = path.join(dir, 'app.tar');
  await writeDockerSaveLegacy(archive, [{ image, repoTags: ['registry.example.com/team/app:1.0'] }]);
  const load = await daemon.docker(['load', '-i', archive]);
  expect(load.stderr).toBe('');
  expect(load.stdout).toContain('Loaded image: registry.example.com/team/app:1.0');
});
afterAll(stopAllPeers);

describe('docker-daemon:', () => {
  it('exports the image and gives the manifest docker-archive builds, with blobs that stream and verify', async () => {
    const env = { DOCKER_HOST: daemon.host };
    const tmp = await makeScratchDir('local-daemon-tmp');
    const local = await openLocalImage(parseLocalSource('docker-daemon:registry.example.com/team/app:1.0'), { env, tmpDir: tmp });
    // docker keeps the config bytes (the image ID is their digest), so the manifest is the one the
    // test built over the same config and layers.
    expect(local.root.digest).toBe(image.digest);
    const layer = local.blobs.find((b) => b.digest === sha256(image.layers[0]!))!;
    const chunks: Buffer[] = [];
    for await (const c of layer.open()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(image.layers[0]!)).toBe(true);
    await local.close();
    // The same as what the docker CLI saves.
    const saved = path.join(dir, 'saved.tar');
    expect((await daemon.docker(['save', '-o', saved, 'registry.example.com/team/app:1.0'])).code).toBe(0);
    const fromFile = await openLocalImage(parseLocalSource(`docker-archive:${saved}`));
    expect(fromFile.root.digest).toBe(image.digest);
    await fromFile.close();
  });

  it('finds the daemon through the current docker context', async () => {
    const configDir = await makeScratchDir('local-daemon-config');
    const env = { DOCKER_CONFIG: configDir, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined };
    expect((await runCommand('docker', ['context', 'create', 'test-ctx', '--docker', `host=${daemon.host}`], { env })).code).toBe(0);
    expect((await runCommand('docker', ['context', 'use', 'test-ctx'], { env })).code).toBe(0);
    expect(JSON.parse(await readFile(path.join(configDir, 'config.json'), 'utf8')).currentContext).toBe('test-ctx');
    const processEnv = { PATH: process.env.PATH };
    expect(await findDaemonImage('registry.example.com/team/app:1.0', { env: processEnv, dockerConfigDir: configDir })).toBe(true);
    const local = await openLocalImage(parseLocalSource('docker-daemon:registry.example.com/team/app:1.0'), { env: { DOCKER_CONFIG: configDir } });
    expect(local.root.digest).toBe(image.digest);
    await local.close();
  });

  it('says whether the daemon has an image, and undefined when there is no daemon', async () => {
    const env = { DOCKER_HOST: daemon.host };
    expect(await findDaemonImage('registry.example.com/team/app:1.0', { env })).toBe(true);
    expect(await findDaemonImage('registry.example.com/team/app:2.0', { env })).toBe(false);
    const started = Date.now();
    expect(await findDaemonImage('app:1.0', { env: { DOCKER_HOST: `unix://${path.join(dir, 'none.sock')}` } })).toBeUndefined();
    // A port nothing listens on, and an address that never answers: both within about a second.
    expect(await findDaemonImage('app:1.0', { env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } })).toBeUndefined();
    expect(await findDaemonImage('app:1.0', { env: { DOCKER_HOST: 'tcp://10.255.255.1:2375' } })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names the image the daemon lacks, and the socket where no daemon is', async () => {
    const missing = await openLocalImage(parseLocalSource('docker-daemon:app:9'), { env: { DOCKER_HOST: daemon.host } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LocalImageError);
    expect((missing as Error).message).toBe(`docker-daemon:app:9: the docker daemon at ${daemon.host} has no image app:9`);
    const socket = path.join(dir, 'none.sock');
    const none = await openLocalImage(parseLocalSource('docker-daemon:app:1.0'), { env: { DOCKER_HOST: `unix://${socket}` } }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(LocalImageError);
    expect((none as LocalImageError).message).toBe(`no docker daemon at unix://${socket}: no such socket`);
    expect((none as LocalImageError).hint?.cli).toContain('docker save IMAGE -o FILE.tar` and use --from docker-archive:FILE.tar');
  });
});
