/**
 * Result messages say what the server now serves, read back and verified after publishing — every
 * role a command changed, and whether a tag is still released — not what was asked for. Two hosts on
 * the real notary-server, cross-checked with `docker trust inspect`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { dockerCli, makeScratchDir, startNotaryServer, stopAllPeers, type DockerRunner, type NotaryServer } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;

describe('result messages name every role changed, from the verified result', () => {
  let server: NotaryServer;
  let owner: TrustTuiRunner;
  let bob: TrustTuiRunner;
  let docker: DockerRunner;
  const repo = 'registry.example.test/team/results';

  const host = async () => {
    const tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.test/*', server.url, '--ca', server.caFile]));
    return tt;
  };
  const generate = async (tt: TrustTuiRunner, name: string) => {
    const key = JSON.parse(ok(await tt(['--json', 'key', 'generate', name, '--dir', tt.workDir])).stdout) as { id: string; publicKeyFile: string };
    return key;
  };

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    docker = dockerCli(await makeScratchDir('docker-config'), server.url, server.caFile);
    owner = await host();
    bob = await host();
    ok(await owner(['init', repo, '--signer', 'owner']));
    const bobKey = await generate(bob, 'bob');
    ok(await owner(['signer', 'add', repo, 'bob', '--key', bobKey.publicKeyFile]));
  });
  afterAll(() => server?.stop());

  it('revoke: a tag no longer released is reported as such, not as "still signed"', async () => {
    ok(await owner(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    ok(await bob(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    // bob's key signs targets/releases and targets/bob: revoking drops v1 from releases, so nothing
    // releases it any more, although targets/owner (whose key bob does not hold) still lists it.
    const r = ok(await bob(['revoke', `${repo}:v1`]));
    expect(r.stdout).toContain(`Successfully deleted signature for ${repo}:v1 from targets/releases, targets/bob`);
    expect(r.stdout).toContain('v1 is no longer released');
    expect(r.stdout).toContain('still signed in targets/owner, which does not release it');
    expect(r.stdout).not.toContain('Still signed in');
    expect(r.stdout).toMatch(/targets\/releases: no longer signs v1; re-signed/);
    expect(r.stdout).toMatch(/targets\/bob: no longer signs v1; re-signed/);
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(inspect[0].SignedTags).toEqual([]);

    // Released again by the owner alone; bob's revoke now only touches releases (targets/bob no longer has it).
    ok(await owner(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    const json = JSON.parse(ok(await bob(['--json', 'revoke', `${repo}:v1`])).stdout);
    expect(json).toMatchObject({ roles: ['targets/releases'], remaining: ['targets/owner'], released: false });
    expect(json.changes.map((c: { role: string }) => c.role)).toEqual(['targets/releases']);
  });

  it('signer remove-key: every role it changed is named, including another signer deleted with it', async () => {
    const shared = await generate(owner, 'shared');
    const carolOwn = await generate(owner, 'carol2');
    ok(await owner(['signer', 'add', repo, 'carol', '--key', shared.publicKeyFile, '--key', carolOwn.publicKeyFile]));
    ok(await owner(['signer', 'add', repo, 'dave', '--key', shared.publicKeyFile]));
    const r = ok(await owner(['signer', 'remove-key', repo, shared.id.slice(0, 12)]));
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Successfully removed key ${shared.id.slice(0, 7)} from ${repo}`);
    expect(r.stdout).toContain('targets/dave: deleted, with its signatures');
    expect(r.stdout).toMatch(new RegExp(`targets/carol: key\\(s\\) ${shared.id.slice(0, 7)} removed`));
    expect(r.stdout).toMatch(new RegExp(`targets/releases: key\\(s\\) ${shared.id.slice(0, 7)} removed`));
    expect(r.stdout).toMatch(/\n {2}targets: .*re-signed/);
    const signers = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout)[0].Signers.map((s: { Name: string }) => s.Name);
    expect(signers).not.toContain('dave');
    expect(signers).toContain('carol');

    const json = JSON.parse(ok(await owner(['--json', 'signer', 'add', repo, 'erin', '--key', path.join(owner.workDir, 'carol2.pub')])).stdout);
    expect(Object.fromEntries(json.changes.map((c: { role: string; outcome: string }) => [c.role, c.outcome]))).toEqual({
      targets: 're-signed',
      'targets/erin': 'added',
    });
  });
});
