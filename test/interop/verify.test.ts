/**
 * `trust-tui verify` and `verify --dockerfile` against the real notary-server 0.7 and docker-registry,
 * on repositories the docker and notary CLIs made: exit 0 only for what `docker pull` with content
 * trust would accept (cross-checked with `docker trust inspect`), 7 with one line naming who is
 * missing otherwise, 1 when nothing can be read, 2 for usage errors.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { KeyStore } from '../../src/keys/index.js';
import { ScriptedPassphraseSource } from '../../src/keys/passphrase.js';
import type { TrustContext } from '../../src/trust/context.js';
import { editableState, unlockFor } from '../../src/trust/publish.js';
import { openRepository } from '../../src/trust/repository.js';
import { RepositoryEditor } from '../../src/tuf/editor.js';
import { GoTime } from '../../src/tuf/time.js';
import { ok } from '../helpers/expect.js';
import { pushTestImage } from '../helpers/images.js';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  startRegistry,
  stopAllPeers,
  TEST_PASSPHRASES,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
  type Registry,
} from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

describe('verify on real peers', () => {
  let server: NotaryServer;
  let registry: Registry;
  let docker: DockerRunner;
  let notary: NotaryRunner;
  let tt: TrustTuiRunner;
  let app: string;
  let team: string;
  const images: Record<string, { digest: string; size: number }> = {};

  const addhash = (repo: string, tag: string, roles: string[]) =>
    notary(['addhash', repo, tag, String(images[tag]!.size), '--sha256', images[tag]!.digest.slice(7), ...roles.flatMap((r) => ['--roles', r])]);

  beforeAll(async () => {
    [server, registry] = await Promise.all([startNotaryServer({ signer: 'local' }), startRegistry()]);
    app = `${registry.host}/team/app`;
    team = `${registry.host}/team/threshold`;
    const dockerConfig = await makeScratchDir('docker-config');
    docker = dockerCli(dockerConfig, server.url, server.caFile);
    notary = notaryCli(docker.trustDir, server.url, server.caFile);
    // A fresh trust directory: trust-tui reads everything from the server, as a CI job does.
    tt = trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });

    for (const tag of ['v1', 'v2', 'v3', 'moved']) images[tag] = await pushTestImage(registry, 'team/app', tag);
    // alice's key lives with the repository owner's; bob's on his own host (so it never signs here).
    const bobHost = dockerCli(await makeScratchDir('docker-config-bob'), server.url, server.caFile);
    ok(await docker(['trust', 'key', 'generate', 'alice', '--dir', docker.workDir]));
    ok(await bobHost(['trust', 'key', 'generate', 'bob', '--dir', bobHost.workDir]));
    for (const repo of [app, team]) {
      ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, 'alice.pub'), 'alice', repo]));
      ok(await docker(['trust', 'signer', 'add', '--key', path.join(bobHost.workDir, 'bob.pub'), 'bob', repo]));
    }
    // v1 released by alice; v2 only in alice's own role (docker pull ignores it); `moved` is signed,
    // then the registry tag is pushed again with other content.
    ok(await addhash(app, 'v1', ['targets/releases', 'targets/alice']));
    ok(await addhash(app, 'v2', ['targets/alice']));
    ok(await addhash(app, 'moved', ['targets/releases', 'targets/alice']));
    images.ghost = { digest: `sha256:${'ab'.repeat(32)}`, size: 123 }; // signed, never pushed
    ok(await addhash(app, 'ghost', ['targets/releases', 'targets/alice']));
    ok(await notary(['publish', app]));
    await pushTestImage(registry, 'team/app', 'moved', 'other content');

    // team/threshold: v1 released by alice, then targets/releases raised to 2 of {alice, bob} with a
    // parent-only change (what the real server accepts): the releases file keeps one signature.
    ok(await addhash(team, 'v1', ['targets/releases', 'targets/alice']));
    ok(await notary(['publish', team]));
    await raiseReleasesThreshold(team, dockerConfig);
  });

  async function raiseReleasesThreshold(gun: string, dockerConfig: string): Promise<void> {
    const ctx: TrustContext = {
      trustDir: docker.trustDir,
      keys: new KeyStore(docker.trustDir),
      settings: new Settings(await makeScratchDir('verify-settings')),
      passphrases: new ScriptedPassphraseSource(() => TEST_PASSPHRASES.repository),
      confirm: async () => true,
      warn: () => undefined,
      debug: () => undefined,
      env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url },
    };
    const repo = await openRepository(ctx, gun, { toPublish: true });
    const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
    editor.targets('targets').updateDelegation('targets/releases', { threshold: 2 });
    const built = editor.build(await unlockFor(ctx, editor, editor.editedRoles), { signSnapshot: false });
    await repo.client.publish(gun, [...built.files].map(([role, bytes]) => ({ role, bytes })));
  }

  const dockerReleased = async (ref: string) =>
    (JSON.parse(ok(await docker(['trust', 'inspect', ref])).stdout)[0].SignedTags as { SignedTag: string; Digest: string }[]).map((t) => `${t.SignedTag}@sha256:${t.Digest}`);

  it('exit 0 for a released tag, with its digest and signer; docker trust inspect agrees', async () => {
    const r = ok(await tt(['verify', `${app}:v1`]));
    expect(r.stdout).toContain(`${app}:v1  signed: ${images.v1!.digest} (targets/releases; signed by alice)`);
    expect(r.stdout).toMatch(/1 of 1 images signed as required \(released\)/);
    expect(await dockerReleased(`${app}:v1`)).toEqual([`v1@${images.v1!.digest}`]);
    const json = JSON.parse(ok(await tt(['--json', 'verify', `${app}:v1`, `${app}@${images.v1!.digest}`])).stdout);
    expect(json.outcome).toBe('signed');
    expect(json.images.map((i: { status: string }) => i.status)).toEqual(['signed', 'signed']);
    expect(json.images[1].signed).toMatchObject({ digest: images.v1!.digest, size: images.v1!.size, tags: ['v1'] });
  });

  it('exit 7, one line each, for unsigned, signer-only, wrong digest, below threshold and no trust data; exit 0 images are still listed', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const args = [`${app}:v1`, `${app}:v3`, `${app}:v2`, `${app}:v1@${images.moved!.digest}`, `${app}@${wrong}`, `${team}:v1`, `${registry.host}/team/never:v1`];
    // A CI gate that answers 7 gets the code cache as one that answers 0 would (src/cli-dist.ts).
    const cacheHome = mkdtempSync(path.join(tmpdir(), 'trust-tui-verify-cache-'));
    const r = await tt(['verify', ...args], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(r.code, r.stderr).toBe(7);
    expect(readdirSync(path.join(cacheHome, 'trust-tui', 'code-cache'))).toEqual([expect.stringMatching(/^verify\.js\./)]);
    rmSync(cacheHome, { recursive: true, force: true });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(args.length + 1);
    expect(lines[0]).toContain('signed: ');
    expect(lines[1]).toBe(`${app}:v3  NOT SIGNED: v3 is not signed; one of alice, bob must sign it`);
    expect(lines[2]).toBe(`${app}:v2  NOT SIGNED: v2 is signed only by targets/alice, which docker pull does not read; not released: one of alice, bob must sign it into targets/releases`);
    expect(lines[3]).toBe(
      `${app}:v1@${images.moved!.digest}  NOT SIGNED: the pinned digest ${images.moved!.digest} is not the one signed for v1 (${images.v1!.digest}); it is signed as moved`,
    );
    expect(lines[4]).toContain(`NOT SIGNED: digest ${wrong} is not signed`);
    expect(lines[5]).toBe(`${team}:v1  NOT SIGNED: v1 is in targets/releases, which has 1 of 2 required signatures (alice); waiting on bob`);
    expect(lines[6]).toMatch(/team\/never:v1 {2}NOT SIGNED: .*team\/never has no trust data/);
    expect(lines[7]).toBe('1 of 7 images signed as required (released); 6 not');
    // docker pull would refuse the same: docker lists neither v2, v3 nor the below-threshold v1.
    expect(await dockerReleased(app)).toEqual([`ghost@${images.ghost!.digest}`, `moved@${images.moved!.digest}`, `v1@${images.v1!.digest}`]);
    expect(await dockerReleased(team)).toEqual([]);

    const json = JSON.parse((await tt(['--json', 'verify', `${team}:v1`, `${app}:v2`])).stdout);
    expect(json.outcome).toBe('not-signed');
    expect(json.images.map((i: { reason: string; missing: string[]; needed: number }) => [i.reason, i.missing, i.needed])).toEqual([
      ['below-threshold', ['bob'], 1],
      ['signer-only', ['alice', 'bob'], 1],
    ]);
  });

  it('--registry: exit 7 when the tag moved in the registry or is gone from it; 0 when it serves the signed manifest', async () => {
    ok(await tt(['verify', '--registry', `${app}:v1`]));
    const moved = await tt(['verify', `${app}:moved`]);
    expect(moved.code, 'without --registry only the trust data counts').toBe(0);
    const r = await tt(['--json', 'verify', '--registry', `${app}:moved`]);
    expect(r.code).toBe(7);
    const verdict = JSON.parse(r.stdout).images[0];
    expect(verdict).toMatchObject({ status: 'not-signed', reason: 'registry-moved', signed: { digest: images.moved!.digest } });
    expect(verdict.registry.digest).not.toBe(images.moved!.digest);
    expect((await tt(['verify', '--registry', `${app}:moved`])).stdout).toMatch(/serves sha256:[0-9a-f]{64} \(\d+ bytes\) for tag moved, not the signed/);
    const gone = await tt(['--json', 'verify', '--registry', `${app}:ghost`]);
    expect(gone.code).toBe(7);
    expect(JSON.parse(gone.stdout).images[0]).toMatchObject({ reason: 'registry-missing', signed: { digest: images.ghost!.digest } });
  });

  it('verify --dockerfile: multi-stage with ARGs, stage references, scratch, --platform, heredoc and pinned digests', async () => {
    const dir = await makeScratchDir('verify-dockerfile');
    const file = path.join(dir, 'Dockerfile');
    await writeFile(
      file,
      [
        '# syntax=docker/dockerfile:1',
        `ARG REGISTRY=${registry.host}`,
        'ARG TAG=v1',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARGs, written literally
        'FROM --platform=$BUILDPLATFORM ${REGISTRY}/team/app:${TAG} AS build',
        'RUN <<EOF',
        `FROM ${registry.host}/team/never:v1`,
        'EOF',
        'FROM scratch AS empty',
        'FROM build',
        `FROM \${REGISTRY}/team/app:v1@${images.v1!.digest}`,
        '',
      ].join('\n'),
    );
    const r = ok(await tt(['verify', '--dockerfile', file]));
    expect(r.stdout.trim().split('\n')).toEqual([
      `${file}:4  ${app}:v1  signed: ${images.v1!.digest} (targets/releases; signed by alice)`,
      `${file}:8  scratch: nothing to pull`,
      `${file}:9  build: stage 0 of this Dockerfile, nothing to pull`,
      `${file}:10  ${app}:v1@${images.v1!.digest}  signed: ${images.v1!.digest} (targets/releases; signed by alice)`,
      '2 of 2 base images signed as required (released)',
    ]);

    const v2 = await tt(['verify', '--dockerfile', file, '--build-arg', 'TAG=v2', '--build-arg', 'UNUSED=1']);
    expect(v2.code).toBe(7);
    expect(v2.stdout).toContain(`${file}:4  ${app}:v2  NOT SIGNED: v2 is signed only by targets/alice`);
    expect(v2.stderr).toContain('build arg UNUSED is not declared');

    await writeFile(file, `FROM ${app}:v1@${images.moved!.digest}\nFROM ${app}\n`);
    const pinned = JSON.parse((await tt(['--json', 'verify', '--dockerfile', file])).stdout);
    expect(pinned.outcome).toBe('not-signed');
    expect(pinned.dockerfile.froms.map((f: { line: number; verdict: { reason?: string; tag: string; defaultTag?: boolean } }) => [f.line, f.verdict.reason, f.verdict.tag, f.verdict.defaultTag])).toEqual([
      [1, 'digest-mismatch', 'v1', undefined],
      [2, 'not-signed', 'latest', true],
    ]);

    await writeFile(file, 'FROM alpine AS 1st\n');
    const bad = await tt(['verify', '--dockerfile', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Dockerfile line 1: invalid stage name "1st"/);
  });

  it('usage errors exit 2; an unreadable image exits 1; offline answers come from the cache and say so', async () => {
    expect((await tt(['verify'])).code).toBe(2);
    expect((await tt(['verify', '--build-arg', 'A=1', `${app}:v1`])).code).toBe(2);
    const badRef = await tt(['verify', 'team/app:bad:tag']);
    expect(badRef.code).toBe(1);
    expect(badRef.stdout).toMatch(/^team\/app:bad:tag {2}could not check: invalid reference format/);

    const cold = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    await server.stop();
    const offline = ok(await tt(['--json', 'verify', `${app}:v1`]));
    expect(JSON.parse(offline.stdout).images[0]).toMatchObject({ status: 'signed', offline: true });
    expect(ok(await tt(['verify', `${app}:v1`])).stdout).toContain('(from the cache: trust server unreachable)');
    const noCache = await cold(['verify', `${app}:v1`]);
    expect(noCache.code).toBe(1);
    expect(noCache.stdout).toMatch(/could not check: /);
  });
});
