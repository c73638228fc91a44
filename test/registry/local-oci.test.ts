// OCI image layouts and OCI archives, built by test/helpers/oci-layout.ts, opened as a push would.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { hintOf } from '../../src/tuf/errors.js';
import { LocalImageError, openLocalImage, parseLocalSource, type LocalImage } from '../../src/registry/local/index.js';
import { layoutItems, makeImage, makeIndex, sha256, writeItems, writeOciArchive, writeOciLayout, OCI_INDEX } from '../helpers/oci-layout.js';
import { makeScratchDirSync, removeScratchDir } from '../helpers/proc.js';

const dir = makeScratchDirSync('local-oci');
afterAll(() => removeScratchDir(dir));
let n = 0;
const scratch = (name: string) => path.join(dir, `${n++}-${name}`);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const open = (input: string, tmpDir?: string) => openLocalImage(parseLocalSource(input), { tmpDir });

async function openError(input: string): Promise<LocalImageError> {
  const e = await open(input).then(
    (image) => image.close().then(() => new Error(`${input} opened`)),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LocalImageError);
  expect((e as Error).message).not.toContain('\n');
  return e as LocalImageError;
}

/** Every blob streamed whole, by digest. */
async function blobBytes(image: LocalImage): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(image.blobs.map(async (b) => [b.digest, await readAll(b.open())] as const)));
}

