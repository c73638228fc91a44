// gzip for large metadata files. Go's HTTP client, which the docker and notary CLIs use, asks for
// gzip on every request and unpacks it transparently; a targets file with thousands of tags shrinks
// to about half. Each file is compressed once (off the main thread) and kept, keyed by its sha256.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** Smaller files are sent as they are: compressing them saves less than it costs. */
export const COMPRESS_MIN_BYTES = 32 * 1024;

/** True when an Accept-Encoding header allows gzip (and does not refuse it with q=0). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(',').some((entry) => {
    const [coding, ...params] = entry.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export class GzipCache {
  readonly #entries = new Map<string, { compressed: Promise<Buffer>; size?: number }>();
  #bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** The gzip form of `data`, whose hex sha256 is `sha256`. */
  get(sha256: string, data: Buffer): Promise<Buffer> {
    const cached = this.#entries.get(sha256);
    if (cached) return cached.compressed;
    const entry: { compressed: Promise<Buffer>; size?: number } = { compressed: gzipAsync(data, { level: 6 }) };
    this.#entries.set(sha256, entry);
    entry.compressed.then(
      (compressed) => {
        entry.size = compressed.length;
        this.#bytes += compressed.length;
        this.#evict();
      },
      () => this.#entries.delete(sha256),
    );
    return entry.compressed;
  }

  /** Drops the oldest finished entries until the total fits. */
  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) return;
      if (entry.size === undefined) continue;
      this.#entries.delete(key);
      this.#bytes -= entry.size;
    }
  }
}
