/**
 * Team signing through the pending area of `trust-tui server`: alice, bob and carol each on their own
 * host (trust directory), no request file passed between them. Stock notary and docker clients, each
 * with a fresh trust directory, read the server too: they must see a release only once it is
 * submitted, and the TUF files must not change by a byte while requests are staged and signed.
 */
import bcrypt from 'bcryptjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { refresh } from '../../src/notary/updater.js';
import { dctSigners, provenanceRole, releasedTags, REPO_ADMIN } from '../../src/trust/export/dct-signers.js';
import { dockerCli, makePki, makeScratchDir, notaryCli, stopAllPeers, type RunResult } from '../helpers/peers.js';
import { ok } from '../helpers/expect.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const REPO = 'registry.example.com/team/pending';

function exits(r: RunResult, code: number, pattern?: RegExp): RunResult {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  if (pattern) expect(`${r.stdout}\n${r.stderr}`).toMatch(pattern);
  return r;
}
const json = (r: RunResult) => JSON.parse(r.stdout);

describe('k-of-n releases collected through the pending area of trust-tui server', () => {
  let server: TestServer;
  const hosts: Record<string, TrustTuiRunner> = {};

  afterAll(async () => {
    await server?.stop();
    await stopAllPeers();
  });

  const stockReleases = async (): Promise<string[]> => {
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile!);
    const r = ok(await notary(['list', REPO, '--roles', 'targets/releases']));
    expect(r.stderr).not.toMatch(/did not meet threshold/);
    return r.stdout.split('\n').map((l) => /^\s*(\S+)\s+[0-9a-f]{64}\s/.exec(l)?.[1]).filter((t): t is string => !!t && t !== 'NAME').sort();
  };
  const dockerTags = async (): Promise<string[]> => {
    const docker = dockerCli(await makeScratchDir('docker-observer'), server.url, server.caFile!);
    const r = ok(await docker(['trust', 'inspect', REPO]));
    return (JSON.parse(r.stdout)[0].SignedTags as { SignedTag: string }[]).map((t) => t.SignedTag).sort();
  };
  /** sha256 of what a raw GET of each TUF file answers (root, targets, snapshot, timestamp, delegations). */
  const rawTufFiles = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const role of ['root', 'targets', 'snapshot', 'timestamp', 'targets/releases', 'targets/alice', 'targets/bob', 'targets/carol']) {
      const res = await server.request('GET', `/v2/${REPO}/_trust/tuf/${role}.json`);
      out[role] = `${res.status} ${createHash('sha256').update(res.body).digest('hex')}`;
    }
    return out;
  };
  const delegationThreshold = async (role: string): Promise<string | undefined> => {
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile!);
    const out = ok(await notary(['delegation', 'list', REPO])).stdout;
    return new RegExp(`^\\s*${role.replace('/', '\\/')}\\s.*\\s([0-9a-f]{64})\\s+(\\d+)\\s*$`, 'm').exec(out)?.[2];
  };

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'carol']) {
      const docker = dockerCli(await makeScratchDir(`docker-${name}`), server.url, server.caFile!);
      hosts[name] = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
      ok(await hosts[name]!(['key', 'generate', name, '--dir', hosts[name]!.workDir]));
    }
    const alice = hosts.alice!;
    for (const name of ['bob', 'carol']) await copyFile(path.join(hosts[name]!.workDir, `${name}.pub`), path.join(alice.workDir, `${name}.pub`));
    ok(await alice(['init', REPO, '--signer', 'alice']));
    ok(await alice(['signer', 'add', REPO, 'bob', '--key', path.join(alice.workDir, 'bob.pub')]));
    ok(await alice(['signer', 'add', REPO, 'carol', '--key', path.join(alice.workDir, 'carol.pub'), '--threshold', '2']));
  }, 180_000);

  it('a 2-of-3 release collected from two hosts: stock clients see it only after submit, the TUF files never change meanwhile', async () => {
    const { alice, bob, carol } = hosts as Record<string, TrustTuiRunner>;
    const request = json(exits(await alice!(['--json', 'sign', `${REPO}:v1`, '--digest', DIGEST(1), '--size', '100']), 8)).request;
    expect(request).toMatchObject({ transport: 'server', status: '1 of 2 signed (alice) — waiting on 1 more: bob or carol' });
    expect(request.location).toBe(`${server.url}/v2/${REPO}/_trust/requests/${request.id}`);
    const staged = await rawTufFiles();
    expect([await stockReleases(), await dockerTags()]).toEqual([[], []]);

    // bob finds it on the server (no file), sees the change computed on his host, and approves.
    const listed = json(ok(await bob!(['--json', 'request', 'list', REPO]))).requests;
    expect(listed).toEqual([expect.objectContaining({ id: request.id, transport: 'server', location: request.location })]);
    expect(listed[0].evaluation.status).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    const shown = ok(await bob!(['request', 'show', request.id, '--repo', REPO])).stdout;
    expect(shown).toMatch(/\+ tag v1 sha256:1{64} \(100 bytes\)/);
    expect(shown).toContain(`on the server: ${request.location}`);
    const approved = ok(await bob!(['request', 'approve', request.id, '--repo', REPO, '--yes']));
    expect(approved.stdout).toContain('2 of 2 signed — ready to submit');

    // Everyone sees the same live copy: carol, who has touched nothing, and alice by the bare ID.
    exits(await carol!(['request', 'status', request.id, '--repo', REPO]), 0, /2 of 2 signed — ready to submit/);
    exits(await alice!(['request', 'status', request.id]), 0, /2 of 2 signed — ready to submit/);
    // Fully signed but not submitted: stock clients still read the same bytes and no v1.
    expect(await rawTufFiles()).toEqual(staged);
    expect([await stockReleases(), await dockerTags()]).toEqual([[], []]);

    const submitted = json(ok(await alice!(['--json', 'request', 'submit', request.id])));
    expect(submitted.published).toEqual(['targets/releases']);
    expect([await stockReleases(), await dockerTags()]).toEqual([['v1'], ['v1']]);
    // Who signed v1: info and verify give the same answer, bob's approval (releases alone) included.
    expect(json(ok(await carol!(['--json', 'info', `${REPO}:v1`]))).tags[0].signers).toEqual(['alice', 'bob']);
    expect(ok(await carol!(['verify', `${REPO}:v1`])).stdout).toContain('signed by alice, bob');
    // The export starts from the same facts: bob, who only approved, is one of v1's exporters, and
    // carol (no role file yet) is a signer who may export too.
    const read = await refresh(REPO, {
      client: new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(server.caFile!)] } }),
      cache: new TrustCache(await makeScratchDir('export-facts')),
      trustPolicy: { tofu: true },
    });
    expect(releasedTags(read).tags).toEqual([expect.objectContaining({ tag: 'v1', signers: ['alice', 'bob'] })]);
    expect(dctSigners(read).map((s) => s.name)).toEqual(['alice', 'bob', 'carol', REPO_ADMIN]);
    // What each one's exported signature names as its DCT role: alice's own, bob's approval of releases.
    const v1 = releasedTags(read).tags[0]!;
    expect(dctSigners(read).slice(0, 2).map((s) => provenanceRole(read, s, v1))).toEqual(['targets/alice', 'targets/releases']);
    // carol has signed nothing in her own role: the state says what "absent" means.
    expect(ok(await carol!(['info', REPO])).stdout).toMatch(/^carol\s.*absent \(no role file yet: signed nothing in its own role\)$/m);
    // The submitted request left the pending area for everyone; asked for by ID, it is said so (no advice to add the --repo given).
    expect(ok(await bob!(['request', 'list', REPO])).stdout).toBe('No signing requests here\n');
    expect(exits(await bob!(['request', 'status', request.id, '--repo', REPO]), 1).stderr.trim()).toBe(
      `trust-tui: no signing request ${request.id} here nor on the trust server of ${REPO} — see trust-tui request list ${REPO} (a submitted or cancelled request leaves the pending area); or give the request file`,
    );
  });

  it('two requests on one base: a second on the same roles is refused; one on other roles lands stale and rebases', async () => {
    const { alice, bob, carol } = hosts as Record<string, TrustTuiRunner>;
    const a = json(exits(await alice!(['--json', 'sign', `${REPO}:v2`, '--digest', DIGEST(2), '--size', '200']), 8)).request;
    // The same roles on the same base: one open request at a time, named in the refusal, which comes
    // before alice's own role is published (v3 is not left signed in targets/alice alone).
    const before = await rawTufFiles();
    const refused = exits(await alice!(['sign', `${REPO}:v3`, '--digest', DIGEST(3), '--size', '300']), 1, new RegExp(`v3 was not signed: request ${a.id} is already open for targets/releases on the same base, .*nothing was published`));
    expect(await rawTufFiles()).toEqual(before);
    // What to do then (the third test does it: signing v3 again once v2 landed opens its request).
    expect(refused.stderr).toContain(`— approve or cancel it (trust-tui request approve|cancel ${a.id} --repo ${REPO}), or sign ${REPO}:v3 once it has landed`);
    // Other roles (the parent too) on the same releases base: a second request.
    const b = json(exits(await alice!(['--json', 'role', 'threshold', REPO, 'releases', '3']), 8)).request;
    expect(b.location).toContain('/_trust/requests/');
    const ids = json(ok(await carol!(['--json', 'request', 'list', REPO]))).requests.map((r: { id: string }) => r.id).sort();
    expect(ids).toEqual([a.id, b.id].sort());

    ok(await bob!(['request', 'approve', a.id, '--repo', REPO, '--yes']));
    ok(await bob!(['request', 'submit', a.id, '--repo', REPO]));
    expect(await stockReleases()).toEqual(['v1', 'v2']);

    exits(await bob!(['request', 'status', b.id, '--repo', REPO]), 9, /stale: releases moved to v\d+ — rebase needed/);
    exits(await bob!(['request', 'submit', b.id, '--repo', REPO]), 9, /stale/);
    const rebased = json(exits(await alice!(['--json', 'request', 'rebase', b.id, '--repo', REPO]), 8));
    expect(rebased).toMatchObject({ transport: 'server' });
    expect(rebased.id).not.toBe(b.id);
    exits(await bob!(['request', 'approve', rebased.id, '--repo', REPO, '--yes']), 8, /2 of 3 signed — waiting on carol/);
    ok(await carol!(['request', 'approve', rebased.id, '--repo', REPO, '--yes']));
    ok(await carol!(['request', 'submit', rebased.id, '--repo', REPO]));
    expect(await delegationThreshold('targets/releases')).toBe('3');
    expect([await stockReleases(), await dockerTags()]).toEqual([['v1', 'v2'], ['v1', 'v2']]);
    // The stale request went with its rebase; nothing is left open.
    expect(json(ok(await alice!(['--json', 'request', 'list', REPO]))).requests).toEqual([]);
  });

  it('a signer working from a copy sends back a detached signature; merge adds it to the server\'s copy', async () => {
    const { alice, bob, carol } = hosts as Record<string, TrustTuiRunner>;
    // releases is 3 of 3 now.
    const request = json(exits(await alice!(['--json', 'sign', `${REPO}:v3`, '--digest', DIGEST(3), '--size', '300']), 8)).request;
    exits(await bob!(['request', 'approve', request.id, '--repo', REPO, '--yes']), 8, /2 of 3 signed — waiting on carol/);
    // carol receives the document by any channel (here: read from the server as alice could).
    const copy = path.join(carol!.workDir, `${request.id}.request.json`);
    await writeFile(copy, (await server.request('GET', `/v2/${REPO}/_trust/requests/${request.id}`)).body);
    const sig = path.join(carol!.workDir, 'carol.sig.json');
    const approved = ok(await carol!(['request', 'approve', copy, '--transport', 'file', '--yes', '--detach', sig]));
    expect(approved.stdout).toContain('3 of 3 signed — ready to submit');
    expect(approved.stdout).toContain(path.join(carol!.trustDir, 'trust-tui', 'requests'));
    // The server's copy still waits on carol until her signature is merged into it.
    exits(await bob!(['request', 'status', request.id, '--repo', REPO]), 8, /waiting on carol/);
    const merged = json(ok(await alice!(['--json', 'request', 'merge', sig])));
    expect(merged).toMatchObject({ id: request.id, transport: 'server', location: request.location, added: 1 });
    exits(await bob!(['request', 'status', request.id, '--repo', REPO]), 0, /3 of 3 signed — ready to submit/);
    ok(await bob!(['request', 'submit', request.id, '--repo', REPO]));
    expect(await dockerTags()).toEqual(['v1', 'v2', 'v3']);
  });

  it('request list and a bare request ID: a known repository whose server hangs costs seconds, is named in one line, and hides nothing', async () => {
    const { alice } = hosts as Record<string, TrustTuiRunner>;
    const request = json(exits(await alice!(['--json', 'sign', `${REPO}:v4`, '--digest', DIGEST(4), '--size', '400']), 8)).request;
    // A TLS server that completes the handshake and then never answers.
    const pki = await makePki(path.join(await makeScratchDir('hung-pki'), 'pki'));
    const hung = https.createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, () => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungUrl = `https://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      // dave (no DOCKER_CONTENT_TRUST_SERVER: each repository's server from his settings) once found
      // requests of both repositories in pending areas; the other one's server now hangs.
      const dave = trustTui();
      ok(await dave(['config', 'server', REPO, server.url, '--ca', server.caFile!]));
      ok(await dave(['config', 'server', 'registry.example.com/team/hung', hungUrl, '--ca', pki.caCert]));
      await mkdir(path.join(dave.trustDir, 'trust-tui', 'requests'), { recursive: true });
      await writeFile(path.join(dave.trustDir, 'trust-tui', 'requests', 'pending-area-repositories.json'), JSON.stringify({ repositories: ['registry.example.com/team/hung', REPO] }));
      const timed = async (args: string[]) => {
        const started = Date.now();
        const r = await dave(args, { timeoutMs: 60_000 });
        return { ...r, ms: Date.now() - started };
      };

      const listed = await timed(['--json', 'request', 'list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.ms).toBeLessThan(15_000);
      // The server that answers is read as usual (not reported unreachable, no cached fallback).
      expect(json(listed).requests).toEqual([expect.objectContaining({ id: request.id, evaluation: expect.objectContaining({ status: '1 of 3 signed — waiting on bob and carol' }) })]);
      const warnings = listed.stderr.trim().split('\n');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^WARNING: the signing requests of registry\.example\.com\/team\/hung on its trust server were not listed: GET https:\/\/127\.0\.0\.1:\d+\/v2\/\S* did not answer within 5s$/);
      expect(warnings[0]).toContain(hungUrl);
      expect(json(listed).unlisted).toEqual([{ gun: 'registry.example.com/team/hung', error: expect.stringMatching(/did not answer within 5s$/) }]);

      const status = await timed(['request', 'status', request.id]);
      expect(status.code, status.stderr).toBe(8);
      expect(status.stdout).toContain(`${request.id} ${REPO}: 1 of 3 signed — waiting on bob and carol`);
      expect(status.ms).toBeLessThan(15_000);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
      ok(await alice!(['request', 'cancel', request.id, '--yes']));
    }
  });

  it('request status --help states the exit codes the commands use (8 waiting, 9 stale or expired)', async () => {
    const help = ok(await hosts.bob!(['request', 'status', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('exit 0 ready or submitted, 8 waiting on signatures, 9 stale or expired');
  });

  it('a request whose deadline passed: listed as expired, refused in words (exit 9), and no longer blocks a new one', async () => {
    const { alice, bob } = hosts as Record<string, TrustTuiRunner>;
    const open = json(exits(await alice!(['--json', 'sign', `${REPO}:v5`, '--digest', DIGEST(5), '--size', '500']), 8)).request;
    // The same document with a deadline an hour ago, as the server keeps it once the week is over.
    const doc = (await server.request('GET', `/v2/${REPO}/_trust/requests/${open.id}`)).json() as Record<string, unknown>;
    // sign published v5 in alice's own role when it opened the request; cancelling says it stays there.
    expect(ok(await alice!(['request', 'cancel', open.id, '--yes'])).stdout).toContain(`  v5 stays signed in targets/alice: trust-tui revoke ${REPO}:v5 removes it`);
    const past = { ...doc, id: 'e0e0e0e0e0e0', deadline: new Date(Date.now() - 3_600_000).toISOString() };
    expect((await server.request('POST', `/v2/${REPO}/_trust/requests/`, { body: JSON.stringify(past), headers: { 'content-type': 'application/json' } })).status).toBe(201);

    expect(json(ok(await bob!(['--json', 'request', 'list', REPO]))).requests).toEqual([expect.objectContaining({ id: 'e0e0e0e0e0e0', evaluation: expect.objectContaining({ status: 'expired 1 h ago' }) })]);
    const refused = exits(await bob!(['request', 'approve', 'e0e0e0e0e0e0', '--repo', REPO, '--yes']), 9);
    expect(refused.stderr.trim()).toBe('trust-tui: request e0e0e0e0e0e0 expired 1 h ago — cancel it (trust-tui request cancel e0e0e0e0e0e0) or rebase it');
    exits(await bob!(['request', 'submit', 'e0e0e0e0e0e0', '--repo', REPO]), 9, /request e0e0e0e0e0e0 expired 1 h ago/);

    const reopened = json(exits(await alice!(['--json', 'sign', `${REPO}:v5`, '--digest', DIGEST(5), '--size', '500']), 8)).request;
    for (const id of [reopened.id, 'e0e0e0e0e0e0']) ok(await alice!(['request', 'cancel', id, '--repo', REPO, '--yes']));
  });
});


describe('a user with read-only access to a trust-tui server with a pending area', () => {
  let server: TestServer;
  afterAll(async () => {
    await server?.stop();
    await stopAllPeers();
  });

  it('request list says the requests were not listed and why, instead of a bare "no requests"', async () => {
    const dir = await makeScratchDir('read-only-pending');
    await writeFile(path.join(dir, 'htpasswd'), `alice:${bcrypt.hashSync('alice-pass', 4)}\n`);
    await writeFile(path.join(dir, 'htpasswd-read'), `dave:${bcrypt.hashSync('dave-pass', 4)}\n`);
    server = await startTestServer({ htpasswd: path.join(dir, 'htpasswd'), htpasswdReadOnly: path.join(dir, 'htpasswd-read') });
    // Credentials as docker keeps them: config.json `auths`, by the image's registry.
    const hostFor = async (name: string, password: string) => {
      const docker = dockerCli(await makeScratchDir(`docker-${name}`), server.url, server.caFile!);
      await writeFile(path.join(docker.dockerConfig, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth: Buffer.from(`${name}:${password}`).toString('base64') } } }));
      return trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    };
    const alice = await hostFor('alice', 'alice-pass');
    const dave = await hostFor('dave', 'dave-pass');
    const bob = trustTui();
    ok(await bob(['key', 'generate', 'bob', '--dir', bob.workDir]));
    ok(await alice(['init', REPO, '--signer', 'alice']));
    ok(await alice(['signer', 'add', REPO, 'bob', '--key', path.join(bob.workDir, 'bob.pub'), '--threshold', '2']));
    exits(await alice(['sign', `${REPO}:v1`, '--digest', DIGEST(1), '--size', '100']), 8);

    ok(await dave(['inspect', REPO])); // dave reads the repository: it is known on his host
    const listed = ok(await dave(['request', 'list']));
    expect(listed.stdout).toBe('No signing requests here\n');
    expect(listed.stderr.trim()).toBe(
      `WARNING: the signing requests of ${REPO} on its trust server were not listed: the trust server at ${server.url} refused to GET the pending requests of ${REPO}: signing requests need push access to the repository`,
    );
  });
});
