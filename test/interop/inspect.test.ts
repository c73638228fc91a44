/**
 * `trust-tui inspect` prints exactly what `docker trust inspect` prints for the same repository on the
 * real notary-server, JSON and --pretty, for repositories docker and notary wrote.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


const REPO = 'registry.example.com/team/app';
const FRESH = 'registry.example.com/team/fresh';

describe('inspect matches docker trust inspect', () => {
  let server: NotaryServer;
  let docker: DockerRunner;
  let tt: TrustTuiRunner;

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    docker = dockerCli(await makeScratchDir('docker-config'), server.url, server.caFile);
    ok(await docker(['trust', 'key', 'generate', 'alice', '--dir', docker.workDir]));
    ok(await docker(['trust', 'key', 'generate', 'bob', '--dir', docker.workDir]));
    ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, 'alice.pub'), 'alice', REPO, FRESH]));
    ok(await docker(['trust', 'signer', 'add', '--key', path.join(docker.workDir, 'bob.pub'), 'bob', REPO]));
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    for (const [name, text] of [['m1.json', '{"fake":"manifest v1"}'], ['m2.json', '{"fake":"manifest v2"}'], ['m3.json', '{"fake":"v3"}']]) {
      await writeFile(path.join(notary.workDir, name!), text!);
    }
    ok(await notary(['add', REPO, 'v1', 'm1.json']));
    ok(await notary(['add', REPO, 'v2', 'm2.json', '--roles', 'targets/releases', '--roles', 'targets/alice', '--roles', 'targets/bob']));
    ok(await notary(['add', REPO, 'v10', 'm3.json', '--roles', 'targets/releases', '--roles', 'targets/bob']));
    ok(await notary(['publish', REPO]));
    // A fresh trust directory: trust-tui bootstraps from the server (TOFU over the fixture's TLS),
    // finding the CA where docker keeps it.
    tt = trustTui({ env: { DOCKER_CONFIG: docker.dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
  });

  for (const args of [[REPO], [`${REPO}:v2`], [`${REPO}:nope`], [FRESH], [REPO, `${FRESH}:v1`]]) {
    it(`JSON and --pretty for ${args.join(' ')}`, async () => {
      const expected = ok(await docker(['trust', 'inspect', ...args]));
      const actual = ok(await tt(['inspect', ...args]));
      expect(actual.stdout).toBe(expected.stdout);
      const expectedPretty = ok(await docker(['trust', 'inspect', '--pretty', ...args]));
      const actualPretty = ok(await tt(['inspect', '--pretty', ...args]));
      expect(actualPretty.stdout).toBe(expectedPretty.stdout);
    });
  }

  it('with an uninitialised repository among others, prints and exits exactly as docker does (JSON and --pretty)', async () => {
    const args = [REPO, 'registry.example.com/team/never', FRESH];
    for (const mode of [[], ['--pretty']]) {
      const expected = await docker(['trust', 'inspect', ...mode, ...args]);
      const actual = await tt(['inspect', ...mode, ...args]);
      if (process.env.SHOW_ERRORS) console.log(mode, JSON.stringify(expected), JSON.stringify(actual));
      expect(actual.code, mode.join(' ')).toBe(expected.code);
      expect(actual.stdout, mode.join(' ')).toBe(expected.stdout);
      // Same shape on stderr (one line per failed argument), but naming the real cause.
      expect(actual.stderr.trim().split('\n'), mode.join(' ')).toHaveLength(expected.stderr.trim().split('\n').length);
      expect(actual.stderr).toMatch(/registry\.example\.com\/team\/never.*not initiali[sz]ed/);
    }
  });

  it('names the real cause where docker says "no signatures or cannot access"', async () => {
    const docker404 = await docker(['trust', 'inspect', 'registry.example.com/team/never']);
    expect(docker404.code).toBe(1);
    const r = await tt(['inspect', 'registry.example.com/team/never']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('[]\n');
    expect(r.stderr).toMatch(/registry\.example\.com\/team\/never.*not initiali[sz]ed/);
    const noCa = trustTui({ env: { DOCKER_CONTENT_TRUST_SERVER: server.url } });
    const tls = await noCa(['inspect', REPO]);
    expect(tls.code).toBe(1);
    expect(tls.stderr).toMatch(/TLS|certificate/i);
    expect(tls.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('info shows tags with sizes and signers, every signer with its keys, every role with its expiry', async () => {
    const info = JSON.parse(ok(await tt(['--json', 'info', REPO])).stdout);
    expect(info.offline).toBe(false);
    const tags = Object.fromEntries(info.tags.map((t: { tag: string; signers: string[]; size: number }) => [t.tag, [t.signers, t.size]]));
    expect(tags).toEqual({ v1: [['Repo Admin'], 22], v2: [['alice', 'bob'], 22], v10: [['bob'], 13] });
    // targets/releases is not a signer: listed on its own, and not in the text's SIGNER table.
    expect(info.signers.map((s: { name: string }) => s.name).sort()).toEqual(['alice', 'bob']);
    expect(info.releases).toMatchObject({ role: 'targets/releases', state: 'trusted' });
    expect(ok(await tt(['info', REPO, '--keys-only'])).stdout).not.toMatch(/^releases\s/m);
    expect(info.roles.map((r: { role: string }) => r.role)).toEqual(expect.arrayContaining(['root', 'targets', 'snapshot', 'timestamp', 'targets/releases']));
    const text = ok(await tt(['info', REPO, '--tags-only'])).stdout;
    expect(text).toMatch(/v10\s+[0-9a-f]{64}\s+13\s+bob\s+verified/);
  });

  it('info REPO:TAG of a tag that is not signed fails like inspect, naming the tag', async () => {
    const r = await tt(['info', `${REPO}:nope`]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no signed tag nope in registry\.example\.com\/team\/app/);
    expect(r.stdout).toBe('');
  });

  it('answers from the unexpired cache, and says so, when the server is down', async () => {
    ok(await tt(['inspect', REPO]));
    const online = ok(await tt(['inspect', REPO])).stdout;
    await server.stop();
    const r = ok(await tt(['inspect', REPO]));
    expect(r.stdout).toBe(online);
    expect(r.stderr).toMatch(/unreachable|offline|cache/i);
    const info = JSON.parse(ok(await tt(['--json', 'info', REPO])).stdout);
    expect(info.offline).toBe(true);
  });
});
