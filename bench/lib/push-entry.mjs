// The process the push benchmark measures: trust-tui's pushImage (bundled by bench/push-bench.ts)
// pushing an OCI image layout, as `trust-tui sign --from oci:DIR` will. Plain JavaScript so that no
// TypeScript loader adds to the measured memory. The layout reader here is a minimal one for the
// benchmark's own layout (one manifest in index.json).
//
//   node PUSH_ENTRY_BUNDLE LAYOUT_DIR HOST/REPO:TAG CACHE_DIR   (bench/push-bench.ts builds and runs it)
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { RegistryClient } from '../../src/registry/client.js';
import { LocalImageError } from '../../src/registry/local/image.js';
import { pushImage } from '../../src/registry/push.js';
import { parseReference, requireTag } from '../../src/registry/reference.js';

const [layout, target, cacheDir] = process.argv.slice(2);
const blobFile = (digest) => path.join(layout, 'blobs', ...digest.split(':'));

function openChecked(descriptor, offset = 0) {
  const stream = createReadStream(blobFile(descriptor.digest), { start: offset });
  if (offset > 0) return stream;
  const hash = createHash('sha256');
  const check = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = `sha256:${hash.digest('hex')}`;
      done(actual === descriptor.digest ? null : new LocalImageError(`blob ${descriptor.digest} is corrupt`));
    },
  });
  stream.on('error', (e) => check.destroy(e));
  return stream.pipe(check);
}

const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8'));
const rootDescriptor = index.manifests[0];
const bytes = await readFile(blobFile(rootDescriptor.digest));
const manifest = JSON.parse(bytes.toString('utf8'));
const image = {
  source: `oci:${layout}`,
  root: { digest: rootDescriptor.digest, size: bytes.length, mediaType: rootDescriptor.mediaType, bytes },
  children: [],
  blobs: [manifest.config, ...manifest.layers].map((d) => ({ ...d, open: (offset) => openChecked(d, offset) })),
  close: async () => {},
};
const client = new RegistryClient({ loopbackScheme: 'http', credentials: async () => undefined });
const result = await pushImage(client, requireTag(parseReference(target)), image, { cacheDir });
// VmHWM: this process's peak resident set size so far (Linux).
const peakRssKb = Number(/VmHWM:\s+(\d+)/.exec(await readFile('/proc/self/status', 'utf8'))?.[1]);
process.stdout.write(`${JSON.stringify({ ...result, peakRssKb })}\n`);
