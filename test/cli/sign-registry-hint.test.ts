/**
 * `sign REPO:TAG` asks the registry for the manifest's digest and size. When the registry cannot be
 * reached (the image was never pushed there, or a team example with a made-up registry), the one
 * line says so and what else works: giving the digest and size.
 */
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';

describe('sign without a reachable registry', () => {
  it('names the registry and suggests --digest and --size', async () => {
    const tt = trustTui();
    const r = await tt(['sign', '127.0.0.1:9/team/app:v1', '--server', 'https://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^trust-tui: cannot reach registry 127\.0\.0\.1:9: .*ECONNREFUSED.* — push the image there first, or give its manifest digest and size: trust-tui sign 127\.0\.0\.1:9\/team\/app:v1 --digest sha256:… --size N$/m);
  });
});
