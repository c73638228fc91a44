/**
 * `migrate --from-cache` over a trust cache whose delegation file was changed after it was cached
 * (its bytes no longer hash to what the trusted snapshot names) refuses it, saying so: the file is
 * damaged or was tampered with, not merely "not cached", and what to do about it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { trustTui } from '../helpers/trust-tui.js';
import { MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';

const GUN = 'registry.example.com/team/app';

/** A trust directory caching GUN with its targets/releases file changed in one byte of its signed part. */
async function cacheWithTamperedDelegation(trustDir: string): Promise<{ file: string; bytes: Buffer }> {
  const repo = await MemoryRepo.create(GUN);
  repo.addDelegation('targets/releases', [newEcdsaKey()]);
  repo.addTarget('targets/releases', 'v1');
  repo.publish(['targets', 'targets/releases']);
  const cache = new TrustCache(trustDir);
  for (const [role, bytes] of repo.files) await cache.write(GUN, role, bytes);
  // Same length: only the hash can tell.
  const file = cache.filePath(GUN, 'targets/releases');
  const bytes = readFileSync(file);
  bytes[bytes.indexOf('"v1"') + 2] = '2'.charCodeAt(0);
  writeFileSync(file, bytes);
  return { file, bytes };
}

describe('migrate --from-cache with a tampered delegation file', () => {
  it('names the file, says it does not match the hash the trusted snapshot names, and what to do', async () => {
    const tt = trustTui();
    const tampered = await cacheWithTamperedDelegation(tt.trustDir);
    const r = await tt(['migrate', GUN, '--from-cache', '--to', 'https://127.0.0.1:9', '--dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const [line, ...others] = r.stdout.split('\n').filter((l) => l.startsWith(`${GUN}:`));
    expect(others).toEqual([]);
    expect(line).toBe(
      `${GUN}: blocked: trust data for ${GUN} from ${path.dirname(path.dirname(tampered.file))} was refused: ` +
        'the cached targets/releases.json does not match the hash the trusted snapshot names for it: it was damaged or tampered with after it was cached — ' +
        `restore targets/releases.json from a backup of the trust directory, or copy it from another host that trusted ${GUN}; ` +
        'if the old server still answers, read from it instead (migrate --from URL)',
    );
    expect(r.stdout + r.stderr).not.toMatch(/not cached|incomplete|not valid/);
    // Still refused, and left as it is.
    expect(readFileSync(tampered.file)).toEqual(tampered.bytes);
  });
});
