// `docker save` archives, both forms, built by test/helpers/oci-layout.ts.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalImageError, openLocalImage, parseLocalSource } from '../../src/registry/local/index.js';
import { layoutItems, makeImage, makeIndex, randomLayer, sha256, tar, writeDockerSave25, writeDockerSaveLegacy, writeOciArchive } from '../helpers/oci-layout.js';
import { makeScratchDirSync, removeScratchDir } from '../helpers/proc.js';

const dir = makeScratchDirSync('local-docker-archive');
afterAll(() => removeScratchDir(dir));
let n = 0;
const scratch = (name: string) => path.join(dir, `${n++}-${name}`);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const open = (input: string) => openLocalImage(parseLocalSource(input));

async function openError(input: string): Promise<LocalImageError> {
  const e = await open(input).then(
    (image) => image.close().then(() => new Error(`${input} opened`)),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LocalImageError);
  expect((e as Error).message).not.toContain('\n');
  return e as LocalImageError;
}

describe('docker-archive: legacy docker save (manifest.json + layer.tar)', () => {
  it('builds an OCI manifest over the config and the uncompressed layers, with the same digest on every run', async () => {
    const shared = randomLayer(500);
    const img = makeImage({ layers: [shared, randomLayer(), shared] });
    const file = scratch('app.tar');
    await writeDockerSaveLegacy(file, [{ image: img, repoTags: ['app:1.0'] }], { linkRepeatedLayers: true });
    const first = await open(`docker-archive:${file}`);
    const manifest = JSON.parse(Buffer.from(first.root.bytes).toString());
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(img.config), size: img.config.length },
      layers: img.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length })),
    });
    // The helper's OCI manifest has the same fields in the same order: the same bytes.
    expect(first.root.digest).toBe(img.digest);
    expect(first.blobs.map((b) => b.digest)).toEqual([sha256(img.config), sha256(shared), sha256(img.layers[1]!)]);
    const linked = first.blobs.find((b) => b.digest === sha256(shared))!;
    expect((await readAll(linked.open())).equals(shared)).toBe(true);
    await first.close();
    const second = await open(`docker-archive:${file}:app:1.0`);
    expect(second.root.digest).toBe(first.root.digest);
    await second.close();
  });

  it('picks one of several images by name, and lists them when none is given', async () => {
    const [a, b] = [makeImage(), makeImage()];
    const file = scratch('two.tar');
    await writeDockerSaveLegacy(file, [
      { image: a, repoTags: ['app:1.0'] },
      { image: b, repoTags: ['registry.example.com/team/app:2.0', 'app:latest'] },
    ]);
    for (const name of ['registry.example.com/team/app:2.0', 'app', 'docker.io/library/app:latest']) {
      const image = await open(`docker-archive:${file}:${name}`);
      expect(image.root.digest).toBe(b.digest);
      await image.close();
    }
    expect((await openError(`docker-archive:${file}`)).message).toBe(
      `docker-archive:${file} holds 2 images (app:1.0, registry.example.com/team/app:2.0 app:latest); say which one`,
    );
    expect((await openError(`docker-archive:${file}:app:3.0`)).message).toContain('no image app:3.0 in the archive');
  });

  it('fails the stream of a layer whose bytes do not match its diff_id', async () => {
    const img = makeImage({ layers: [randomLayer(4000)] });
    const file = scratch('corrupt.tar');
    await writeDockerSaveLegacy(file, [{ image: img, repoTags: ['app:1.0'] }]);
    const bytes = await readFile(file);
    const at = bytes.indexOf(img.layers[0]!.subarray(600, 700));
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(file, bytes);
    const image = await open(`docker-archive:${file}`);
    const e = await readAll(image.blobs.find((b) => b.digest === sha256(img.layers[0]!))!.open()).catch((err: unknown) => err);
    expect((e as Error).message).toMatch(new RegExp(`^blob ${sha256(img.layers[0]!)} in docker-archive:${file} does not match its digest`));
    await image.close();
  });

  it('reads a gzip-compressed save, and tells an OCI archive from a docker one', async () => {
    const img = makeImage();
    const file = scratch('app.tar.gz');
    await writeDockerSaveLegacy(file, [{ image: img, repoTags: ['app:1.0'] }], { gzip: true });
    const image = await open(`docker-archive:${file}`);
    expect(image.root.digest).toBe(img.digest);
    await image.close();
    const oci = scratch('oci.tar');
    await writeOciArchive(oci, [{ item: img }]);
    const e = await openError(`docker-archive:${oci}`);
    expect(e.message).toBe(`docker-archive:${oci} is not a docker save archive: it has no manifest.json`);
    expect(e.hint?.cli).toBe(`it is an OCI archive: use oci-archive:${oci}`);
  });
});

describe('docker-archive: docker 25+ save (with an OCI layout inside)', () => {
  it("keeps the archive's own manifest, picked by name", async () => {
    // Annotations that a conversion from manifest.json could not know: only the stored bytes give this digest.
    const [a, b] = [makeImage(), makeImage({ annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' } })];
    const file = scratch('new.tar');
    await writeDockerSave25(file, [
      { image: a, repoTags: ['app:1.0'] },
      { image: b, repoTags: ['other:2.0'] },
    ]);
    const image = await open(`docker-archive:${file}:other:2.0`);
    expect(image.root.digest).toBe(b.digest);
    expect(Buffer.from(image.root.bytes).equals(b.manifest)).toBe(true);
    await image.close();
  });

  it('finds an untagged image by its config', async () => {
    const img = makeImage({ annotations: { built: 'by a test' } });
    const file = scratch('untagged.tar');
    await writeDockerSave25(file, [{ image: img, repoTags: [] }]);
    const image = await open(`docker-archive:${file}`);
    expect(image.root.digest).toBe(img.digest);
    await image.close();
  });

  it('keeps a multi-platform index that the name points at', async () => {
    const [amd, arm] = [makeImage(), makeImage({ platform: { os: 'linux', architecture: 'arm64' } })];
    const index = makeIndex([amd, arm]);
    const file = scratch('multi.tar');
    const items = layoutItems([{ item: index, ref: '1.0', annotations: { 'io.containerd.image.name': 'docker.io/library/app:1.0' } }]);
    const manifest = [{ Config: `blobs/sha256/${sha256(amd.config).slice(7)}`, RepoTags: ['app:1.0'], Layers: amd.layers.map((l) => `blobs/sha256/${sha256(l).slice(7)}`) }];
    await writeFile(file, tar([...items, { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }]));
    const image = await open(`docker-archive:${file}`);
    expect(image.root.digest).toBe(index.digest);
    expect(image.children.map((c) => c.digest)).toEqual([amd.digest, arm.digest]);
    await image.close();
  });
});
