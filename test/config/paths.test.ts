/** Where trust-tui looks for docker's directories when only HOME says where home is. */
import { userInfo } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultTrustDir, dockerConfigDir } from '../../src/config/paths.js';

describe('the home directory', () => {
  it('is HOME when it is set', () => {
    expect(defaultTrustDir({ HOME: '/srv/alice' })).toBe(path.join('/srv/alice', '.docker', 'trust'));
    expect(dockerConfigDir({ HOME: '/srv/alice' })).toBe(path.join('/srv/alice', '.docker'));
  });

  it("is the user's own when HOME is set but empty, as docker finds it (not the current directory)", () => {
    const own = userInfo().homedir;
    expect(path.isAbsolute(own)).toBe(true);
    // os.homedir() reads this process's HOME, and answers '' for an empty one.
    const saved = process.env.HOME;
    process.env.HOME = '';
    try {
      expect(defaultTrustDir({ HOME: '' })).toBe(path.join(own, '.docker', 'trust'));
      expect(dockerConfigDir({ HOME: '' })).toBe(path.join(own, '.docker'));
    } finally {
      process.env.HOME = saved;
    }
  });
});
