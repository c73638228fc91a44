// The key detail view lists every role a key is in: a signer's key is also a key of
// targets/releases (docker trust signer add puts it in both), and that role must be named too.
import { describe, expect, it } from 'vitest';
import { rolesOfKey } from '../../src/trust/details.js';
import type { RepositoryInfo } from '../../src/trust/info.js';

const ALICE = 'a'.repeat(64);
const signer = (name: string, ids: string[]) => ({ name, role: `targets/${name}`, threshold: 1, paths: [''], state: 'trusted', keys: ids.map((id) => ({ id, type: 'ecdsa', held: true })) });

const info = {
  gun: 'registry.example.com/team/app',
  signers: [signer('alice', [ALICE])],
  releases: signer('releases', [ALICE, 'b'.repeat(64)]),
  administrativeKeys: { root: [], repository: [] },
  roles: [
    { role: 'targets/alice', version: 1, expires: '2030-01-01T00:00:00Z', state: 'valid' },
    { role: 'targets/releases', version: 2, expires: '2031-01-01T00:00:00Z', state: 'valid' },
  ],
} as unknown as RepositoryInfo;

describe('rolesOfKey', () => {
  it('names targets/releases as well as the signer role', () => {
    expect(rolesOfKey(info, ALICE)).toEqual([
      { gun: info.gun, role: 'targets/alice', expires: '2030-01-01T00:00:00Z' },
      { gun: info.gun, role: 'targets/releases', expires: '2031-01-01T00:00:00Z' },
    ]);
  });
});
