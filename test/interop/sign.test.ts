/**
 * init, sign and revoke against the real notary-server and docker-registry, cross-checked with the
 * real notary and docker CLIs: what trust-tui signs they show with the same digests and signers.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  httpRequest,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  startRegistry,
  stopAllPeers,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
  type Registry,
} from '../helpers/peers.js';
import { pushTestImage } from '../helpers/images.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


describe('init, sign and revoke on real peers', () => {
  let server: NotaryServer;
  let registry: Registry;
  let docker: DockerRunner;
  let notary: NotaryRunner;
  let tt: TrustTuiRunner;
  let repo: string;

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    registry = await startRegistry();
    repo = `${registry.host}/team/app`;
    const dockerConfig = await makeScratchDir('docker-config');
    docker = dockerCli(dockerConfig, server.url, server.caFile);
    // trust-tui and docker share DOCKER_CONFIG (CA in tls/<host:port>/); each has its own trust dir.
    tt = trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    notary = notaryCli(tt.trustDir, server.url, server.caFile);
  });

  it('init makes a repository docker and notary read as docker would have made it', async () => {
    const r = ok(await tt(['--json', 'init', repo]));
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ gun: repo, signer: 'owner' });
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(inspect[0].SignedTags).toEqual([]);
    expect(inspect[0].Signers).toEqual([{ Name: 'owner', Keys: [{ ID: out.signerKeyId }] }]);
    expect(inspect[0].AdministrativeKeys[1]).toEqual({ Name: 'Repository', Keys: [{ ID: out.targetsKeyId }] });
    // The root key has two IDs: its key file's, and its certificate's in this repository (what docker shows).
    expect(inspect[0].AdministrativeKeys[0]).toEqual({ Name: 'Root', Keys: [{ ID: out.rootCertificateKeyId }] });
    expect(out.rootCertificateKeyId).not.toBe(out.rootKeyId);
    const again = await tt(['init', repo]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already initialised on ${server.url} — to add tags to it, sign them: trust-tui sign ${repo}:TAG`);
  });

  it('sign resolves the tag in the registry; notary list and docker inspect show its digest and signer', async () => {
    const image = await pushTestImage(registry, 'team/app', 'v1');
    const r = JSON.parse(ok(await tt(['--json', 'sign', `${repo}:v1`])).stdout);
    expect(r).toMatchObject({ tag: 'v1', digest: image.digest, size: image.size });
    expect(r.roles.sort()).toEqual(['targets/owner', 'targets/releases']);
    const list = ok(await notary(['list', repo])).stdout;
    expect(list).toMatch(new RegExp(`v1\\s+${image.digest.slice(7)}\\s+${image.size}\\s+targets/releases`));
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', `${repo}:v1`])).stdout);
    expect(inspect[0].SignedTags).toEqual([{ SignedTag: 'v1', Digest: image.digest.slice(7), Signers: ['owner'] }]);
    // Same bytes as docker for the repository trust-tui wrote.
    expect(ok(await tt(['inspect', repo])).stdout).toBe(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(ok(await tt(['inspect', '--pretty', repo])).stdout).toBe(ok(await docker(['trust', 'inspect', '--pretty', repo])).stdout);
  });

  it('signs by digest without the registry, and refuses tags missing from the registry', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    ok(await tt(['sign', `${repo}:v2`, '--digest', digest, '--size', '123']));
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', `${repo}:v2`])).stdout);
    expect(inspect[0].SignedTags[0].Digest).toBe('ab'.repeat(32));
    const missing = await tt(['sign', `${repo}:nope`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/tag nope not found/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--meta uploads blobs and records them in the signature, canonicalised so the Go verifier accepts it', async () => {
    await pushTestImage(registry, 'team/app', 'v3');
    const sbom = path.join(tt.workDir, 'sbom.json');
    writeFileSync(sbom, '{"z":1,"a":"<&>"}');
    const r = JSON.parse(ok(await tt(['--json', 'sign', `${repo}:v3`, '--meta', `sbom:${sbom}`])).stdout);
    const blobDigest = `sha256:${createHash('sha256').update(readFileSync(sbom)).digest('hex')}`;
    expect(r.custom).toEqual({ sbom: { digest: blobDigest, size: 17 } });
    const blob = await httpRequest(`${registry.url}/v2/team/app/blobs/${blobDigest}`);
    expect(blob.status).toBe(200);
    expect(blob.body.equals(readFileSync(sbom))).toBe(true);
    // The Go client verifies the role carrying custom data (notary#1411 made its own uploads fail).
    expect(ok(await notary(['list', repo])).stdout).toMatch(/v3\s+[0-9a-f]{64}/);
    expect(JSON.parse(ok(await docker(['trust', 'inspect', `${repo}:v3`])).stdout)[0].SignedTags).toHaveLength(1);
    // What was recorded is shown again: info's JSON and text carry each tag's custom data.
    const info = JSON.parse(ok(await tt(['--json', 'info', repo])).stdout);
    expect(info.tags.find((t: { tag: string }) => t.tag === 'v3').custom).toEqual({ sbom: { digest: blobDigest, size: 17 } });
    expect(ok(await tt(['info', `${repo}:v3`])).stdout).toContain(`v3 sbom: {"digest":"${blobDigest}","size":17}`);
  });

  it('revoke of a tag removes it from every role this host signed', async () => {
    ok(await tt(['revoke', `${repo}:v2`]));
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(inspect[0].SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['v1', 'v3']);
  });

  it('revoke of a repository asks, defaults to no, and a refusal changes nothing', async () => {
    const before = ok(await docker(['trust', 'inspect', repo])).stdout;
    for (const input of ['n\n', '\n']) {
      const r = await tt(['revoke', repo], { input });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain('cancelled');
    }
    const ended = await tt(['revoke', repo], { input: '' });
    expect(ended.code, ended.stderr).toBe(1);
    expect(ended.stderr.trim().split('\n').at(-1)).toBe('trust-tui: no answer because standard input ended: nothing was changed — pass -y (--yes) to confirm without a prompt');
    expect(ok(await docker(['trust', 'inspect', repo])).stdout).toBe(before);
    ok(await tt(['revoke', repo], { input: 'y\n' }));
    const gone = await notary(['list', repo]);
    expect(gone.code).not.toBe(0);
    expect((await tt(['inspect', repo])).stderr).toMatch(/not initiali[sz]ed/);
  });
});
