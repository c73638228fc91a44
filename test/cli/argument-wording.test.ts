/**
 * Arguments that cannot be right are usage errors (exit 2) whose message says what is wanted once:
 * a short digest, a key ID that is not hex.
 */
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';

describe('malformed arguments', () => {
  const tt = trustTui();

  it('sign --digest with too few hex digits says what a digest needs, once', async () => {
    const r = await tt(['sign', 'registry.example.com/team/app:v1', '--digest', 'sha256:abc', '--size', '10']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("argument 'sha256:abc' is invalid. a manifest digest needs 64 hex digits after sha256: (3 so far)");
    expect(r.stderr.match(/64 hex digits/g)).toHaveLength(1);
  });

  it('sweep key with something that is not a key ID is a usage error, before any repository is read', async () => {
    const r = await tt(['sweep', 'key', 'zzzz']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("error: command-argument value 'zzzz' is invalid for argument 'key-id'. not a key ID: give at least 7 hex digits of it");
  });
});
