// The tags a repository shows while its targets roles are still being verified: from the roles
// verified so far only, reported as the walk goes (updater's onRoleVerified), the last role not at
// all (the complete answer follows), and the final answer unchanged.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { MetadataNotFoundError, RepositoryNotInitialisedError } from '../../src/notary/http-errors.js';
import { refresh, type MetadataSource } from '../../src/notary/updater.js';
import { reportTagsSoFar, tagsSoFar, type TagsSoFar } from '../../src/trust/tags-so-far.js';
import { MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');

/** Serves a MemoryRepo's files by every route notary-server offers. */
function serve(repo: MemoryRepo): MetadataSource {
  const file = async (role: string) => {
    const bytes = repo.files.get(role);
    if (!bytes) throw role === 'root' ? new RepositoryNotInitialisedError('https://notary.test', repo.gun) : new MetadataNotFoundError('https://notary.test', repo.gun, role);
    return bytes;
  };
  return {
    baseUrl: 'https://notary.test',
    getMetadata: (_gun, role) => file(role),
    getMetadataByChecksum: (_gun, role) => file(role),
    getMetadataByVersion: (_gun, role) => file(role),
  };
}

describe('tags so far', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tags-so-far-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports the rows of each verified role as the walk goes, never a role not yet verified', async () => {
    const repo = await MemoryRepo.create('example.com/app', NOW);
    const alice = newEcdsaKey();
    const bob = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice]);
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [bob]);
    repo.addTarget('targets', 'v0');
    repo.addTarget('targets/releases', 'v1');
    repo.addTarget('targets/releases', 'v2');
    repo.addTarget('targets/alice', 'v1');
    repo.addTarget('targets/bob', 'v2');
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);

    const reports: TagsSoFar[] = [];
    const result = await refresh(repo.gun, {
      client: serve(repo),
      cache: new TrustCache(path.join(dir, 'trust')),
      trustPolicy: { tofu: true },
      clock: () => NOW,
      onRoleVerified: (set, progress) => reports.push(tagsSoFar(set, progress)),
    });

    const rows = (r: TagsSoFar) => r.tags.map((t) => `${t.tag}:${t.signers.join('+')}`);
    // targets, then its delegations in file order.
    expect(reports.map((r) => [r.rolesDone, r.rolesTotal])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    // Nobody is named before their role verifies: not even Repo Admin, which a signer's role may
    // yet replace (v1, v2).
    expect(rows(reports[0]!)).toEqual(['v0:']);
    expect(rows(reports[1]!)).toEqual(['v0:', 'v1:', 'v2:']);
    expect(rows(reports[2]!)).toEqual(['v0:', 'v1:alice', 'v2:']);
    expect(rows(reports[3]!)).toEqual(['v0:', 'v1:alice', 'v2:bob']);
    expect(result.view.releasedTags().map((t) => `${t.tag}:${t.signers.join('+')}`)).toEqual(['v0:', 'v1:alice', 'v2:bob']);
  });

  it('reports at a bounded rate: the first role at once, then at most one report per interval, the last role never', async () => {
    const repo = await MemoryRepo.create('example.com/app', NOW);
    const key = newEcdsaKey();
    const roles = Array.from({ length: 6 }, (_, i) => `targets/s${i}`);
    for (const role of roles) {
      repo.addDelegation(role, [key]);
      repo.addTarget(role, role.slice(8));
    }
    repo.publish(['targets', ...roles]);
    const reports: TagsSoFar[] = [];
    await refresh(repo.gun, {
      client: serve(repo),
      cache: new TrustCache(path.join(dir, 'trust')),
      trustPolicy: { tofu: true },
      clock: () => NOW,
      onRoleVerified: reportTagsSoFar((soFar) => reports.push(soFar), 60_000),
    });
    expect(reports.map((r) => r.rolesDone)).toEqual([1]);
    // Without an interval (a slow walk), every role but the last.
    const every: number[] = [];
    const report = reportTagsSoFar((soFar) => every.push(soFar.rolesDone), 0);
    const set = (await refresh(repo.gun, { client: serve(repo), cache: new TrustCache(path.join(dir, 'trust2')), trustPolicy: { tofu: true }, clock: () => NOW })).trusted;
    for (let done = 1; done <= 7; done++) {
      report(set, { done, total: 7 });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(every).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
