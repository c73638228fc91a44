/**
 * The impact preview tells the truth, against the real notary-server 0.7 and the stock clients: a
 * repository made with `docker trust signer add` (alice the only signer; v1 and v2 released by her
 * with the notary CLI, as `docker trust sign` writes them; v0 and another image for v2 signed by the
 * repository owner into targets). `signer remove --dry-run` lists the tags docker would lose and the
 * FROM line that would break, and changes no byte on the server; the real removal then makes stock
 * `docker trust inspect` and `notary list` lose exactly those tags.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { dockerCli, httpRequest, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, type DockerRunner, type NotaryServer } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const REPO = 'registry.example.com/team/app';
const ROLES = ['root', 'targets', 'snapshot', 'timestamp', 'targets/releases', 'targets/alice'];

interface InspectRow {
  SignedTag: string;
  Digest: string;
  Signers: string[];
}

describe('signer remove --dry-run on a repository made by docker', () => {
  let server: NotaryServer;
  let admin: DockerRunner;
  let tt: TrustTuiRunner;
  let work: string;
  let dockerfile: string;

  const served = async () => {
    const out: Record<string, string> = {};
    for (const role of ROLES) out[role] = (await httpRequest(`${server.url}/v2/${REPO}/_trust/tuf/${role}.json`, { caFile: server.caFile })).text();
    return out;
  };
  const inspect = async () => (JSON.parse(ok(await admin(['trust', 'inspect', REPO])).stdout)[0].SignedTags as InspectRow[]).map((r) => `${r.SignedTag} ${r.Digest.slice(0, 12)}`).sort();
  const notaryList = async () => {
    const notary = notaryCli(admin.trustDir, server.url, server.caFile);
    return ok(await notary(['list', REPO])).stdout.split('\n').slice(2).map((l) => l.trim().split(/\s+/)[0]).filter(Boolean).sort();
  };
  const manifest = (name: string) => {
    const file = path.join(work, `${name}.json`);
    writeFileSync(file, `{"fake":"manifest ${name}"}\n`);
    return file;
  };

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    work = await makeScratchDir('impact');
    admin = dockerCli(path.join(await makeScratchDir('impact-admin'), 'config'), server.url, server.caFile);
    const aliceHome = dockerCli(path.join(await makeScratchDir('impact-alice'), 'config'), server.url, server.caFile);
    ok(await aliceHome(['trust', 'key', 'generate', 'alice', '--dir', work]));
    ok(await admin(['trust', 'signer', 'add', '--key', path.join(work, 'alice.pub'), 'alice', REPO]));
    const alice = notaryCli(aliceHome.trustDir, server.url, server.caFile);
    for (const tag of ['v1', 'v2']) ok(await alice(['add', REPO, tag, manifest(tag), '--roles', 'targets/releases', '--roles', 'targets/alice']));
    ok(await alice(['publish', REPO]));
    const owner = notaryCli(admin.trustDir, server.url, server.caFile);
    ok(await owner(['add', REPO, 'v0', manifest('v0')]));
    ok(await owner(['add', REPO, 'v2', manifest('v2 by the owner')]));
    ok(await owner(['publish', REPO]));
    tt = trustTui({ trustDir: admin.trustDir, env: { DOCKER_CONFIG: admin.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    dockerfile = path.join(work, 'Dockerfile');
    writeFileSync(dockerfile, ['FROM golang:1.22 AS build', `FROM ${REPO}:v1`, `FROM ${REPO}:v0`, ''].join('\n'));
    expect(readdirSync(path.join(admin.trustDir, 'private')).length).toBeGreaterThan(0);
  });
  afterAll(() => server?.stop());

  it('--dry-run names the lost and changed tags, the broken FROM line and the running-containers rule, and changes nothing', async () => {
    const before = await served();
    const inspectBefore = await inspect();
    const text = await tt(['signer', 'remove', REPO, 'alice', '--dry-run', '--dockerfile', dockerfile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Dry run: removing signer alice from ${REPO} would change (nothing was changed):`);
    expect(text.stdout).toContain('Tags that stop being pullable with content trust: v1');
    expect(text.stdout).toMatch(/v2 would pull a different image/);
    expect(text.stdout).toContain('containers already running keep running');
    expect(text.stdout).toContain('cannot pull it with DOCKER_CONTENT_TRUST=1');
    expect(text.stdout).toContain(`${dockerfile}:2  FROM ${REPO}:v1  — v1 would no longer be pullable with content trust`);
    expect(text.stdout).not.toContain(`${dockerfile}:3`);
    expect(text.stdout).toMatch(/the repository owner must add a signer/);
    expect(text.stdout).toMatch(/Without --force this is refused \(the impact above is what --force would do\): removing signer alice would delete targets\/releases/);

    const json = await tt(['--json', 'signer', 'remove', REPO, 'alice', '--dry-run', '--force', '--dockerfile', dockerfile]);
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.dryRun).toBe(true);
    expect(r.refusal).toBeUndefined();
    expect(r.impact.lost.map((t: { tag: string }) => t.tag)).toEqual(['v1']);
    expect(r.impact.changed.map((t: { tag: string }) => t.tag)).toEqual(['v2']);
    expect(r.impact.unchanged).toEqual(['v0']);
    expect(r.impact.dockerfiles).toEqual([expect.objectContaining({ file: dockerfile, line: 2, tag: 'v1', reason: 'not-pullable' })]);

    expect(await served()).toEqual(before);
    expect(await inspect()).toEqual(inspectBefore);
  });

  it('revoke --dry-run and the sweep dry run answer in the same terms, and change nothing', async () => {
    const before = await served();
    const revoke = JSON.parse(ok(await tt(['--json', 'revoke', `${REPO}:v0`, '--dry-run', '--dockerfile', dockerfile])).stdout);
    expect(revoke).toMatchObject({ dryRun: true, roles: ['targets'] });
    expect(revoke.impact.lost.map((t: { tag: string }) => t.tag)).toEqual(['v0']);
    expect(revoke.impact.dockerfiles).toEqual([expect.objectContaining({ line: 3, tag: 'v0', reason: 'not-pullable' })]);
    expect(revoke.impact.repair[0].text).toMatch(/must sign v0 .* into targets\/releases/);

    // Removing alice would delete targets/releases: a plain sweep refuses it there (as signer remove),
    // --force previews the loss.
    const refused = await tt(['sweep', 'signer', 'alice', '--repo', REPO, '--dry-run']);
    expect(refused.stdout).toContain('refused: removing signer alice would delete targets/releases');
    expect(refused.stdout).not.toContain('What docker pull would do afterwards:');
    // Run for real, every repository refuses: no question to type the name, exit 1, nothing changed.
    const run = await tt(['sweep', 'signer', 'alice', '--repo', REPO], { input: 'alice\n' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('every repository above refuses the removal (see CHANGE): nothing was changed; add --force');
    expect(run.stderr).not.toContain('Type alice');
    const sweep = await tt(['sweep', 'signer', 'alice', '--repo', REPO, '--dry-run', '--force']);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stdout).toContain('What docker pull would do afterwards:');
    expect(sweep.stdout).toContain(`${REPO}: Tags that stop being pullable with content trust: v1`);
    expect(sweep.stdout).toContain('containers already running keep running');
    expect(await served()).toEqual(before);
  });

  it('the real removal makes docker trust inspect and notary list lose exactly the previewed tags', async () => {
    const preview = JSON.parse(ok(await tt(['--json', 'signer', 'remove', REPO, 'alice', '--dry-run', '--force'])).stdout);
    const inspectBefore = await inspect();
    const listBefore = await notaryList();
    expect(listBefore).toEqual(['v0', 'v1', 'v2']);
    ok(await tt(['signer', 'remove', REPO, 'alice', '--force', '--yes']));
    const inspectAfter = await inspect();
    const tagsOf = (rows: string[]) => [...new Set(rows.map((r) => r.split(' ')[0]))];
    const lost = tagsOf(inspectBefore).filter((t) => !tagsOf(inspectAfter).includes(t));
    expect(lost).toEqual(preview.impact.lost.map((t: { tag: string }) => t.tag));
    expect(await notaryList()).toEqual(['v0', 'v2']);
    // v2 is now the owner's image, as the preview said.
    const v2 = preview.impact.changed[0].after.slice('sha256:'.length, 'sha256:'.length + 12);
    expect(inspectAfter).toContain(`v2 ${v2}`);
  });
});
