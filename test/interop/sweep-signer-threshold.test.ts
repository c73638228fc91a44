/**
 * `sweep signer` in a repository whose releases need two signatures: a contributor who left is
 * removed as `signer remove` removes them. Where targets/releases then lacks signatures only other
 * signers can add, a signing request collects them and every released tag stays pullable; `--force`
 * (what `sweep key` always does for a compromised key) would publish at once and says which tags go.
 */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { dockerCli, makeScratchDir, stopAllPeers, type RunResult } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const REPO = 'registry.example.com/team/sweep-k-of-n';
const DIGEST = `sha256:${'5'.repeat(64)}`;

function exits(r: RunResult, code: number): RunResult {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  return r;
}

type Hosts = { alice: TrustTuiRunner; bob: TrustTuiRunner; carol: TrustTuiRunner };

describe('sweep signer in a 2-of-n repository', () => {
  let server: TestServer;
  const hosts: Record<string, TrustTuiRunner> = {};
  const released = async () => exits(await hosts.carol!(['verify', `${REPO}:v1`]), 0);

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'carol']) {
      const docker = dockerCli(await makeScratchDir(`docker-${name}`), server.url, server.caFile!);
      hosts[name] = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
      ok(await hosts[name]!(['key', 'generate', name, '--dir', hosts[name]!.workDir]));
    }
    const { alice, bob } = hosts as Hosts;
    for (const name of ['bob', 'carol']) await copyFile(path.join(hosts[name]!.workDir, `${name}.pub`), path.join(alice.workDir, `${name}.pub`));
    ok(await alice(['init', REPO, '--signer', 'alice']));
    ok(await alice(['signer', 'add', REPO, 'bob', '--key', path.join(alice.workDir, 'bob.pub')]));
    ok(await alice(['signer', 'add', REPO, 'carol', '--key', path.join(alice.workDir, 'carol.pub'), '--threshold', '2']));
    // v1 released with the signatures of alice and bob.
    const request = JSON.parse(exits(await alice(['--json', 'sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '100']), 8).stdout).request;
    ok(await bob(['request', 'approve', request.id, '--repo', REPO, '--yes']));
    ok(await bob(['request', 'submit', request.id, '--repo', REPO]));
    await released();
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await stopAllPeers();
  });

  it('removing bob opens a signing request instead of taking v1 away from docker pull', async () => {
    const { alice } = hosts as Hosts;
    // Forced, as sweep key always is: releases is published with alice's signature alone, and v1 goes.
    const forced = JSON.parse(ok(await alice(['--json', 'sweep', 'signer', 'bob', '--force', '--dry-run'])).stdout);
    expect(forced.items.find((i: { role: string }) => i.role === 'targets/releases')).toMatchObject({ outcome: 'unverifiable', tags: [{ tag: 'v1', losesLastSignature: true }] });

    const plan = JSON.parse(ok(await alice(['--json', 'sweep', 'signer', 'bob', '--dry-run'])).stdout);
    const releases = plan.items.find((i: { role: string }) => i.role === 'targets/releases');
    expect(releases).toMatchObject({ outcome: 're-signed through a signing request' });
    expect(releases.tags).toEqual([{ tag: 'v1', losesLastSignature: false }]);

    const run = exits(await alice(['--json', 'sweep', 'signer', 'bob', '-y']), 8);
    const outcome = JSON.parse(run.stdout).outcomes[0];
    expect(outcome).toMatchObject({ gun: REPO, status: 'requested' });
    expect(outcome.message).toMatch(/^signing request [0-9a-f]+ opened: 1 of 2 signed — waiting on carol$/);
    expect(run.stderr).toContain('until it is submitted');
    // Nothing was published: bob is still a signer, and v1 is still released.
    await released();
    const signers = JSON.parse(ok(await alice(['--json', 'signer', 'list', REPO])).stdout);
    expect(JSON.stringify(signers)).toContain('bob');

    // Run again while that request waits: it is the sweep's state there, not a failure to retry.
    const again = exits(await alice(['--json', 'sweep', 'signer', 'bob', '-y']), 8);
    expect(JSON.parse(again.stdout).outcomes[0]).toMatchObject({ gun: REPO, status: 'requested', message: expect.stringContaining('already open') });

    // carol approves and submits: bob is gone, v1 stays released.
    const { carol } = hosts as Hosts;
    const id = /request ([0-9a-f]+)/.exec(outcome.message)![1]!;
    ok(await carol(['request', 'approve', id, '--repo', REPO, '--yes']));
    ok(await carol(['request', 'submit', id, '--repo', REPO]));
    await released();
    expect(ok(await carol(['signer', 'list', REPO])).stdout).not.toMatch(/\bbob\b/);
  });

  it('a removal that lowers a k-of-n threshold says so in the dry run and asks first', async () => {
    const { alice } = hosts as Hosts;
    // releases now needs 2 of alice and carol: without carol one key is left, and 1 signature would do.
    const dry = ok(await alice(['signer', 'remove', REPO, 'carol', '--dry-run'])).stdout;
    expect(dry).toMatch(/leaves targets\/releases; .*; its threshold drops from 2 to 1 \(1 key left\)/);
    const sweep = JSON.parse(ok(await alice(['--json', 'sweep', 'signer', 'carol', '--force', '--dry-run'])).stdout);
    expect(sweep.items.find((i: { role: string }) => i.role === 'targets/releases').outcome).toContain('its threshold drops from 2 to 1 (1 key left)');
    const asked = await alice(['signer', 'remove', REPO, 'carol']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain('lowers how many signatures a release needs: targets/releases: its threshold drops from 2 to 1');
    expect(asked.stderr).toContain('nothing was changed');
    expect(ok(await alice(['signer', 'list', REPO])).stdout).toMatch(/\bcarol\b/);
  });
});
