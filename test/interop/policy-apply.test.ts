/**
 * `trust-tui policy apply` against the real notary-server 0.7, notary CLI and docker CLI, on
 * repositories the docker CLI made (`docker trust signer add` alice and bob; alice and bob each
 * publish one tag with the stock notary CLI, so releases ends up signed by bob only). The policy adds
 * carol (her public key file named in the policy) and raises releases to 2 of alice, bob, carol:
 * that threshold raise alone would hide both tags, so apply must re-sign releases in the same upload
 * (when this host holds two release keys) or open a signing request (when it holds one). A policy
 * that drops bob and targets/releases then shows, before applying, exactly the tags stock docker loses.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { dockerCli, httpRequest, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, TEST_PASSPHRASES, type DockerRunner, type NotaryServer, type RunResult } from '../helpers/peers.js';
import { runCommand } from '../helpers/proc.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const ALL_LOCAL = 'registry.example.com/team/all-local';
const ONE_MISSING = 'registry.example.com/team/one-missing';

function exits(r: RunResult, code: number, pattern?: RegExp): RunResult {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  if (pattern) expect(`${r.stdout}\n${r.stderr}`).toMatch(pattern);
  return r;
}

describe('policy apply on repositories made by docker trust signer add', () => {
  let server: NotaryServer;
  let work: string;
  const homes: Record<string, DockerRunner> = {};
  const ids: Record<string, string> = {};

  const policyFor = (repo: string) =>
    [
      'version: 1',
      'signers:',
      `  alice: { key: ${ids.alice} }`,
      `  bob:   { key: ${ids.bob} }`,
      `  carol: { key: ${ids.carol}, public: carol.pub }`,
      'repositories:',
      `  - match: ${repo}`,
      '    roles:',
      '      targets/releases: { signers: [alice, bob, carol], threshold: 2 }',
      '      targets/alice: { signers: [alice] }',
      '      targets/bob: { signers: [bob] }',
      '      targets/carol: { signers: [carol] }',
      '',
    ].join('\n');

  const serverFiles = async (repo: string) => {
    const out: Record<string, string> = {};
    for (const role of ['root', 'targets', 'snapshot', 'targets/releases']) {
      out[role] = (await httpRequest(`${server.url}/v2/${repo}/_trust/tuf/${role}.json`, { caFile: server.caFile })).text();
    }
    return out;
  };
  /** Tags of targets/releases and its threshold, as fresh stock clients see them. */
  const stock = async (repo: string) => {
    const notary = notaryCli(await makeScratchDir('observer'), server.url, server.caFile);
    const list = ok(await notary(['list', repo, '--roles', 'targets/releases']));
    const tags = list.stdout.split('\n').map((l) => /^\s*(\S+)\s+[0-9a-f]{64}\s/.exec(l)?.[1]).filter((t): t is string => !!t && t !== 'NAME');
    const delegations = ok(await notary(['delegation', 'list', repo])).stdout;
    const threshold = /^\s*targets\/releases\s.*\s(\d+)\s*$/m.exec(delegations)?.[1];
    const docker = dockerCli(await makeScratchDir('docker-observer'), server.url, server.caFile);
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout)[0];
    return {
      notaryTags: tags.sort(),
      notaryStderr: list.stderr,
      threshold,
      dockerTags: (inspect.SignedTags as { SignedTag: string }[]).map((t) => t.SignedTag).sort(),
      dockerSigners: (inspect.Signers as { Name: string }[]).map((s) => s.Name).sort(),
    };
  };

  async function makeRepo(admin: DockerRunner, repo: string) {
    for (const name of ['alice', 'bob']) ok(await admin(['trust', 'signer', 'add', '--key', path.join(work, `${name}.pub`), name, repo]));
    for (const [name, tag] of [['alice', 'v1'], ['bob', 'v2']] as const) {
      const notary = notaryCli(homes[name]!.trustDir, server.url, server.caFile);
      const manifest = path.join(work, `${tag}.json`);
      await writeFile(manifest, `{"fake":"manifest ${tag}"}\n`);
      ok(await notary(['add', repo, tag, manifest, '--roles', 'targets/releases', '--roles', `targets/${name}`]));
      ok(await notary(['publish', repo]));
    }
  }

  /** A trust-tui host over a docker home's trust directory, holding also the named signers' keys. */
  async function host(home: DockerRunner, extraKeys: string[]): Promise<TrustTuiRunner> {
    for (const name of extraKeys) await copyFile(path.join(homes[name]!.trustDir, 'private', `${ids[name]}.key`), path.join(home.trustDir, 'private', `${ids[name]}.key`));
    const tt = trustTui({ trustDir: home.trustDir, env: { DOCKER_CONTENT_TRUST_SERVER: server.url, DOCKER_CONFIG: home.dockerConfig } });
    await copyFile(path.join(work, 'carol.pub'), path.join(tt.workDir, 'carol.pub'));
    return tt;
  }

  /** Runs trust-tui on a terminal (a pty from util-linux `script`), typing `typed`. */
  const onTerminal = (tt: TrustTuiRunner, home: DockerRunner, args: string[], typed: string) => {
    const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, ...args].map(quote).join(' ');
    return runCommand('script', ['-qec', command, '/dev/null'], {
      cwd: tt.workDir,
      input: typed,
      env: {
        DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
        DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
        DOCKER_CONTENT_TRUST_SERVER: server.url,
        DOCKER_CONFIG: home.dockerConfig,
      },
    });
  };

  let allLocal: TrustTuiRunner;
  let oneMissing: TrustTuiRunner;
  let bob: TrustTuiRunner;

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    work = await makeScratchDir('policy-apply');
    for (const name of ['alice', 'bob', 'carol', 'admin1', 'admin2']) {
      homes[name] = dockerCli(path.join(await makeScratchDir(`${name}-home`), 'config'), server.url, server.caFile);
      if (name.startsWith('admin')) continue;
      ok(await homes[name]!(['trust', 'key', 'generate', name, '--dir', work]));
      ids[name] = readdirSync(path.join(homes[name]!.trustDir, 'private'))[0]!.replace(/\.key$/, '');
    }
    await makeRepo(homes.admin1!, ALL_LOCAL);
    await makeRepo(homes.admin2!, ONE_MISSING);
    allLocal = await host(homes.admin1!, ['alice', 'bob']);
    oneMissing = await host(homes.admin2!, ['alice']);
    bob = trustTui({ trustDir: homes.bob!.trustDir, env: { DOCKER_CONTENT_TRUST_SERVER: server.url, DOCKER_CONFIG: homes.bob!.dockerConfig } });
    await writeFile(path.join(allLocal.workDir, 'trust-policy.yaml'), policyFor(ALL_LOCAL));
    await writeFile(path.join(oneMissing.workDir, 'trust-policy.yaml'), policyFor(ONE_MISSING));
  });
  afterAll(() => server?.stop());

  it('--dry-run shows what apply would do and changes nothing on the server', async () => {
    const before = await serverFiles(ALL_LOCAL);
    const r = exits(await allLocal(['policy', 'apply', '--dry-run']), 2, /Dry run: nothing was changed\./);
    expect(r.stdout).toMatch(/publish\s+~ targets\/releases — targets key; re-signs targets\/releases in the same upload/);
    expect(r.stdout).toMatch(/publish\s+\+ targets\/carol \(carol\), threshold 1 — targets key/);
    // The plan's "apply opens a signing request" becomes what this host does: re-sign in the same upload.
    expect(r.stdout).toContain('→ this host signs it: targets + targets/releases version 3 in one upload');
    expect(r.stdout).not.toContain('apply opens a signing request');
    const json = JSON.parse(exits(await allLocal(['--json', 'policy', 'apply', '--dry-run']), 2).stdout);
    expect(json.dryRun).toBe(true);
    expect(json.repositories[0].steps.map((s: { action: string; change: { role: string } }) => `${s.action} ${s.change.role}`).sort()).toEqual(['publish targets/carol', 'publish targets/releases']);
    expect(await serverFiles(ALL_LOCAL)).toEqual(before);
    // Without carol's public key, what adds her is skipped, saying how to give it; --key gives it.
    await writeFile(path.join(allLocal.workDir, 'no-public.yaml'), policyFor(ALL_LOCAL).replace(', public: carol.pub', ''));
    const skipped = exits(await allLocal(['policy', 'apply', '-f', 'no-public.yaml', '--dry-run']), 2);
    expect(skipped.stdout).toMatch(/skip\s+\+ targets\/carol \(carol\), threshold 1 — no public key for carol \(\w{7}\): give it as public: FILE under the signer in the policy, or pass --key FILE/);
    expect(skipped.stdout).toContain('Apply: 0 to publish, 0 by signing request, 2 skipped');
    // The plan says so too, in apply's words.
    const planned = exits(await allLocal(['policy', 'plan', '-f', 'no-public.yaml']), 2);
    expect(planned.stdout).toMatch(/\+ targets\/carol \(carol\), threshold 1\n {6}skip — no public key for carol \(\w{7}\): give it as public: FILE under the signer in the policy, or pass --key FILE/);
    expect(planned.stdout).toContain('2 changes cannot be applied as the policy stands (see skip). Nothing applied.');
    const plannedJson = JSON.parse(exits(await allLocal(['--json', 'policy', 'plan', '-f', 'no-public.yaml']), 2).stdout);
    expect(plannedJson.changes.filter((c: { skip?: string }) => c.skip).map((c: { role: string }) => c.role).sort()).toEqual(['targets/carol', 'targets/releases']);
    expect(exits(await allLocal(['policy', 'plan']), 2).stdout).not.toContain('skip —'); // carol.pub is there
    exits(await allLocal(['policy', 'apply', '-f', 'no-public.yaml', '--key', 'carol.pub', '--dry-run']), 2, /Apply: 2 to publish, 0 by signing request, 0 skipped/);
    exits(await allLocal(['policy', 'apply', '-f', 'no-public.yaml', '--key', 'no-public.yaml', '--dry-run']), 1, /could not parse public key from file: no-public\.yaml/);
    // The root pin is the trust anchor: trust data under another root is refused, nothing applied.
    await writeFile(path.join(allLocal.workDir, 'other-root.yaml'), policyFor(ALL_LOCAL).replace('    roles:', `    root: { keys: [${'f'.repeat(64)}] }\n    roles:`));
    exits(await allLocal(['policy', 'apply', '-f', 'other-root.yaml', '-y']), 1, /is not the root the policy pins \(fffffff\); nothing from this trust data is used/);
    expect(await serverFiles(ALL_LOCAL)).toEqual(before);
    // Without a terminal and without -y, the threshold raise (it would hide tags if done alone) is refused.
    exits(await allLocal(['policy', 'apply']), 1, /no terminal to confirm on: nothing was changed/);
    expect(await serverFiles(ALL_LOCAL)).toEqual(before);
  });

  it('apply -y with every key on this host lands in one upload; plan then exits 0 and stock clients still see every tag', async () => {
    const r = exits(await allLocal(['policy', 'apply', '-y']), 0);
    expect(r.stdout).toMatch(/applied\s+~ targets\/releases/);
    expect(r.stdout).toMatch(/applied\s+\+ targets\/carol/);
    expect(r.stdout).toContain(`${ALL_LOCAL}: now in sync with the policy ✓ (read back from the server)`);
    exits(await allLocal(['policy', 'plan']), 0, /No changes: 1 repository matches the policy\./);
    const seen = await stock(ALL_LOCAL);
    expect(seen).toMatchObject({ notaryTags: ['v1', 'v2'], threshold: '2', dockerTags: ['v1', 'v2'], dockerSigners: ['alice', 'bob', 'carol'] });
    expect(seen.notaryStderr).not.toMatch(/threshold/i);
    // Applying again has nothing to do.
    exits(await allLocal(['policy', 'apply', '-y']), 0, /No changes: 1 repository matches the policy\./);
  });

  it('a policy that drops bob and targets/releases: --dry-run lists exactly the tags docker trust inspect then loses, and the FROM line', async () => {
    await writeFile(path.join(allLocal.workDir, 'alice-only.yaml'), ['version: 1', 'signers:', `  alice: { key: ${ids.alice} }`, 'repositories:', `  - match: ${ALL_LOCAL}`, '    roles:', '      targets/alice: { signers: [alice] }', ''].join('\n'));
    await writeFile(path.join(allLocal.workDir, 'Dockerfile'), `FROM ${ALL_LOCAL}:v2 AS base\nFROM registry.example.com/team/other:v1\n`);
    const args = ['policy', 'apply', '-f', 'alice-only.yaml', '--dockerfile', 'Dockerfile'];
    const files = await serverFiles(ALL_LOCAL);
    const dry = exits(await allLocal([...args, '--dry-run']), 2).stdout;
    expect(dry).toContain('Impact on docker pull of registry.example.com/team/all-local:');
    expect(dry).toContain('Tags that stop being pullable with content trust: v1, v2');
    expect(dry).toContain('containers already running keep running');
    expect(dry).toContain(`Dockerfile:1  FROM ${ALL_LOCAL}:v2 AS base  — v2 would no longer be pullable with content trust`);
    expect(dry).not.toContain('Dockerfile:2');
    const impact = JSON.parse(exits(await allLocal(['--json', ...args, '--dry-run']), 2).stdout).repositories[0].impact;
    expect(impact.dockerfiles.map((d: { line: number }) => d.line)).toEqual([1]);
    expect(await serverFiles(ALL_LOCAL)).toEqual(files);

    const docker = async () => {
      const observer = dockerCli(await makeScratchDir('docker-observer'), server.url, server.caFile);
      return (JSON.parse(ok(await observer(['trust', 'inspect', ALL_LOCAL])).stdout)[0].SignedTags as { SignedTag: string }[]).map((t) => t.SignedTag).sort();
    };
    const before = await docker();
    ok(await allLocal([...args, '-y']));
    const after = await docker();
    const lost = before.filter((t) => !after.includes(t));
    expect(lost).toEqual(['v1', 'v2']);
    expect(impact.lost.map((t: { tag: string }) => t.tag)).toEqual(lost);
  });

  it('with a release key missing, apply opens a signing request (exit 8); a second host approving and submitting brings it in sync', async () => {
    const before = await serverFiles(ONE_MISSING);
    // On a terminal, apply asks for the repository's name; another answer cancels (exit 3), nothing changes.
    const asked = exits(await onTerminal(oneMissing, homes.admin2!, ['policy', 'apply'], 'registry.example.com/team/other\n'), 3);
    expect(asked.stdout).toContain(`Type ${ONE_MISSING} to apply these changes:`);
    expect(asked.stdout).toMatch(/request\s+~ targets\/releases — signing request: targets\/releases needs 2 signature\(s\), this host holds 1 of its keys/);
    // The impact is the request's, computed with releases re-signed in it: nothing hides once it lands.
    expect(asked.stdout.replaceAll('\r', '')).toContain(`Impact on docker pull once the signing request is submitted (until then docker pull sees ${ONE_MISSING} as it is now):\n  Every pullable tag stays pullable as it is (2).\nType`);
    expect(asked.stdout).toContain('policy apply cancelled: nothing was changed');
    expect(asked.stdout).toContain('→ apply opens a signing request (targets + targets/releases version 3 in one upload); needs 2 of alice, bob, carol');
    expect(await serverFiles(ONE_MISSING)).toEqual(before);

    const r = exits(await oneMissing(['--json', 'policy', 'apply', '-y']), 8);
    const out = JSON.parse(r.stdout);
    expect(out.requests).toHaveLength(1);
    const request = out.requests[0];
    expect(request.status).toBe('1 of 2 signed (alice) — waiting on 1 more: bob or carol');
    expect(out.inSync).toBe(false);
    // Nothing was published: stock clients see the repository as it was, every tag still there.
    expect(await serverFiles(ONE_MISSING)).toEqual(before);
    expect(await stock(ONE_MISSING)).toMatchObject({ notaryTags: ['v1', 'v2'], threshold: '1', dockerTags: ['v1', 'v2'] });
    exits(await oneMissing(['policy', 'plan']), 2);

    const file = path.join(bob.workDir, path.basename(request.location));
    await copyFile(request.location, file);
    exits(await bob(['request', 'approve', file, '--yes']), 0, /every role signed — ready to submit/);
    ok(await bob(['request', 'submit', request.id]));

    exits(await oneMissing(['policy', 'plan']), 0, /No changes: 1 repository matches the policy\./);
    expect(await stock(ONE_MISSING)).toMatchObject({ notaryTags: ['v1', 'v2'], threshold: '2', dockerTags: ['v1', 'v2'], dockerSigners: ['alice', 'bob', 'carol'] });
  });
});