describe('oci: layout directories', () => {
  it('gives the manifest as written and streams each blob once', async () => {
    const layer = Buffer.from('shared layer');
    const img = makeImage({ layers: [layer, Buffer.from('other'), layer] });
    const layout = scratch('one');
    await writeOciLayout(layout, [{ item: img, ref: '1.0' }]);
    const image = await open(`oci:${layout}`);
    expect(image.root).toMatchObject({ digest: img.digest, size: img.manifest.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(Buffer.from(image.root.bytes).equals(img.manifest)).toBe(true);
    expect(image.children).toEqual([]);
    const bytes = await blobBytes(image);
    expect([...bytes.keys()].sort()).toEqual([sha256(img.config), sha256(layer), sha256(Buffer.from('other'))].sort());
    expect(bytes.get(sha256(layer))?.toString()).toBe('shared layer');
    expect((await readAll(image.blobs.find((b) => b.digest === sha256(layer))!.open(7))).toString()).toBe('layer');
    await image.close();
    await image.close();
  });

  it('picks an image by its ref name, and lists the names when none or a wrong one is given', async () => {
    const [a, b] = [makeImage(), makeImage()];
    const layout = scratch('two-refs');
    await writeOciLayout(layout, [
      { item: a, ref: 'v1' },
      { item: b, ref: 'v2' },
    ]);
    const v2 = await open(`oci:${layout}:v2`);
    expect(v2.root.digest).toBe(b.digest);
    await v2.close();
    const none = await openError(`oci:${layout}`);
    expect(none.message).toBe(`oci:${layout}: index.json lists 2 images (v1, v2); say which one`);
    expect(none.hint?.cli).toBe(`add the name after a colon: oci:${layout}:NAME`);
    expect((await openError(`oci:${layout}:v3`)).message).toBe(`oci:${layout}:v3: no image named "v3" in index.json (it has: v1, v2)`);
  });

  it('gives a multi-platform index as root and its manifests as children', async () => {
    const [amd, arm] = [makeImage(), makeImage({ platform: { os: 'linux', architecture: 'arm64' } })];
    const index = makeIndex([amd, arm]);
    const layout = scratch('multi');
    await writeOciLayout(layout, [{ item: index, ref: 'latest' }]);
    const image = await open(`oci:${layout}:latest`);
    expect(image.root).toMatchObject({ digest: index.digest, mediaType: OCI_INDEX });
    expect(image.children.map((c) => c.digest)).toEqual([amd.digest, arm.digest]);
    expect(image.blobs).toHaveLength(6);
    await image.close();
  });

  it('names a missing blob and its file, also of one platform of an index', async () => {
    const [amd, arm] = [makeImage(), makeImage({ platform: { os: 'linux', architecture: 'arm64' } })];
    const layout = scratch('missing');
    const items = layoutItems([{ item: makeIndex([amd, arm]) }]).filter((i) => i.name !== `blobs/sha256/${sha256(arm.layers[1]!).slice(7)}`);
    await writeItems(layout, items);
    const e = await openError(`oci:${layout}`);
    expect(e.message).toContain(`blob ${sha256(arm.layers[1]!)} is missing (${path.join(layout, 'blobs', 'sha256', sha256(arm.layers[1]!).slice(7))})`);
    expect(e.message).toContain('(linux/arm64)');
  });

  it('refuses a manifest whose bytes do not match the digest index.json gives', async () => {
    const img = makeImage();
    const layout = scratch('bad-manifest');
    await writeOciLayout(layout, [{ item: img }]);
    const file = path.join(layout, 'blobs', 'sha256', img.digest.slice(7));
    const bytes = await readFile(file);
    bytes[bytes.length - 2] = 0x20;
    await writeFile(file, bytes);
    expect((await openError(`oci:${layout}`)).message).toBe(`manifest ${img.digest} in oci:${layout} does not match its digest (${file})`);
  });

  it('fails the stream of a corrupt blob, and a blob of the wrong size at open', async () => {
    const img = makeImage();
    const layout = scratch('corrupt');
    await writeOciLayout(layout, [{ item: img }]);
    const layerFile = path.join(layout, 'blobs', 'sha256', sha256(img.layers[0]!).slice(7));
    const bytes = await readFile(layerFile);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(layerFile, bytes);
    const image = await open(`oci:${layout}`);
    const layer = image.blobs.find((b) => b.digest === sha256(img.layers[0]!))!;
    const e = await readAll(layer.open()).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(LocalImageError);
    expect((e as Error).message).toMatch(new RegExp(`^blob ${layer.digest} in oci:${layout} does not match its digest \\(its bytes hash to sha256:`));
    await image.close();
    await truncate(layerFile, 10);
    expect((await openError(`oci:${layout}`)).message).toBe(`oci:${layout}: blob ${layer.digest} is 10 bytes, ${layer.size} expected (${layerFile})`);
  });

  it('says what is wrong with a directory that is no layout', async () => {
    const empty = scratch('empty');
    await mkdir(empty);
    expect((await openError(`oci:${empty}`)).message).toBe(`oci:${empty} is not an OCI image layout: there is no ${path.join(empty, 'oci-layout')}`);
    expect((await openError(`oci:${path.join(dir, 'nowhere')}`)).message).toContain('there is no directory');
  });
});

describe('oci-archive:', () => {
  it('streams blobs as ranges of the archive, the same bytes as the layout', async () => {
    const img = makeImage();
    const file = scratch('app.tar');
    await writeOciArchive(file, [{ item: img, ref: 'v1' }]);
    const image = await open(`oci-archive:${file}:v1`);
    expect(image.root.digest).toBe(img.digest);
    const bytes = await blobBytes(image);
    expect(bytes.get(sha256(img.layers[1]!))?.equals(img.layers[1]!)).toBe(true);
    expect(bytes.get(sha256(img.config))?.equals(img.config)).toBe(true);
    await image.close();
  });

  it('decompresses a gzip archive into a private scratch file that close() removes', async () => {
    const img = makeImage();
    const file = scratch('app.tar.gz');
    await writeOciArchive(file, [{ item: img }], { gzip: true });
    const tmp = scratch('tmp');
    await mkdir(tmp);
    const image = await open(`oci-archive:${file}`, tmp);
    const [made] = readdirSync(tmp);
    expect(statSync(path.join(tmp, made!)).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(tmp, made!, 'archive.tar')).mode & 0o777).toBe(0o600);
    expect((await blobBytes(image)).get(sha256(img.layers[0]!))?.equals(img.layers[0]!)).toBe(true);
    await image.close();
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('reads archives that GNU tar writes, with long names, in gnu, pax and ustar formats', async () => {
    const img = makeImage();
    for (const format of ['gnu', 'pax', 'ustar']) {
      const src = scratch(`src-${format}`);
      await writeOciLayout(path.join(src, 'a-directory-name-long-enough-to-need-more-than-one-hundred-bytes-in-a-tar-header-name-field'), [{ item: img }]);
      const file = scratch(`${format}.tar`);
      execFileSync('tar', ['-C', src, `--format=${format}`, '-cf', file, '.']);
      // An archive of an archive's directory is not a layout at its top; wrap it the way skopeo does.
      const inner = scratch(`${format}-inner.tar`);
      execFileSync('tar', ['-C', path.join(src, readdirSync(src)[0]!), `--format=${format}`, '-cf', inner, '.']);
      const image = await open(`oci-archive:${inner}`);
      expect(image.root.digest).toBe(img.digest);
      await image.close();
      expect((await openError(`oci-archive:${file}`)).message).toContain('is not an OCI image layout');
    }
  });

  it('refuses a truncated or damaged archive in one line, at any cut', async () => {
    const img = makeImage({ layers: [Buffer.alloc(3000, 7)] });
    const file = scratch('whole.tar');
    await writeOciArchive(file, [{ item: img }]);
    const whole = await readFile(file);
    const cut = scratch('cut.tar');
    // Cuts all through the archive (before its end-of-archive blocks), at odd offsets: each one a
    // one-line error, never a hang or a half-read image.
    for (let at = 0; at < whole.length - 1024; at += 509) {
      await writeFile(cut, whole.subarray(0, at));
      const e = await openError(`oci-archive:${cut}`);
      expect(e.message).toMatch(/is not a readable tar archive: (truncated|empty file)|is not an OCI image layout|is missing/);
    }
    const damaged = Buffer.from(whole);
    damaged.write('garbage!', 0);
    await writeFile(cut, damaged);
    expect((await openError(`oci-archive:${cut}`)).message).toBe(`oci-archive:${cut}: ${cut} is not a readable tar archive: bad header checksum at byte 0 (not a tar archive, or corrupt)`);
    const hugeSize = Buffer.from(whole);
    hugeSize.write('77777777777', 124);
    let sum = 0;
    hugeSize.write('        ', 148);
    for (const b of hugeSize.subarray(0, 512)) sum += b;
    hugeSize.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    await writeFile(cut, hugeSize);
    expect((await openError(`oci-archive:${cut}`)).message).toContain(`truncated: the entry at byte 0 needs ${0o77777777777} bytes`);
    expect((await openError(`oci-archive:${path.join(dir, 'none.tar')}`)).message).toBe(`oci-archive:${path.join(dir, 'none.tar')}: cannot open ${path.join(dir, 'none.tar')}: no such file`);
    expect(hintOf(await openError(`oci-archive:${path.join(dir, 'none.tar')}`), 'cli')).toMatch(/check the path/);
    // A directory given as an archive: the hint points at oci:DIR.
    const asDir = await openError(`oci-archive:${dir}`);
    expect(asDir.message).toMatch(/is not a regular file|it is a directory/);
    expect(hintOf(asDir, 'cli')).toMatch(/for a layout directory use oci:DIR/);
  });

  it('survives random damage to an archive: the image, or one LocalImageError', async () => {
    const img = makeImage({ layers: [Buffer.alloc(1500, 1), Buffer.alloc(700, 2)] });
    const file = scratch('fuzz-src.tar');
    await writeOciArchive(file, [{ item: img }]);
    const whole = await readFile(file);
    const damaged = scratch('fuzz.tar');
    // A fixed-seed generator, so a failure can be replayed.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const outcomes = new Set<string>();
    for (let round = 0; round < 150; round++) {
      const bytes = Buffer.from(whole);
      for (let k = 0; k < 1 + (next() % 4); k++) {
        // Mostly header fields (size, checksum, type, names), sometimes anywhere.
        const block = Math.floor(next() % (bytes.length / 512)) * 512;
        const at = next() % 3 === 0 ? next() % bytes.length : block + [124, 130, 135, 148, 156, 0, 345][next() % 7]!;
        bytes[at] = next() % 256;
      }
      await writeFile(damaged, bytes.subarray(0, next() % 5 === 0 ? next() % bytes.length : bytes.length));
      const result = await open(`oci-archive:${damaged}`).then(
        async (image) => {
          // Opened: streaming every blob either verifies or fails with a LocalImageError.
          for (const blob of image.blobs) await readAll(blob.open()).catch((e: unknown) => expect(e).toBeInstanceOf(LocalImageError));
          await image.close();
          return 'opened';
        },
        (e: unknown) => {
          expect(e).toBeInstanceOf(LocalImageError);
          expect((e as Error).message).not.toContain('\n');
          return 'refused';
        },
      );
      outcomes.add(result);
    }
    expect(outcomes).toEqual(new Set(['opened', 'refused']));
  });
});
