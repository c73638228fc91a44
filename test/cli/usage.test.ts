/**
 * Contradictory or incomplete options are usage errors (exit 2, nothing done), never a silent success
 * that ignores one of them.
 */
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';
import { snapshotDir } from '../helpers/expect.js';

describe('usage errors', () => {
  const tt = trustTui();

  it('info --tags-only --keys-only', async () => {
    const r = await tt(['info', 'registry.example.com/team/app', '--tags-only', '--keys-only']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--tags-only.*--keys-only|--keys-only.*--tags-only/);
    expect(r.stdout).toBe('');
  });

  it('sign with a malformed reference says only what is wrong with it, never that it is signing', async () => {
    const r = await tt(['sign', 'registry.example.com/te am:v1', '--digest', `sha256:${'a'.repeat(64)}`, '--size', '3', '--server', 'https://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^trust-tui: invalid reference format: it contains a space/)]);
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });

  it('sign --size without --digest', async () => {
    const r = await tt(['sign', 'registry.example.com/team/app:v1', '--size', '10', '--server', 'https://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--size.*--digest/);
    expect(r.stdout).toBe('');
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });

  it('sign --digest that is not a manifest digest is refused before the registry is asked', async () => {
    for (const digest of ['sha256:abc', 'md5:abab', 'ABAB']) {
      const r = await tt(['sign', 'registry.invalid/team/app:v1', '--digest', digest, '--server', 'https://127.0.0.1:9']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`'${digest}'`);
      expect(r.stderr).toMatch(/a manifest digest needs (sha256: followed by 64 hex digits|64 hex digits after sha256: \(3 so far\))$/m);
      expect(r.stderr).not.toMatch(/registry/);
      expect(r.stdout).toBe('');
    }
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });

  it('sign --size 0: no manifest is empty', async () => {
    const r = await tt(['sign', 'registry.invalid/team/app:v1', '--digest', `sha256:${'ab'.repeat(32)}`, '--size', '0', '--server', 'https://127.0.0.1:9']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/positive number of bytes/);
  });

  it('sign --from with --digest: the registry decides the digest, so both is a usage error, nothing done', async () => {
    const r = await tt(['sign', 'registry.invalid/team/app:v1', '--from', 'oci:build', '--digest', `sha256:${'ab'.repeat(32)}`, '--server', 'https://127.0.0.1:9']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--from.*--digest/);
    expect(r.stdout).toBe('');
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });

  it('sign --from with an unknown transport names it and lists the forms, before anything is contacted', async () => {
    const r = await tt(['sign', 'registry.invalid/team/app:v1', '--from', 'dir:build', '--server', 'https://127.0.0.1:9']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('dir:build');
    expect(r.stderr).toMatch(/oci:DIR.*oci-archive:FILE.*docker-archive:FILE.*docker-daemon:IMAGE/);
    expect(r.stderr).not.toMatch(/registry\.invalid|127\.0\.0\.1/);
    expect(r.stdout).toBe('');
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });
});
