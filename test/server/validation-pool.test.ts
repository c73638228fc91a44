// The worker-thread validation of large publishes gives the same answers as validateUpdate on the
// request thread: the same files to store (uploaded bytes unchanged, a timestamp signed by the held
// key), the same ApiError for a refused update, and the caller's upload bytes back afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { ApiError } from '../../src/notary/api-errors.js';
import { ValidationPool } from '../../src/server/validation-pool.js';
import { parseMetadata } from '../../src/tuf/metadata/parse.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { GoTime } from '../../src/tuf/time.js';
import { TestRepo } from './repo-fixture.js';

const GUN = 'example.com/pooled';
const versionOf = (data: Buffer) => (JSON.parse(data.toString()) as { signed?: { version?: number } }).signed?.version ?? 0;

describe('ValidationPool', () => {
  let timestampKey: PrivateKey;
  const pool = new ValidationPool({ size: 1 });
  beforeAll(async () => {
    timestampKey = await generatePrivateKey('ecdsa');
  });
  afterAll(() => pool.close());

  it('accepts a valid first publish with the uploaded bytes unchanged and a timestamp it signed', async () => {
    const repo = await TestRepo.create(GUN, timestampKey.publicKey);
    for (let i = 0; i < 200; i++) repo.addTarget(`v${i}`);
    // Own copies: the pool moves upload bytes to its thread and back.
    const uploads = repo.firstPublish().map((f) => ({ role: f.role, version: versionOf(f.data), data: Buffer.from(f.data) }));
    const originals = uploads.map((u) => Buffer.from(u.data));

    const result = await pool.validate({ gun: GUN, stored: new Map(), uploads, heldKeys: { timestamp: [timestampKey], snapshot: [] }, now: GoTime.now() });

    expect(result.files.map((f) => f.role)).toEqual(['root', 'targets', 'snapshot', 'timestamp']);
    uploads.forEach((u, i) => {
      expect(u.data.equals(originals[i]!), `${u.role} given back to the caller`).toBe(true);
      expect(result.files.find((f) => f.role === u.role)!.data.equals(originals[i]!), `${u.role} stored unchanged`).toBe(true);
    });
    expect(parseMetadata(result.files[3]!.data, 'timestamp').signatures[0]?.keyid).toBe(timestampKey.id);
  });

  it('refuses an update without a root with the ApiError validateUpdate throws', async () => {
    const repo = await TestRepo.create(GUN, timestampKey.publicKey);
    const targets = repo.signTargets();
    const refused = await pool
      .validate({ gun: GUN, stored: new Map(), uploads: [{ role: 'targets', version: versionOf(targets), data: targets }], heldKeys: { timestamp: [], snapshot: [] }, now: GoTime.now() })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('INVALID_UPDATE');
    expect((refused as ApiError).detail).toMatchObject({ Name: 'ErrValidation', Error: { Msg: 'no pre-existing root and no root provided in update.' } });
  });

  it('refuses a body whose validation needs more than its heap limit, and serves the next one', async () => {
    const small = new ValidationPool({ size: 1, heapMb: 16 });
    try {
      const repo = await TestRepo.create(GUN, timestampKey.publicKey);
      // Sized for the strict reader (native JSON.parse plus a checking scan): 15,000 tags used to
      // be enough to pass the 16 MB heap, and no longer are.
      for (let i = 0; i < 60_000; i++) repo.addTarget(`release-${i}-${'x'.repeat(40)}`);
      const uploads = repo.firstPublish().map((f) => ({ role: f.role, version: versionOf(f.data), data: f.data }));
      const refused = await small
        .validate({ gun: GUN, stored: new Map(), uploads, heldKeys: { timestamp: [timestampKey], snapshot: [] }, now: GoTime.now() })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ApiError);
      expect((refused as ApiError).code).toBe('UPLOAD_TOO_LARGE');
      const next = await small
        .validate({ gun: GUN, stored: new Map(), uploads: [], heldKeys: { timestamp: [], snapshot: [] }, now: GoTime.now() })
        .catch((e: unknown) => e);
      expect((next as ApiError).code).toBe('INVALID_UPDATE');
    } finally {
      await small.close();
    }
  }, 30_000);
});
