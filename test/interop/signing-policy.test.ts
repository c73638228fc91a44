/**
 * `trust-tui policy init | plan | check` on a repository the docker CLI made against the real
 * notary-server 0.7: the admin adds alice and bob with `docker trust signer add`; each signer
 * publishes one tag from their own trust directory with the stock notary CLI (as `docker trust sign`
 * writes it: targets/releases + targets/<name>), so releases ends up signed by bob only. The plan's
 * text and JSON are golden files (key IDs and dates replaced by names).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ok } from '../helpers/expect.js';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const REPO = 'registry.example.com/team/app';
const GOLDEN = path.resolve(import.meta.dirname, '../fixtures/signing-policy');

describe('policy init, plan and check on a repository made by docker trust signer add', () => {
  let server: NotaryServer;
  let admin: DockerRunner;
  let tt: TrustTuiRunner;
  let work: string;
  /** Canonical key IDs by holder (docker's key file names), and the root key's. */
  const ids: Record<string, string> = {};

  /** Key IDs (full and 7-digit) -> <name>; dates and versions that vary -> fixed text. */
  const normalise = (text: string) => {
    let out = text;
    for (const [name, id] of Object.entries(ids)) out = out.replaceAll(id, `<${name}>`).replaceAll(id.slice(0, 7), `<${name}>`);
    return out.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>').replace(/expires in \d+y \d+d|expires in \d+y/g, 'expires in <time left>');
  };

  async function signerHome(name: string): Promise<DockerRunner> {
    const home = dockerCli(path.join(await makeScratchDir(`${name}-home`), 'config'), server.url, server.caFile);
    ok(await home(['trust', 'key', 'generate', name, '--dir', work]));
    ids[name] = readdirSync(path.join(home.trustDir, 'private'))[0]!.replace(/\.key$/, '');
    return home;
  }

  async function publishAs(home: DockerRunner, name: string, tag: string): Promise<void> {
    const notary = notaryCli(home.trustDir, server.url, server.caFile);
    const manifest = path.join(work, `${tag}.json`);
    writeFileSync(manifest, `{"fake":"manifest ${tag}"}\n`);
    ok(await notary(['add', REPO, tag, manifest, '--roles', 'targets/releases', '--roles', `targets/${name}`]));
    ok(await notary(['publish', REPO]));
  }

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    work = await makeScratchDir('signing-policy');
    admin = dockerCli(path.join(await makeScratchDir('admin-home'), 'config'), server.url, server.caFile);
    const alice = await signerHome('alice');
    const bob = await signerHome('bob');
    const carol = await signerHome('carol');
    void carol;
    for (const name of ['alice', 'bob']) ok(await admin(['trust', 'signer', 'add', '--key', path.join(work, `${name}.pub`), name, REPO]));
    const inspect = JSON.parse(ok(await admin(['trust', 'inspect', REPO])).stdout);
    const rootKey = readdirSync(path.join(admin.trustDir, 'private')).map((f) => f.replace(/\.key$/, ''));
    for (const id of rootKey) {
      const text = readFileSync(path.join(admin.trustDir, 'private', `${id}.key`), 'utf8');
      ids[/^role: root$/m.test(text) ? 'root' : 'repository'] = id;
    }
    ids['root-cert'] = inspect[0].AdministrativeKeys[0].Keys[0].ID;
    await publishAs(alice, 'alice', 'v1');
    await publishAs(bob, 'bob', 'v2');
    tt = trustTui({ env: { DOCKER_CONFIG: admin.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    await mkdir(path.join(tt.workDir, 'p'), { recursive: true });
  });
  afterAll(() => server?.stop());

  it('init writes the repository as it is (docker names, canonical key IDs, root pin); plan then exits 0', async () => {
    const file = path.join(tt.workDir, 'p', 'trust-policy.yaml');
    const r = ok(await tt(['policy', 'init', '--from', REPO, '-o', file]));
    expect(r.stdout).toContain(`Wrote ${file} from ${REPO}`);
    const policy = parseYaml(readFileSync(file, 'utf8'));
    expect(policy.signers).toEqual({ alice: { key: ids.alice }, bob: { key: ids.bob } });
    expect(policy.repositories[0]).toMatchObject({
      match: REPO,
      root: { keys: [ids.root] },
      roles: { 'targets/releases': { signers: ['alice', 'bob'] }, 'targets/alice': { signers: ['alice'] }, 'targets/bob': { signers: ['bob'] } },
    });
    const again = await tt(['policy', 'init', '--from', REPO, '-o', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; nothing was written/);

    const plan = ok(await tt(['policy', 'plan', '-f', file]));
    expect(plan.stdout).toContain('No changes: 1 repository matches the policy.');
    expect(plan.stdout).toContain('deployable: 2 of 2 tags meet released');
  });

  it('plan: threshold 2 with carol, team qa, bob role dropped — golden text and JSON, exit 2, nothing changed', async () => {
    const file = path.join(tt.workDir, 'p', 'team.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'signers:',
        `  alice: { key: ${ids.alice} }`,
        `  bob:   { key: ${ids.bob} }`,
        `  carol: { key: ${ids.carol} }`,
        'teams:',
        '  qa: [alice, bob]',
        'repositories:',
        '  - match: registry.example.com/team/*',
        `    root: { keys: [${ids.root}] }`,
        '    roles:',
        '      targets/releases: { signers: [alice, bob, carol], threshold: 2 }',
        '      targets/alice: { signers: [alice] }',
        '      targets/qa: { team: qa }',
        '    deployable: { all_of: [releases, alice] }',
        '    expiry: { min_remaining: { delegations: 5y } }',
        '',
      ].join('\n'),
    );
    const before = ok(await admin(['trust', 'inspect', REPO])).stdout;
    const text = await tt(['policy', 'plan', '-f', file, REPO]);
    expect(text.code, text.stderr).toBe(2);
    await expect(normalise(text.stdout)).toMatchFileSnapshot(path.join(GOLDEN, 'plan.txt'));
    const json = await tt(['--json', 'policy', 'plan', '-f', file, REPO]);
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout);
    await expect(normalise(JSON.stringify(parsed.changes, null, 2))).toMatchFileSnapshot(path.join(GOLDEN, 'plan-changes.json'));
    // What a later `apply` needs is in each change: the threshold raise hides both tags and names who must sign.
    const releases = parsed.changes.find((c: { role: string; op: string }) => c.role === 'targets/releases' && c.op === 'change');
    // Re-signed content needs the threshold afresh: bob's signature over version 2 does not count.
    expect(releases.needs).toEqual({ k: 2, from: ['alice', 'bob', 'carol'] });
    expect(releases.impact.hiddenTags.sort()).toEqual(['v1', 'v2']);
    // A plan changes nothing.
    expect(ok(await admin(['trust', 'inspect', REPO])).stdout).toBe(before);
  });

  it('check: v1 meets all_of[releases, alice]; v2 waits on alice (exit 2); JSON says who is missing', async () => {
    const file = path.join(tt.workDir, 'p', 'team.yaml');
    const v1 = ok(await tt(['policy', 'check', '-f', file, `${REPO}:v1`]));
    expect(v1.stdout).toMatch(/:v1 {3}deployable ✓ {3}meets all_of\[releases, alice\]/);
    const v2 = await tt(['policy', 'check', '-f', file, `${REPO}:v2`]);
    expect(v2.code).toBe(2);
    expect(v2.stdout).toMatch(/:v2 {3}not deployable ✗ {3}1 of 2 required roles sign the same digest; waits on alice$/m);
    const all = await tt(['--json', 'policy', 'check', '-f', file, REPO]);
    expect(all.code).toBe(2);
    const out = JSON.parse(all.stdout);
    expect(out.deployable).toBe(false);
    expect(out.tags.map((t: { tag: string; deployable: boolean }) => [t.tag, t.deployable])).toEqual([['v1', true], ['v2', false]]);
    expect(out.tags[1].missing).toEqual([{ role: 'targets/alice', signers: ['alice'] }]);
  });

  it('verify --policy: the policy\'s rule decides where docker\'s would pass (v2 is released, but alice has not signed it)', async () => {
    const file = path.join(tt.workDir, 'p', 'team.yaml');
    // docker's rule: both tags are released.
    ok(await tt(['verify', `${REPO}:v1`, `${REPO}:v2`]));
    const r = await tt(['verify', '--policy', file, `${REPO}:v1`, `${REPO}:v2`]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toMatch(/:v1 .*signed/);
    expect(r.stdout).toMatch(/v2: 1 of 2 required roles sign the same digest; waits on alice/);
    expect(r.stdout).toContain(`1 of 2 images signed as required (policy ${file})`);
    const json = JSON.parse((await tt(['--json', 'verify', '--policy', file, `${REPO}:v2`])).stdout);
    expect(json.images[0]).toMatchObject({ reason: 'policy-not-met', missing: ['alice'], requirement: `policy ${file}` });
  });

  it('verify --policy with no entry for the image says docker\'s rule judged it (a pattern with a typo must be seen)', async () => {
    const file = path.join(tt.workDir, 'p', 'other.yaml');
    const team = readFileSync(path.join(tt.workDir, 'p', 'team.yaml'), 'utf8');
    expect(team).toContain('match: registry.example.com/team/*');
    writeFileSync(file, team.replace('match: registry.example.com/team/*', 'match: registry.example.com/teams/*'));
    const r = ok(await tt(['verify', '--policy', file, `${REPO}:v2`]));
    expect(r.stdout).toContain(`[released: no entry of ${file} matches ${REPO}]`);
    expect(r.stdout).toContain(`1 of 1 images signed as required (policy ${file}); 1 judged by docker's release rule: no entry of the policy matches it`);
    const json = JSON.parse(ok(await tt(['--json', 'verify', '--policy', file, `${REPO}:v2`])).stdout);
    expect(json.images[0]).toMatchObject({ status: 'signed', requirement: `released: no entry of ${file} matches ${REPO}` });
  });

  it('a schema error names the file and line, exits 1', async () => {
    const file = path.join(tt.workDir, 'p', 'bad.yaml');
    writeFileSync(file, `version: 1\nsigners:\n  alice: { key: ${ids.alice} }\nrepositories:\n  - match: ${REPO}\n    roles:\n      targets/releases: { signers: [alice], threshold: 2 }\n`);
    const r = await tt(['policy', 'plan', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:7:`);
    expect(r.stderr).toMatch(/threshold 2 can never be met: its signers hold 1 distinct key/);
  });

  it('a root that is not the pinned one is refused: plan exits 1, check too, nothing planned from it', async () => {
    const file = path.join(tt.workDir, 'p', 'other-root.yaml');
    writeFileSync(file, `version: 1\nrepositories:\n  - match: ${REPO}\n    root: { keys: [${ids.alice}] }\n`);
    const plan = await tt(['policy', 'plan', '-f', file]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(`${REPO}   could not be read: ${REPO}: root key ${ids.root!.slice(0, 7)} is not the root the policy pins (${ids.alice!.slice(0, 7)})`);
    const check = await tt(['policy', 'check', '-f', file, `${REPO}:v1`]);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/is not the root the policy pins .*; nothing from this trust data is used — if the root key was rotated on purpose/);
  });

  it('on a fresh trust directory the pin is the trust anchor: a wrong pin is refused before anything is cached; the right one works without TOFU', async () => {
    const fresh = trustTui({ env: { DOCKER_CONFIG: admin.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    ok(await fresh(['config', 'tofu', 'disable']));
    const wrong = path.join(fresh.workDir, 'wrong-root.yaml');
    const right = path.join(fresh.workDir, 'right-root.yaml');
    writeFileSync(wrong, `version: 1\nrepositories:\n  - match: ${REPO}\n    root: { keys: [${ids.alice}] }\n`);
    writeFileSync(right, `version: 1\nrepositories:\n  - match: ${REPO}\n    root: { keys: [${ids.root}] }\n`);
    const cached = path.join(fresh.trustDir, 'tuf', ...REPO.split('/'));
    const refusal = `the root of ${REPO} is not signed by the root key ${wrong} pins (pinned: ${ids.alice!.slice(0, 7)})`;

    const plan = await fresh(['policy', 'plan', '-f', wrong]);
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toContain(refusal);
    const check = await fresh(['policy', 'check', '-f', wrong, `${REPO}:v1`]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(refusal);
    const verify = await fresh(['--json', 'verify', '--policy', wrong, `${REPO}:v1`]);
    expect(verify.code).not.toBe(0);
    expect(JSON.parse(verify.stdout).images[0].message).toContain(refusal);
    expect(existsSync(cached), 'nothing of the refused root is cached').toBe(false);

    // The right pin anchors the first contact even with TOFU disabled; the trust data is then cached.
    ok(await fresh(['policy', 'check', '-f', right, `${REPO}:v1`]));
    ok(await fresh(['verify', '--policy', right, `${REPO}:v1`]));
    expect(existsSync(path.join(cached, 'metadata', 'root.json'))).toBe(true);
    // Without the policy, TOFU is still off for this host: only the cached root is used now.
    ok(await fresh(['verify', `${REPO}:v1`]));
  });
});
