/**
 * The compromised-key sweep from the command line: dry run, typed confirmation (a refusal changes
 * nothing), removal from every known repository on two different trust servers (the real
 * notary-server and trust-tui's own), and an interrupted sweep finished by running it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { dockerCli, makeScratchDir, startNotaryServer, stopAllPeers, type DockerRunner, type NotaryServer } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

const A = 'registry.example.com/team/a';
const B = 'registry.example.com/team/b';
const DIGEST = `sha256:${'cd'.repeat(32)}`;


describe('sweep', () => {
  let notaryServer: NotaryServer;
  let ours: RunningServer;
  const oursData = mkdtempSync(path.join(tmpdir(), 'trust-tui-sweep-server-'));
  let tt: TrustTuiRunner;
  let docker: DockerRunner;
  let mallory: string;

  const startOurs = async () => {
    ours = await startServer({ listen: '127.0.0.1:0', dataDir: oursData, passphrase: 'server-pass-123' });
    ok(await tt(['config', 'server', B, ours.url, '--ca', ours.caFile!]));
  };
  const signersOf = async (repo: string) =>
    (JSON.parse(ok(await tt(['inspect', repo])).stdout)[0].Signers as { Name: string; Keys: { ID: string }[] }[]);

  beforeAll(async () => {
    notaryServer = await startNotaryServer({ signer: 'local' });
    tt = trustTui();
    docker = dockerCli(await makeScratchDir('sweep-docker'), notaryServer.url, notaryServer.caFile);
    ok(await tt(['config', 'server', A, notaryServer.url, '--ca', notaryServer.caFile]));
    await startOurs();
    for (const repo of [A, B]) ok(await tt(['init', repo, '--signer', 'owner']));
    mallory = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'mallory'])).stdout).id;
    for (const repo of [A, B]) {
      ok(await tt(['signer', 'add', repo, 'mallory', '--key', path.join(tt.workDir, 'mallory.pub')]));
      ok(await tt(['sign', `${repo}:v1`, '--digest', DIGEST, '--size', '100']));
    }
  });

  afterAll(async () => {
    await ours?.close();
    await stopAllPeers();
    rmSync(oursData, { recursive: true, force: true });
  });

  it('dry run lists every repository and role the key is in, and changes nothing', async () => {
    const plan = JSON.parse(ok(await tt(['--json', 'sweep', 'key', mallory.slice(0, 12), '--dry-run'])).stdout);
    const rows = plan.items.map((i: { gun: string; role: string }) => `${i.gun} ${i.role}`).sort();
    expect(rows).toEqual([`${A} targets/mallory`, `${A} targets/releases`, `${B} targets/mallory`, `${B} targets/releases`]);
    expect(plan.confirmText).toBe(mallory.slice(0, 7));
    const refused = await tt(['sweep', 'key', mallory.slice(0, 12)], { input: 'nope\n' });
    expect(refused.code).toBe(3);
    const ended = await tt(['sweep', 'key', mallory.slice(0, 12)], { input: '' });
    expect(ended.code, ended.stderr).toBe(1);
    expect(ended.stderr.trim().split('\n').at(-1)).toBe('trust-tui: no answer because standard input ended: nothing was changed — pass -y (--yes) to confirm without a prompt');
    expect((await signersOf(A)).map((s) => s.Name)).toContain('mallory');
  });

  it('an interrupted sweep finishes when run again, and the key is gone everywhere', async () => {
    await ours.close(); // B's server goes down mid-way
    const first = await tt(['sweep', 'key', mallory, '-y']);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/run the same sweep again/);
    expect((await signersOf(A)).map((s) => s.Name)).not.toContain('mallory');
    // docker agrees for A, and v1 stays released (re-signed with the owner key this host holds).
    const dockerView = JSON.parse(ok(await docker(['trust', 'inspect', A])).stdout)[0];
    expect(dockerView.Signers.map((s: { Name: string }) => s.Name)).toEqual(['owner']);
    expect(dockerView.SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['v1']);

    await startOurs();
    const second = JSON.parse(ok(await tt(['--json', 'sweep', 'key', mallory, '-y'])).stdout);
    expect(second.outcomes).toEqual(
      expect.arrayContaining([
        { gun: A, status: 'already-done' },
        { gun: B, status: 'done' },
      ]),
    );
    for (const repo of [A, B]) {
      const signers = await signersOf(repo);
      expect(signers.flatMap((s) => s.Keys.map((k) => k.ID))).not.toContain(mallory);
    }
    const again = ok(await tt(['sweep', 'key', mallory, '-y']));
    expect(again.stdout).toMatch(/Nothing to do|already/i);
  });

  it('"a contributor left": removes a signer from every repository', async () => {
    ok(await tt(['key', 'generate', 'dave']));
    for (const repo of [A, B]) ok(await tt(['signer', 'add', repo, 'dave', '--key', path.join(tt.workDir, 'dave.pub')]));
    ok(await tt(['sweep', 'signer', 'dave'], { input: 'dave\n' }));
    for (const repo of [A, B]) expect((await signersOf(repo)).map((s) => s.Name)).not.toContain('dave');
  });
});
