// An OCI layout written by Debian's skopeo is read with the manifest digest skopeo reports.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocalImage, parseLocalSource } from '../../src/registry/local/index.js';
import { makeImage, randomLayer, writeDockerSaveLegacy } from '../helpers/oci-layout.js';
import { makeScratchDir, requireBinary, runCommand, stopAllPeers } from '../helpers/proc.js';

afterAll(stopAllPeers);

describe('a layout written by skopeo', () => {
  it('opens with the digest skopeo reports, and every blob verifies', async () => {
    const skopeo = requireBinary('skopeo');
    const dir = await makeScratchDir('local-skopeo');
    const archive = path.join(dir, 'app.tar');
    await writeDockerSaveLegacy(archive, [{ image: makeImage({ layers: [randomLayer(5000), randomLayer(200)] }), repoTags: ['app:1.0'] }]);
    const layout = path.join(dir, 'layout');
    const copy = await runCommand(skopeo, ['--insecure-policy', 'copy', '--quiet', `docker-archive:${archive}`, `oci:${layout}:v1`]);
    expect(copy.stderr).toBe('');
    expect(copy.code).toBe(0);
    // A second image in the same layout: the reference picks.
    expect((await runCommand(skopeo, ['--insecure-policy', 'copy', '--quiet', `docker-archive:${archive}`, `oci:${layout}:v2`, '--dest-compress-format', 'zstd'])).code).toBe(0);
    const raw = await runCommand(skopeo, ['inspect', '--raw', `oci:${layout}:v1`]);
    const reported = `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`;
    const image = await openLocalImage(parseLocalSource(`oci:${layout}:v1`));
    expect(image.root.digest).toBe(reported);
    expect(Buffer.from(image.root.bytes).toString()).toBe(raw.stdout);
    for (const blob of image.blobs) {
      let length = 0;
      for await (const c of blob.open()) length += (c as Buffer).length;
      expect(length).toBe(blob.size);
    }
    await image.close();
    const v2 = await openLocalImage(parseLocalSource(`oci:${layout}:v2`));
    expect(v2.root.digest).not.toBe(reported);
    await v2.close();
    // The same image as an OCI archive.
    const file = path.join(dir, 'app-oci.tar');
    expect((await runCommand(skopeo, ['--insecure-policy', 'copy', '--quiet', `oci:${layout}:v1`, `oci-archive:${file}:v1`])).code).toBe(0);
    const fromArchive = await openLocalImage(parseLocalSource(`oci-archive:${file}:v1`));
    expect(fromArchive.root.digest).toBe(reported);
    await fromArchive.close();
  });
});
