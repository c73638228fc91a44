/**
 * A root whose certificate expired, or is not valid yet, against the real notary-server: trust-tui
 * refuses it as `notary list` does ("could not validate the path to a trusted root"), on first contact
 * and from its cache, names the certificate's date, this machine's clock and the repair (`renew`, a
 * new certificate for the same key; `key rotate root` when the key must change), and follows both repairs.
 * The server refuses to store such a root, so the expired one is published while its certificate is
 * still valid (a few seconds), and the not-yet-valid one is put in the cache or served by a proxy.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/keys/index.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { ok, snapshotDir } from '../helpers/expect.js';
import {
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  TEST_PASSPHRASES,
  type NotaryServer,
} from '../helpers/peers.js';
import { rewritingProxy, type RewritingProxy } from '../helpers/rewriting-proxy.js';
import { buildWithRootCertificate, publishBuilt, type BuiltRepository } from '../helpers/root-certificate-repo.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { startTestServer } from '../server/server-harness.js';

afterAll(stopAllPeers);

const DAY_MS = 86_400_000;
const NOTARY_REFUSAL = 'could not validate the path to a trusted root';

describe('root certificates out of their validity period (real notary-server, real notary CLI)', () => {
  let server: NotaryServer;
  let client: NotaryClient;
  let proxy: RewritingProxy;
  const expiredGun = 'registry.example.test/team/expired-cert';
  const futureGun = 'registry.example.test/team/future-cert';

  const build = (gun: string, from: Date, seconds: number, keys?: Omit<BuiltRepository, 'files'>, server = client) =>
    buildWithRootCertificate(server, gun, { from, seconds }, keys);

  /** A trust-tui and a notary CLI with trust directories of their own, both reaching `url`. */
  async function clients(url = server.url, caFile = server.caFile) {
    // https: the server and its CA as a `config server` entry; the plain-HTTP proxy: the variable.
    const tt = trustTui({ env: url.startsWith('http:') ? { DOCKER_CONTENT_TRUST_SERVER: url, TRUST_TUI_ALLOW_HTTP_LOOPBACK: '1' } : {} });
    if (url.startsWith('https:')) ok(await tt(['config', 'server', 'registry.example.test/*', url, '--ca', caFile]));
    const notary = notaryCli(await makeScratchDir('notary'), url, caFile);
    return { tt, notary };
  }

  /** Publishes a repository whose root certificate expires in a few seconds, with the owner's keys in `owner`'s trust dir. */
  async function publishExpiring(gun: string, owner: TrustTuiRunner, server = client): Promise<void> {
    // Thirty seconds of validity left: the steps before it ends run several CLIs, slow on a loaded machine.
    const built = await build(gun, new Date(Date.now() - 60_000), 90, undefined, server);
    await publishBuilt(server, gun, built);
    const keys = new KeyStore(owner.trustDir);
    await keys.store(built.rootKey, { role: 'root' }, TEST_PASSPHRASES.root);
    await keys.store(built.targetsKey, { role: 'targets', gun }, TEST_PASSPHRASES.repository);
  }

  async function untilExpired(tt: TrustTuiRunner, gun: string): Promise<void> {
    const info = JSON.parse(ok(await tt(['--json', 'info', gun])).stdout);
    const notAfter = new Date(info.rootCertificates[0].notAfter).getTime();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, notAfter - Date.now() + 1500)));
  }

  /** `state`: what the hint says of the certificate's date, e.g. /expired on \S+ \(this machine's clock says/. */
  async function expectRefused(tt: TrustTuiRunner, gun: string, state: RegExp): Promise<void> {
    for (const args of [['info', gun], ['inspect', gun], ['signer', 'list', gun]]) {
      const r = await tt(args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stdout).not.toContain('verified');
      expect(r.stderr).toContain(NOTARY_REFUSAL);
      expect(r.stderr).toMatch(state);
      expect(r.stderr).toContain(`\`trust-tui renew ${gun}\``);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    client = new NotaryClient({ baseUrl: server.url, tls: { ca: [await readFile(server.caFile, 'utf8')] } });
    proxy = await rewritingProxy(server);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('expired certificate: refused on first contact and from the cache, as notary refuses it; a renewal or rotation notary-server refuses is explained', async () => {
    const owner = await clients();
    const cachedEarly = await clients();
    await publishExpiring(expiredGun, owner.tt);

    // While the certificate is valid every client reads it, and caches its root.
    for (const c of [owner, cachedEarly]) {
      expect(ok(await c.tt(['info', expiredGun])).stdout).toMatch(/v1 .* verified/);
      expect(ok(await c.notary(['list', expiredGun])).stdout).toContain('v1');
    }
    // notary warns within six months of the end; here it is seconds away.
    expect((await owner.tt(['info', expiredGun])).stderr).toContain(`renew it before then with \`trust-tui renew ${expiredGun}\``);
    const info = JSON.parse(ok(await owner.tt(['--json', 'info', expiredGun])).stdout);
    expect(info.rootCertificates).toEqual([expect.objectContaining({ state: 'expires-soon' })]);
    expect(ok(await owner.tt(['info', expiredGun])).stdout).toMatch(/root\s+1\s+.*\n\s+certificate [0-9a-f]{12}\s+\S+\s+expires-soon/);

    await untilExpired(owner.tt, expiredGun);

    // notary refuses, cached or not ...
    const fresh = await clients();
    for (const notary of [cachedEarly.notary, fresh.notary]) {
      const r = await notary(['list', expiredGun]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(NOTARY_REFUSAL);
    }
    // ... and so does trust-tui, changing nothing in its cache.
    const before = snapshotDir(cachedEarly.tt.trustDir);
    const expiredHint = new RegExp(
      `the root certificate of ${expiredGun} expired on \\S+Z \\(this machine's clock says \\S+Z\\): its owner renews it with \`trust-tui renew ${expiredGun}\` ` +
        `\\(a new certificate for the same root key; \`trust-tui key rotate root ${expiredGun}\` only if the key itself must change\\)`,
    );
    await expectRefused(cachedEarly.tt, expiredGun, expiredHint);
    await expectRefused(fresh.tt, expiredGun, expiredHint);
    expect(snapshotDir(cachedEarly.tt.trustDir)).toEqual(before);
    const sign = await cachedEarly.tt(['sign', `${expiredGun}:v2`, '--digest', `sha256:${'2'.repeat(64)}`, '--size', '2']);
    expect(sign.code).toBe(1);
    expect(sign.stderr).toContain(NOTARY_REFUSAL);

    // The repair is a new certificate (renew) or a new root key (rotate), signed by the old one, but
    // notary-server refuses every update of a repository whose stored root certificate expired, those
    // included: say so.
    const renew = await owner.tt(['renew', expiredGun, '--yes']);
    expect(renew.code).toBe(1);
    // (renew reports each repository on stdout, and the overall failure on stderr)
    expect(renew.stdout).toContain(`${expiredGun}: failed: the server refused the update of ${expiredGun}`);
    expect(renew.stdout).toContain('notary-server refuses every update of a repository whose root certificate is no longer valid');
    expect(renew.stdout).toContain(`trust-tui revoke ${expiredGun}`);
    const rotate = await owner.tt(['key', 'rotate', 'root', expiredGun, '--yes']);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toContain('the server refused the new root');
    expect(rotate.stderr).toContain(`trust-tui revoke ${expiredGun}`);
  });

  it('expired certificate on a trust-tui server: refused the same way, and renew (same key) or key rotate root (new key) repairs it for every client', async () => {
    const ours = await startTestServer();
    try {
      const ourClient = new NotaryClient({ baseUrl: ours.url, tls: { ca: [await readFile(ours.caFile!, 'utf8')] } });
      const renewed = 'registry.example.test/team/expired-on-ours';
      const rotated = 'registry.example.test/team/expired-on-ours-rotated';
      const owner = await clients(ours.url, ours.caFile!);
      const cachedEarly = await clients(ours.url, ours.caFile!);
      await Promise.all([renewed, rotated].map((gun) => publishExpiring(gun, owner.tt, ourClient)));
      for (const gun of [renewed, rotated]) ok(await cachedEarly.tt(['info', gun]));
      await Promise.all([renewed, rotated].map((gun) => untilExpired(owner.tt, gun)));
      const n = await (await clients(ours.url, ours.caFile!)).notary(['list', renewed]);
      expect(n.code).not.toBe(0);
      expect(n.stdout + n.stderr).toContain(NOTARY_REFUSAL);
      await expectRefused(cachedEarly.tt, renewed, /expired on \S+Z \(this machine's clock says \S+Z\): its owner renews it/);

      // renew: a new certificate for the same root key, as the message advises ...
      const keyIds = async () => (JSON.parse(ok(await owner.tt(['--json', 'key', 'list'])).stdout) as { id: string }[]).map((k) => k.id).sort();
      const before = await keyIds();
      ok(await owner.tt(['renew', renewed, '--yes']));
      expect(await keyIds()).toEqual(before);
      // ... or a new root key.
      ok(await owner.tt(['key', 'rotate', 'root', rotated, '--yes']));
      for (const gun of [renewed, rotated]) {
        for (const c of [owner, cachedEarly, await clients(ours.url, ours.caFile!)]) {
          expect(ok(await c.tt(['info', gun])).stdout).toMatch(/v1 .* verified/);
        }
        expect(ok(await (await clients(ours.url, ours.caFile!)).notary(['list', gun])).stdout).toContain('v1');
      }
      const info = JSON.parse(ok(await owner.tt(['--json', 'info', renewed])).stdout);
      expect(info.rootCertificates).toEqual([expect.objectContaining({ state: 'valid' })]);
    } finally {
      await ours.stop();
    }
  });

  it('certificate not valid yet: refused from the cache and on first contact, as notary refuses it', async () => {
    const later = new Date(Date.now() + 2 * DAY_MS);
    // The server only stores a currently valid root: publish one, then offer a root of the same
    // repository whose certificate starts in two days (signed by the same root key).
    const valid = await build(futureGun, new Date(), 10 * 365 * 86_400);
    await publishBuilt(client, futureGun, valid);
    const futureRoot = (await build(futureGun, later, 10 * 365 * 86_400, valid)).files.get('root')!;

    // Cached: both clients find the not-yet-valid root in their cache.
    const cached = await clients();
    for (const dir of [cached.tt.trustDir, cached.notary.trustDir]) {
      const metadata = path.join(dir, 'tuf', futureGun, 'metadata');
      await mkdir(metadata, { recursive: true });
      await writeFile(path.join(metadata, 'root.json'), futureRoot);
    }
    const r = await cached.notary(['list', futureGun]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(NOTARY_REFUSAL);
    const futureHint = new RegExp(
      `the root certificate of ${futureGun} is valid from ${later.toISOString().slice(0, 16)}\\S+Z and this machine's clock says \\S+Z: ` +
        `set this machine's clock right if it is wrong, else the certificate is wrong and its owner replaces it with \`trust-tui renew ${futureGun}\``,
    );
    await expectRefused(cached.tt, futureGun, futureHint);

    // First contact: a server (here a proxy) serves it as root.json.
    proxy.rewrite.fn = (p, body) => (p.endsWith(`/${futureGun}/_trust/tuf/root.json`) ? futureRoot : body);
    const tofu = await clients(proxy.url);
    const n = await tofu.notary(['list', futureGun]);
    expect(n.code).not.toBe(0);
    expect(n.stdout + n.stderr).toContain(NOTARY_REFUSAL);
    await expectRefused(tofu.tt, futureGun, futureHint);
    expect(snapshotDir(tofu.tt.trustDir)).toEqual({});
  });
});
