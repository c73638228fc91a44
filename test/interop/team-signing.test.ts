/**
 * Team signing against the real notary-server 0.7, notary CLI and docker CLI: alice, bob and carol
 * each on their own host (trust directory); releases need 2 of their 3 keys. Stock clients, each
 * with a fresh trust directory of its own, must never see a partial release nor lose a tag.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCli, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, type NotaryServer, type RunResult } from '../helpers/peers.js';
import { ok } from '../helpers/expect.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function exits(r: RunResult, code: number, pattern?: RegExp): RunResult {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  if (pattern) expect(`${r.stdout}\n${r.stderr}`).toMatch(pattern);
  return r;
}

describe('k-of-n releases collected from several hosts', () => {
  let server: NotaryServer;
  const hosts: Record<string, TrustTuiRunner> = {};
  const pubs: Record<string, string> = {};

  /** Tags in targets/releases as a fresh stock notary CLI sees them, and its stderr. */
  const stockReleases = async (repo: string) => {
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile);
    const r = ok(await notary(['list', repo, '--roles', 'targets/releases']));
    const tags = r.stdout.split('\n').map((l) => /^\s*(\S+)\s+[0-9a-f]{64}\s/.exec(l)?.[1]).filter((t): t is string => !!t && t !== 'NAME');
    return { tags: tags.sort(), stderr: r.stderr };
  };
  /** Released tags as a fresh docker CLI sees them (`docker trust inspect`). */
  const dockerTags = async (repo: string): Promise<string[]> => {
    const docker = dockerCli(await makeScratchDir('docker-observer'), server.url, server.caFile);
    const r = ok(await docker(['trust', 'inspect', repo]));
    // docker lists the tags of targets/releases (what `docker pull` accepts).
    return (JSON.parse(r.stdout)[0].SignedTags as { SignedTag: string }[]).map((t) => t.SignedTag).sort();
  };
  const delegationThreshold = async (repo: string, role: string): Promise<string | undefined> => {
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile);
    const out = ok(await notary(['delegation', 'list', repo])).stdout;
    return new RegExp(`^\\s*${role.replace('/', '\\/')}\\s.*\\s([0-9a-f]{64})\\s+(\\d+)\\s*$`, 'm').exec(out)?.[2];
  };
  /** Gives `to` a copy of `from`'s request (any channel: here a file copy). */
  const send = async (_from: TrustTuiRunner, location: string, to: TrustTuiRunner): Promise<string> => {
    const file = path.join(to.workDir, path.basename(location));
    await copyFile(location, file);
    return file;
  };
  const json = (r: RunResult) => JSON.parse(r.stdout);

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    for (const name of ['alice', 'bob', 'carol']) {
      const docker = dockerCli(await makeScratchDir(`docker-${name}`), server.url, server.caFile);
      hosts[name] = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
      ok(await hosts[name]!(['key', 'generate', name, '--dir', hosts[name]!.workDir]));
      pubs[name] = path.join(hosts[name]!.workDir, `${name}.pub`);
    }
    for (const name of ['bob', 'carol']) await copyFile(pubs[name]!, path.join(hosts.alice!.workDir, `${name}.pub`));
  });

  /** alice owns `repo`; alice, bob and carol are signers; releases need `k` of them. */
  const makeRepo = async (repo: string, k: number) => {
    const alice = hosts.alice!;
    // init makes alice's host key the signer alice (in targets/alice and targets/releases).
    ok(await alice(['init', repo, '--signer', 'alice']));
    ok(await alice(['signer', 'add', repo, 'bob', '--key', path.join(alice.workDir, 'bob.pub')]));
    const r = ok(await alice(['signer', 'add', repo, 'carol', '--key', path.join(alice.workDir, 'carol.pub'), ...(k > 1 ? ['--threshold', String(k)] : [])]));
    if (k > 1) expect(r.stdout).toContain(`targets/releases: threshold 1 → ${k}`);
  };

  it('a 2-of-3 release becomes visible to stock notary and docker only after the second signature', async () => {
    const repo = 'registry.example.com/team/two-of-three';
    const { alice, bob } = hosts as Record<string, TrustTuiRunner>;
    await makeRepo(repo, 2);
    expect(await delegationThreshold(repo, 'targets/releases')).toBe('2');
    // A threshold above the distinct keys is refused.
    exits(await alice!(['role', 'threshold', repo, 'releases', '4']), 1, /can never be met: it has 3 distinct key\(s\) \(alice, bob, carol\)/);

    // alice signs: her own targets/alice is published, releases waits for a second signer (exit 8).
    const signed = exits(await alice!(['--json', 'sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '100']), 8);
    const request = json(signed).request;
    expect(request.status).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    // notary-server 0.7 answers 404 to the pending area's route: the request is a file on alice's host.
    expect([request.transport, request.location.startsWith(hosts.alice!.trustDir)]).toEqual(['file', true]);
    exits(await alice!(['request', 'list', repo, '--transport', 'server']), 1, /has no pending area \(it answered 404, as notary-server does\)/);
    expect(await stockReleases(repo)).toMatchObject({ tags: [] });
    expect(await dockerTags(repo)).toEqual([]);

    // Submitting with one signature is refused here; nothing is uploaded.
    exits(await alice!(['request', 'submit', request.id]), 8, /cannot be submitted yet: 1 of 2 signed \(alice\)/);
    exits(await alice!(['request', 'status', request.id]), 8, /waiting on 1 more: bob or carol/);

    // bob verifies and approves on his host, sending back only his signature.
    const file = await send(alice!, request.location, bob!);
    const shown = ok(await bob!(['request', 'show', file])).stdout;
    expect(shown).toMatch(/\+ tag v1 sha256:1{64} \(100 bytes\)/);
    const detached = path.join(bob!.workDir, 'bob.sig.json');
    const approved = ok(await bob!(['request', 'approve', file, '--yes', '--detach', detached]));
    expect(approved.stdout).toContain('2 of 2 signed — ready to submit');
    expect(await stockReleases(repo)).toMatchObject({ tags: [] });

    // A forged copy of bob's signature merged first counts for nothing and blocks nothing.
    const forged = JSON.parse(await readFile(detached, 'utf8'));
    forged.sig = Buffer.from(forged.sig, 'base64').reverse().toString('base64');
    const junk = path.join(alice!.workDir, 'forged.sig.json');
    await writeFile(junk, JSON.stringify(forged));
    expect(ok(await alice!(['request', 'merge', junk])).stdout).toMatch(/^No new signature that counts in request \w+ \(signature by \w{7} ignored: signature does not verify\) — 1 of 2 signed \(alice\)/m);

    const back = path.join(alice!.workDir, 'bob.sig.json');
    await copyFile(detached, back);
    // The merge says whose signature now counts, from the request re-evaluated against the server.
    expect(ok(await alice!(['request', 'merge', back])).stdout).toMatch(/^Added bob's signature — 2 of 2 signed — ready to submit$/m);
    exits(await alice!(['request', 'status', request.id]), 0, /2 of 2 signed — ready to submit/);
    const submitted = ok(await alice!(['--json', 'request', 'submit', request.id]));
    expect(json(submitted).published).toEqual(['targets/releases']);

    expect(await stockReleases(repo)).toMatchObject({ tags: ['v1'] });
    expect(await dockerTags(repo)).toEqual(['v1']);
    expect(await delegationThreshold(repo, 'targets/releases')).toBe('2');
    expect(ok(await alice!(['request', 'list'])).stdout).toBe('No signing requests here\n');
  });

  it('two requests on one base: one lands, the other is stale and rebases', async () => {
    const repo = 'registry.example.com/team/two-of-three';
    const { alice, bob } = hosts as Record<string, TrustTuiRunner>;
    const a = json(exits(await alice!(['--json', 'sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '200']), 8)).request;
    const b = json(exits(await alice!(['--json', 'sign', `${repo}:v3`, '--digest', DIGEST(3), '--size', '300']), 8)).request;
    for (const r of [a, b]) ok(await bob!(['request', 'approve', await send(alice!, r.location, bob!), '--yes']));
    ok(await bob!(['request', 'submit', a.id]));
    expect((await stockReleases(repo)).tags).toEqual(['v1', 'v2']);

    exits(await bob!(['request', 'submit', b.id]), 9, /stale/);
    exits(await bob!(['request', 'status', b.id]), 9, /stale: releases moved to v2 — rebase needed \(2 signatures will be lost\)/);
    const rebased = json(exits(await alice!(['--json', 'request', 'rebase', b.id]), 8));
    expect(rebased.status).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    ok(await bob!(['request', 'approve', await send(alice!, rebased.location, bob!), '--yes']));
    expect(rebased.id).not.toBe(b.id);
    ok(await bob!(['request', 'submit', rebased.id]));
    expect((await stockReleases(repo)).tags).toEqual(['v1', 'v2', 'v3']);
    // The stale copy went with the rebase; alice's copy of what bob submitted reads as submitted.
    const bobs = json(ok(await bob!(['--json', 'request', 'list', repo]))).requests.map((r: { id: string }) => r.id);
    expect(bobs.filter((id: string) => [a.id, b.id, rebased.id].includes(id))).toEqual([]);
    const left = ok(await alice!(['--json', 'request', 'list', repo]));
    const statuses = Object.fromEntries(json(left).requests.map((r: { id: string; evaluation: { status: string } }) => [r.id, r.evaluation.status]));
    expect(statuses[rebased.id]).toBe('submitted: releases v3 published');
    // alice's copy of the request bob submitted first: the server moved on, but its change is in —
    // nothing to rebase (it read "stale — rebase needed" before).
    expect(statuses[a.id]).toBe('published: releases v3 holds this change');
    expect(statuses[b.id]).toBeUndefined(); // replaced by its rebase
    expect(await dockerTags(repo)).toEqual(['v1', 'v2', 'v3']);

    // Revoking from a 2-of-3 releases needs a second signer too: a request, and v3 stays meanwhile.
    const revoked = json(exits(await alice!(['--json', 'revoke', `${repo}:v3`]), 8));
    expect(revoked.request).toMatchObject({ roles: ['targets/releases'], status: '1 of 2 signed (alice) — waiting on 1 more: bob or carol' });
    expect(await dockerTags(repo)).toEqual(['v1', 'v2', 'v3']);
  });

  it('a threshold raise on a role signed once never hides a tag; parent-only is refused without --force', async () => {
    const repo = 'registry.example.com/team/raise';
    const { alice, carol } = hosts as Record<string, TrustTuiRunner>;
    await makeRepo(repo, 1);
    ok(await alice!(['sign', `${repo}:v1`, '--digest', DIGEST(4), '--size', '400']));
    const before = await stockReleases(repo);
    expect(before.tags).toEqual(['v1']);

    const refused = exits(await alice!(['role', 'threshold', repo, 'releases', '2', '--no-request']), 1, /would leave targets\/releases below its threshold .* hide targets\/releases: 1 tag\(s\) \(v1\)/);
    expect(refused.stderr).toMatch(/--force/);
    const dry = ok(await alice!(['role', 'threshold', repo, 'releases', '2', '--dry-run']));
    expect(dry.stdout).toMatch(/raising the threshold alone would hide 1 tag\(s\) \(v1\)/);
    expect(await delegationThreshold(repo, 'targets/releases')).toBe('1');

    const opened = json(exits(await alice!(['--json', 'role', 'threshold', repo, 'releases', '2']), 8));
    expect(opened.request.status).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    const mid = await stockReleases(repo);
    expect(mid.tags).toEqual(['v1']);
    expect(await delegationThreshold(repo, 'targets/releases')).toBe('1');

    const file = await send(alice!, opened.request.location, carol!);
    const shown = ok(await carol!(['request', 'show', file])).stdout;
    expect(shown).toMatch(/~ targets\/releases threshold 1 → 2/);
    ok(await carol!(['request', 'approve', file, '--yes']));
    const submitted = json(ok(await carol!(['--json', 'request', 'submit', opened.request.id])));
    expect(submitted.published).toEqual(['targets', 'targets/releases']);
    const after = await stockReleases(repo);
    expect(after.tags).toEqual(['v1']);
    for (const s of [before, mid, after]) expect(s.stderr).not.toMatch(/did not meet threshold/);
    expect(await delegationThreshold(repo, 'targets/releases')).toBe('2');
    expect(await dockerTags(repo)).toEqual(['v1']);
    const text = await readFile(opened.request.location, 'utf8').catch(() => 'gone');
    expect(text).not.toBe('gone'); // alice's copy stays until she cancels it
    ok(await alice!(['request', 'cancel', opened.request.id, '--yes']));
  });
});
