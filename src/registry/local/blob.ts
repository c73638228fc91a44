// A blob of a local image, streamed from its file and checked on the way: read from the start, the
// stream fails when the bytes do not hash to the digest or have another length than recorded, so a
// corrupt file is never pushed as if it were the blob.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { LocalImageError, type LocalBlob } from './image.js';
import type { SourceFiles } from './files.js';

export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface BlobFile {
  digest: string;
  size: number;
  mediaType: string;
  /** The file in `files` that holds the bytes. */
  name: string;
}

function verifying(source: Readable, blob: BlobFile, where: string, origin: string, offset: number): Readable {
  // From the middle (a resumed upload) there is nothing to hash against; the length still counts.
  const whole = offset === 0;
  const hash = createHash('sha256');
  let length = 0;
  const mismatch = (detail: string) =>
    new LocalImageError(`blob ${blob.digest} in ${origin} does not match its digest (${detail}; ${where})`, {
      hint: 'the file was changed or damaged after the image was written; write the image again',
    });
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      length += chunk.length;
      if (length > blob.size - offset) return done(mismatch(`more than ${blob.size} bytes`));
      if (whole) hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (length !== blob.size - offset) return done(mismatch(`${length + offset} bytes, ${blob.size} expected`));
      if (!whole) return done();
      const actual = `sha256:${hash.digest('hex')}`;
      done(actual === blob.digest ? null : mismatch(`its bytes hash to ${actual}`));
    },
  });
  source.on('error', (e) => check.destroy(e instanceof LocalImageError ? e : new LocalImageError(`cannot read blob ${blob.digest} from ${where}: ${e.message}`)));
  check.on('close', () => source.destroy());
  return source.pipe(check);
}

/** A LocalBlob over a file of `files`; `origin` is the `--from` input, for messages. */
export function localBlob(files: SourceFiles, blob: BlobFile, origin: string): LocalBlob {
  return {
    digest: blob.digest,
    size: blob.size,
    mediaType: blob.mediaType,
    open(offset = 0) {
      const where = files.describe(blob.name);
      if (!(Number.isSafeInteger(offset) && offset >= 0 && offset <= blob.size)) throw new RangeError(`offset ${offset} is outside blob ${blob.digest} (${blob.size} bytes)`);
      return verifying(files.stream(blob.name, offset), blob, where, origin, offset);
    },
  };
}
