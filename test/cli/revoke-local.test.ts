// `revoke REPO --local-only` says what it forgot: nothing cached is not "successfully deleted".
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';

describe('revoke --local-only', () => {
  it('with nothing cached for the repository, says so instead of claiming a deletion', async () => {
    const tt = trustTui();
    const r = await tt(['revoke', 'registry.example.com/team/never-seen', '--local-only', '-y']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Successfully deleted');
    expect(r.stdout).toContain('No trust data of registry.example.com/team/never-seen is cached on this host: nothing was deleted');
  });
});
