/**
 * Trust pinning and TOFU from the command line, against the real notary-server: a root is accepted
 * on first contact only if it matches the pin (root certificate, most specific scope), and with TOFU
 * off only an already cached root is used.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/expect.js';
import { makePki, makeScratchDir, startNotaryServer, stopAllPeers, type NotaryServer } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const REPO = 'registry.example.com/pinned/app';

describe('config pin and config tofu', () => {
  let server: NotaryServer;
  let rootCertFile: string;
  let otherCertFile: string;

  const fresh = async (): Promise<TrustTuiRunner> => {
    const tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile]));
    return tt;
  };

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    const owner = await fresh();
    ok(await owner(['init', REPO, '--signer', 'owner']));
    // The repository's root certificate, as root.json carries it.
    const root = JSON.parse(readFileSync(path.join(owner.trustDir, 'tuf', ...REPO.split('/'), 'metadata', 'root.json'), 'utf8'));
    const rootKeyId = root.signed.roles.root.keyids[0];
    rootCertFile = path.join(owner.workDir, 'root.crt');
    writeFileSync(rootCertFile, Buffer.from(root.signed.keys[rootKeyId].keyval.public, 'base64'));
    // Some other certificate (the fixture's server certificate): not this repository's root.
    otherCertFile = (await makePki(await makeScratchDir('pin-pki'))).serverCert;
  });

  it('a certificate pin that the root does not match refuses first contact, in one line, caching nothing', async () => {
    const tt = await fresh();
    ok(await tt(['config', 'pin', 'registry.example.com/pinned/*', otherCertFile]));
    const r = await tt(['inspect', REPO]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/pin/);
    expect(() => readFileSync(path.join(tt.trustDir, 'tuf', ...REPO.split('/'), 'metadata', 'root.json'))).toThrow();
  });

  it('the right root certificate pin is accepted; a more specific pin wins over a broader one', async () => {
    const tt = await fresh();
    ok(await tt(['config', 'pin', 'registry.example.com/*', otherCertFile]));
    ok(await tt(['config', 'pin', REPO, rootCertFile]));
    ok(await tt(['inspect', REPO]));
    ok(await tt(['config', 'pin', REPO, '--clear']));
    const broader = await fresh();
    ok(await broader(['config', 'pin', 'registry.example.com/*', otherCertFile]));
    expect((await broader(['inspect', REPO])).code).toBe(1);
  });

  it('with TOFU disabled, only a repository whose root is already cached can be read', async () => {
    const tt = await fresh();
    ok(await tt(['inspect', REPO])); // cached now, by trust on first use
    ok(await tt(['config', 'tofu', 'disable']));
    ok(await tt(['inspect', REPO]));
    const other = await fresh();
    ok(await other(['config', 'tofu', 'disable']));
    const r = await other(['inspect', REPO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/trust on first use is disabled/);
    // There are no pins: the line must not blame them, and names both ways out.
    expect(r.stderr).not.toMatch(/does not match your pins/);
    expect(r.stderr).toMatch(/config pin.*config tofu enable/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
