/**
 * Repositories made by the REAL docker CLI (`docker trust signer add`) with tags signed through the
 * signers' delegations (notary CLI sharing docker's trust dir, as docker has no daemon here): the
 * repository view must agree with `docker trust inspect` on tags, digests, signers and keys.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustCache } from '../../src/notary/cache.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { refresh } from '../../src/notary/updater.js';
import { REPO_ADMIN } from '../../src/tuf/repository-view.js';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


interface DockerInspect {
  Name: string;
  SignedTags: { SignedTag: string; Digest: string; Signers: string[] }[];
  Signers: { Name: string; Keys: { ID: string }[] }[];
  AdministrativeKeys: { Name: string; Keys: { ID: string }[] }[];
}

describe('repositories made by docker trust', () => {
  let server: NotaryServer;
  let docker: DockerRunner;
  const repo = 'registry.example.com/team/app';

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    docker = dockerCli(path.join(await makeScratchDir('docker-home'), 'config'), server.url, server.caFile);
    await mkdir(path.join(docker.workDir, 'keys'));
    for (const name of ['alice', 'bob']) {
      ok(await docker(['trust', 'key', 'generate', name, '--dir', 'keys']));
      ok(await docker(['trust', 'signer', 'add', '--key', `keys/${name}.pub`, name, repo]));
    }
    // Sign as docker does (into releases and the signer's own role) with docker's keys.
    const notary = notaryCli(docker.trustDir, server.url, server.caFile);
    const image = async (name: string) => {
      const file = path.join(notary.workDir, name);
      await writeFile(file, `{"manifest":"${name}"}`);
      return file;
    };
    ok(await notary(['add', repo, 'v1', await image('v1'), '-r', 'targets/releases', '-r', 'targets/alice']));
    ok(await notary(['add', repo, 'v2', await image('v2'), '-r', 'targets/releases', '-r', 'targets/alice', '-r', 'targets/bob']));
    ok(await notary(['add', repo, 'v10', await image('v10'), '-r', 'targets/releases']));
    ok(await notary(['add', repo, 'only-bob', await image('only-bob'), '-r', 'targets/bob', '-p']));
  });
  afterAll(() => server?.stop());

  it('shows the same tags, digests, signers and keys as `docker trust inspect`', async () => {
    const [inspected] = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout) as DockerInspect[];
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(server.caFile)] } });
    const { view, warnings } = await refresh(repo, { client, cache: new TrustCache(trustDir), trustPolicy: { tofu: true } });
    expect(warnings).toEqual([]);

    expect(
      view.releasedTags().map((t) => ({ SignedTag: t.tag, Digest: t.digest, Signers: t.signers.length > 0 ? t.signers : [REPO_ADMIN] })),
    ).toEqual(inspected!.SignedTags);
    expect(inspected!.SignedTags.map((t) => t.SignedTag)).toEqual(['v1', 'v2', 'v10']); // natural order, only-bob not released

    // docker sorts signers by name, descending
    const signers = view
      .signers()
      .reverse()
      .map((s) => ({ Name: s.name, Keys: s.keys.map((k) => ({ ID: k.canonicalId })) }));
    expect(signers).toEqual(inspected!.Signers);

    const admin = view.administrativeKeys();
    expect([
      { Name: 'Root', Keys: admin.root.map((k) => ({ ID: k.id })) },
      { Name: 'Repository', Keys: admin.repository.map((k) => ({ ID: k.id })) },
    ]).toEqual(inspected!.AdministrativeKeys);
  });

  it('names the tags that removing a signer would un-release', async () => {
    const trustDir = path.join(await makeScratchDir('ours'), 'trust');
    const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [readFileSync(server.caFile)] } });
    const { view } = await refresh(repo, { client, cache: new TrustCache(trustDir), trustPolicy: { tofu: true } });
    // Releases were signed with alice's and bob's keys (notary signs with every key it holds):
    // removing one signer leaves the other's valid signature.
    const releases = view.delegations().find((d) => d.role === 'targets/releases')!;
    expect(releases.keys).toHaveLength(2);
    expect(view.impactOfRemoving({ signer: 'alice' }).tagsLosingRelease).toEqual([]);
    const both = view.impactOfRemoving({ keyIds: releases.keys.map((k) => k.canonicalId) });
    expect(both.tagsLosingRelease.map((t) => t.tag)).toEqual(['v1', 'v2', 'v10']);
  });
});
