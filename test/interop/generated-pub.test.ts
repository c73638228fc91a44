/**
 * Every `.pub` that `trust-tui key generate` writes is one `docker trust signer add` and
 * `notary delegation add` accept; a key type they cannot use is refused up front (or, with --force,
 * made with a warning naming both tools).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCli, makeScratchDir, notaryCli, startNotaryServer, stopAllPeers, type NotaryServer } from '../helpers/peers.js';
import { trustTui } from '../helpers/trust-tui.js';
import { ok, snapshotDir } from '../helpers/expect.js';

afterAll(stopAllPeers);

describe('public keys written by key generate', () => {
  let server: NotaryServer;
  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
  });

  it('the default (ecdsa) .pub is accepted by docker trust signer add and notary delegation add', async () => {
    const tt = trustTui();
    ok(await tt(['key', 'generate', 'alice']));
    const pub = path.join(tt.workDir, 'alice.pub');
    const docker = dockerCli(await makeScratchDir('docker-config'), server.url, server.caFile);
    ok(await docker(['trust', 'signer', 'add', '--key', pub, 'alice', 'registry.example.com/team/pub']));
    const notary = notaryCli(await makeScratchDir('notary-trust'), server.url, server.caFile);
    const staged = ok(await notary(['delegation', 'add', 'registry.example.com/team/other', 'targets/alice', pub]));
    expect(staged.stdout).toMatch(/staged for next publish/);
  });

  it('--type rsa (as the UI offers it): docker trust signer add and notary delegation add accept the .pub', async () => {
    const tt = trustTui();
    const made = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'rosa', '--type', 'rsa'])).stdout);
    expect(made.type).toBe('rsa');
    const pub = path.join(tt.workDir, 'rosa.pub');
    const docker = dockerCli(await makeScratchDir('docker-config'), server.url, server.caFile);
    ok(await docker(['trust', 'signer', 'add', '--key', pub, 'rosa', 'registry.example.com/team/rsa']));
    const notary = notaryCli(await makeScratchDir('notary-trust'), server.url, server.caFile);
    expect(ok(await notary(['delegation', 'add', 'registry.example.com/team/rsa2', 'targets/rosa', pub])).stdout).toMatch(/staged for next publish/);
  });

  it('ed25519: refused without --force, naming the tools that cannot use it; nothing is written', async () => {
    const tt = trustTui();
    const r = await tt(['key', 'generate', 'edna', '--type', 'ed25519']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/docker trust signer add.*notary delegation add/);
    expect(r.stderr).toMatch(/--force/);
    expect(existsSync(path.join(tt.workDir, 'edna.pub'))).toBe(false);
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });

  it('ed25519 with --force: made with that warning, and the real tools indeed refuse its .pub', async () => {
    const tt = trustTui();
    const r = ok(await tt(['key', 'generate', 'edna', '--type', 'ed25519', '--force']));
    expect(r.stderr).toMatch(/WARNING: .*docker trust signer add.*notary delegation add/);
    const pub = path.join(tt.workDir, 'edna.pub');
    const docker = dockerCli(await makeScratchDir('docker-config'), server.url, server.caFile);
    const d = await docker(['trust', 'signer', 'add', '--key', pub, 'edna', 'registry.example.com/team/ed']);
    expect(d.code).not.toBe(0);
    expect(d.stderr).toMatch(/unknown public key format/);
    const notary = notaryCli(await makeScratchDir('notary-trust'), server.url, server.caFile);
    const n = await notary(['delegation', 'add', 'registry.example.com/team/ed', 'targets/edna', pub]);
    expect(n.code).not.toBe(0);
    expect(n.stderr + n.stdout).toMatch(/unknown public key format/);
  });
});
