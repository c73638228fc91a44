/**
 * The impact of a planned change on `docker pull` with content trust, computed from a verified view
 * (built in memory with docker's layout) and the planned role files (a RepositoryEditor).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RepositoryEditor, type RepositoryState } from '../../src/tuf/editor.js';
import type { PrivateKey } from '../../src/tuf/private-key.js';
import { RepositoryView } from '../../src/tuf/repository-view.js';
import { GoTime } from '../../src/tuf/time.js';
import { TrustedSet } from '../../src/tuf/trusted-set.js';
import { DelegationRefusedError } from '../../src/tuf/update-errors.js';
import { impactLines, impactOf, RUNNING_SENTENCES } from '../../src/trust/impact.js';
import { parseDockerfile } from '../../src/trust/verify/dockerfile.js';
import { applyRemoval, planRemoval } from '../../src/trust/signer-removal.js';
import { imageMeta, MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const GUN = 'registry.example.com/team/app';

function load(repo: MemoryRepo) {
  const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => NOW });
  set.updateTimestamp(repo.file('timestamp'));
  set.updateSnapshot(repo.file('snapshot'));
  set.updateTargets(repo.file('targets'));
  for (const d of set.targets!.signed.delegations) {
    if (!repo.files.has(d.name)) continue;
    try {
      set.updateDelegation(d.name, repo.file(d.name), 'targets');
    } catch (e) {
      if (!(e instanceof DelegationRefusedError)) throw e;
    }
  }
  return { trusted: set, view: new RepositoryView(set) };
}

function editorOf(set: TrustedSet): RepositoryEditor {
  const delegations = new Map([...set.refusedDelegations].map(([n, d]) => [n, d.envelope]));
  for (const [n, d] of set.delegations) delegations.set(n, d.envelope);
  const state: RepositoryState = { root: set.root, targets: set.targets, snapshot: set.snapshot, delegations };
  return new RepositoryEditor(state, GoTime.fromDate(NOW));
}

const sha = (tag: string) => `sha256:${imageMeta(tag).hex('sha256')}`;

describe('impactOf', () => {
  let repo: MemoryRepo;
  let alice: PrivateKey;
  let bob: PrivateKey;

  /** releases = {alice, bob} at `threshold`, signed by alice only: v2, v3 released; v1 and v3 (another image) in targets. */
  async function build(threshold = 1): Promise<void> {
    repo = await MemoryRepo.create(GUN, NOW);
    alice = newEcdsaKey();
    bob = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey], threshold });
    repo.addDelegation('targets/alice', [alice]);
    repo.addDelegation('targets/bob', [bob]);
    repo.addTarget('targets', 'v1');
    repo.addTarget('targets', 'v3', imageMeta('old v3'));
    repo.addTarget('targets/releases', 'v2');
    repo.addTarget('targets/releases', 'v3');
    repo.addTarget('targets/alice', 'v2');
    repo.publish(['targets', 'targets/releases', 'targets/alice', 'targets/bob']);
  }

  beforeEach(async () => build());

  it('with nothing edited, every tag docker pulls today is unchanged and nothing is said about running containers', () => {
    const before = load(repo);
    const impact = impactOf(before, editorOf(before.trusted));
    expect(impact).toMatchObject({ lost: [], changed: [], gained: [], unchanged: ['v1', 'v2', 'v3'], running: [], repair: [], dockerfiles: [] });
    expect(impactLines(impact)).toEqual(['Every pullable tag stays pullable as it is (3).']);
  });

  it('a removal that leaves targets/releases unsigned loses its tags, falls back to targets for another, and names who must re-sign', () => {
    const before = load(repo);
    const editor = editorOf(before.trusted);
    // Forced: this host holds no remaining releases key, so releases is not re-signed.
    const plan = planRemoval(before.view, editor, new Set([repo.targetsKey.id]), { signer: 'alice' });
    applyRemoval(editor, plan);
    const impact = impactOf(before, editor);
    expect(impact.lost).toEqual([{ tag: 'v2', before: sha('v2') }]);
    // The removal's own refusal and question name the same tags: v3 stays pullable (another image).
    expect(plan.tagsLosingRelease.map((t) => t.tag)).toEqual(['v2']);
    expect(impact.changed).toEqual([{ tag: 'v3', before: sha('v3'), after: sha('old v3') }]);
    expect(impact.unchanged).toEqual(['v1']);
    expect(impact.running).toEqual(RUNNING_SENTENCES);
    expect(impact.repair[0]).toMatchObject({ tags: ['v2'], who: ['bob'], needed: 1 });
    expect(impact.repair[0]!.text).toMatch(new RegExp(`^bob must sign targets/releases again \\(trust-tui sign ${GUN.replaceAll('.', '\\.')}:v2, or approve`));
    const text = impactLines(impact).join('\n');
    expect(text).toContain('Tags that stop being pullable with content trust: v2');
    expect(text).toContain('v3 would pull a different image');
    expect(text).toContain('containers already running keep running');
  });

  it('a removal whose releases is re-signed by a held key loses nothing', () => {
    const before = load(repo);
    const editor = editorOf(before.trusted);
    const plan = planRemoval(before.view, editor, new Set([repo.targetsKey.id, bob.id]), { signer: 'alice' });
    applyRemoval(editor, plan);
    const impact = impactOf(before, editor);
    expect(impact.lost).toEqual([]);
    expect(impact.changed).toEqual([]);
  });

  it('revoking a tag from releases: that tag is lost, and a releases signer must sign it again', () => {
    const before = load(repo);
    const editor = editorOf(before.trusted);
    editor.targets('targets/releases').removeTarget('v2');
    const impact = impactOf(before, editor);
    expect(impact.lost.map((t) => t.tag)).toEqual(['v2']);
    expect(impact.repair).toEqual([expect.objectContaining({ tags: ['v2'], who: ['alice', 'bob'] })]);
    expect(impact.repair[0]!.text).toContain('alice or bob must sign v2');
  });

  it('revoking a tag from a 2-of-n releases: the repair names how many signers, not any one of them', async () => {
    repo = await MemoryRepo.create(GUN, NOW);
    const carol = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice, bob], { keys: [alice.publicKey, bob.publicKey, carol.publicKey], threshold: 2 });
    repo.addTarget('targets/releases', 'v2');
    repo.publish(['targets', 'targets/releases']);
    const before = load(repo);
    const editor = editorOf(before.trusted);
    editor.targets('targets/releases').removeTarget('v2');
    const impact = impactOf(before, editor);
    expect(impact.lost.map((t) => t.tag)).toEqual(['v2']);
    expect(impact.repair).toEqual([expect.objectContaining({ tags: ['v2'], needed: 2 })]);
    expect(impact.repair[0]!.text).toMatch(/^2 of key \w+, key \w+, key \w+ must sign v2 /);
  });

  it('raising the releases threshold without re-signing hides its tags; 2 of alice, bob must sign a new version', () => {
    const before = load(repo);
    const editor = editorOf(before.trusted);
    editor.targets('targets').updateDelegation('targets/releases', { threshold: 2 });
    const impact = impactOf(before, editor);
    expect(impact.lost.map((t) => t.tag)).toEqual(['v2']);
    expect(impact.changed.map((t) => t.tag)).toEqual(['v3']);
    // Signing it again makes a new version: alice's signature over the current one does not carry over.
    expect(impact.repair[0]).toMatchObject({ who: ['alice', 'bob'], needed: 2 });
    expect(impact.repair[0]!.text).toContain(`2 of alice, bob must sign targets/releases again (trust-tui sign ${GUN}:v2, or approve its signing request) to release v2`);
  });

  it('lowering a threshold the current file already meets makes its tags pullable again', async () => {
    await build(2); // releases signed by alice alone: refused today
    const before = load(repo);
    expect(impactOf(before, editorOf(before.trusted)).unchanged).toEqual(['v1', 'v3']);
    const editor = editorOf(before.trusted);
    editor.targets('targets').updateDelegation('targets/releases', { threshold: 1 });
    const impact = impactOf(before, editor);
    expect(impact.gained).toEqual([{ tag: 'v2', after: sha('v2') }]);
    expect(impact.changed).toEqual([{ tag: 'v3', before: sha('old v3'), after: sha('v3') }]);
  });

  it('lists the FROM lines of this repository that would break, with file and line', () => {
    const before = load(repo);
    const editor = editorOf(before.trusted);
    editor.targets('targets').updateDelegation('targets/releases', { threshold: 2 });
    const dockerfile = [
      'ARG TAG=v2',
      `FROM ${GUN}:\${TAG} AS base`,
      `FROM ${GUN}:v1`,
      `FROM ${GUN}:v3@${sha('v3')}`,
      `FROM registry.example.com/team/other:v2`,
      `FROM ${GUN}@${sha('v2')}`,
      `FROM ${GUN}:v3`,
      'FROM base',
    ].join('\n');
    const impact = impactOf(before, editor, [{ file: 'Dockerfile', froms: parseDockerfile(dockerfile).froms }]);
    expect(impact.dockerfiles.map((d) => [d.file, d.line, d.tag, d.reason])).toEqual([
      ['Dockerfile', 2, 'v2', 'not-pullable'],
      ['Dockerfile', 4, 'v3', 'pinned-digest-mismatch'],
      ['Dockerfile', 7, 'v3', 'different-image'],
    ]);
    expect(impactLines(impact).join('\n')).toContain(`Dockerfile:2  FROM ${GUN}:\${TAG} AS base  — v2 would no longer be pullable with content trust`);
  });
});

describe('impactOf and Dockerfiles', () => {
  it('a FROM line whose pinned digest already differs from the signed one is not blamed on the change', async () => {
    const repo = await MemoryRepo.create(GUN, NOW);
    const alice = newEcdsaKey();
    repo.addDelegation('targets/releases', [alice]);
    repo.addTarget('targets/releases', 'v2');
    repo.publish(['targets', 'targets/releases']);
    const before = load(repo);
    const editor = editorOf(before.trusted);
    editor.targets('targets/releases').removeTarget('v2');
    const froms = parseDockerfile(`FROM ${GUN}:v2@${sha('other')}\nFROM ${GUN}:v2@${sha('v2')}\n`).froms;
    const impact = impactOf(before, editor, [{ file: 'Dockerfile', froms }]);
    expect(impact.dockerfiles.map((d) => [d.line, d.reason])).toEqual([[2, 'not-pullable']]);
  });
});
