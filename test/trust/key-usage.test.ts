// The Keys screen's "Trusted by" and "Tags signed" columns, from repository info.
import { describe, expect, it } from 'vitest';
import { keyUsage } from '../../src/trust/key-usage.js';
import type { RepositoryInfo } from '../../src/trust/info.js';

const id = (c: string) => c.repeat(64);

function repo(gun: string, parts: Partial<RepositoryInfo>): RepositoryInfo {
  return {
    gun,
    server: 'https://notary.example.com',
    offline: false,
    tags: [],
    signers: [],
    administrativeKeys: { root: [], repository: [] },
    roles: [],
    rootCertificates: [],
    warnings: [],
    ...parts,
  };
}

const tag = (name: string, signers: string[]) => ({ tag: name, digest: '0'.repeat(64), size: 1, signers, releasedBy: ['targets/releases'], verified: true });
const signer = (name: string, keys: string[]) => ({
  name,
  role: `targets/${name}`,
  threshold: 1,
  paths: [''],
  state: 'trusted',
  keys: keys.map((k) => ({ id: k, type: 'ecdsa', held: true })),
});

describe('key usage across repositories', () => {
  const web = repo('example.com/web', {
    tags: [tag('v1', ['alice']), tag('v2', ['alice', 'bob']), tag('admin-only', ['Repo Admin'])],
    signers: [signer('alice', [id('a')]), signer('bob', [id('b')])],
    releases: signer('releases', [id('a'), id('b')]),
    administrativeKeys: { root: [{ id: id('f'), canonicalId: id('r'), held: true }], repository: [{ id: id('t'), held: true }] },
  });
  const api = repo('example.com/api', {
    tags: [tag('3.0', ['alice'])],
    signers: [signer('alice', [id('a')])],
    releases: signer('releases', [id('a')]),
    administrativeKeys: { root: [{ id: id('e'), canonicalId: id('r'), held: true }], repository: [] },
  });
  const usage = keyUsage([web, api]);

  it('lists every repository that trusts a key, sorted, and counts the tags its own role signed', () => {
    expect(usage.get(id('a'))).toEqual({ trustedBy: ['example.com/api', 'example.com/web'], tagsSigned: 3 });
    // bob is in targets/releases too, but only v2 is his.
    expect(usage.get(id('b'))).toEqual({ trustedBy: ['example.com/web'], tagsSigned: 1 });
  });

  it('finds root keys by their canonical ID and credits targets-only tags to the repository key', () => {
    expect(usage.get(id('r'))).toEqual({ trustedBy: ['example.com/api', 'example.com/web'], tagsSigned: 0 });
    expect(usage.has(id('f'))).toBe(false);
    expect(usage.get(id('t'))).toEqual({ trustedBy: ['example.com/web'], tagsSigned: 1 });
  });

  it('counts a key only targets/releases lists as trusted, with no tags of its own', () => {
    const only = repo('example.com/only', { tags: [tag('v1', ['alice'])], signers: [signer('alice', [id('a')])], releases: signer('releases', [id('d')]) });
    expect(keyUsage([only]).get(id('d'))).toEqual({ trustedBy: ['example.com/only'], tagsSigned: 0 });
  });

  it('knows nothing of keys no repository lists', () => {
    expect(usage.get(id('c'))).toBeUndefined();
  });
});
