/**
 * `expiry` and `renew` against the real notary-server, checked with the stock notary and docker CLIs:
 * roles made to expire within seconds (`--expires` at creation) are listed soonest first, `--within`
 * sets the exit code, and once they expired (notary and docker refuse the repository) `renew` makes
 * both accept it again; a signer's role is left to that signer, who renews it from her own host; and
 * a root certificate close to its end is replaced by a new one for the same key, which notary and
 * docker follow whether or not they had cached the old certificate.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';
import { KeyStore } from '../../src/keys/index.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { ok } from '../helpers/expect.js';
import {
  dockerCli,
  httpRequest,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  TEST_PASSPHRASES,
  type NotaryServer,
} from '../helpers/peers.js';
import { rewritingProxy } from '../helpers/rewriting-proxy.js';
import { buildWithRootCertificate, publishBuilt } from '../helpers/root-certificate-repo.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

afterAll(stopAllPeers);

const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;
const DAY_MS = 86_400_000;

interface Item {
  gun: string;
  role: string;
  state: string;
  expires: string;
  msLeft: number;
  needsAction: boolean;
  renewer: { kind: string; who?: string; keyIds?: string[]; command?: string };
}

describe('expiry and renew (real notary-server, notary and docker CLIs)', () => {
  let server: NotaryServer;

  async function host(): Promise<TrustTuiRunner> {
    const tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.test/*', server.url, '--ca', server.caFile]));
    return tt;
  }
  const freshNotary = async () => notaryCli(await makeScratchDir('notary'), server.url, server.caFile);
  const freshDocker = async () => dockerCli(await makeScratchDir('docker'), server.url, server.caFile);
  const listing = async (tt: TrustTuiRunner, args: string[]) => {
    const r = await tt(['--json', 'expiry', ...args]);
    return { code: r.code, report: JSON.parse(r.stdout) as { items: Item[]; verdict: string }, stderr: r.stderr };
  };
  const dockerTags = async (docker: Awaited<ReturnType<typeof freshDocker>>, gun: string) =>
    (JSON.parse(ok(await docker(['trust', 'inspect', gun])).stdout)[0].SignedTags as { SignedTag: string }[]).map((t) => t.SignedTag);

  /** A repository whose root certificate ends in 3 days, and a host holding its root and repository keys. */
  async function ownerOfEndingCertificate(gun: string) {
    const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [await readFile(server.caFile, 'utf8')] } });
    const built = await buildWithRootCertificate(client, gun, { from: new Date(Date.now() - 60_000), seconds: 3 * 86_400 });
    await publishBuilt(client, gun, built);
    const owner = await host();
    const keys = new KeyStore(owner.trustDir);
    await keys.store(built.rootKey, { role: 'root' }, TEST_PASSPHRASES.root);
    await keys.store(built.targetsKey, { role: 'targets', gun }, TEST_PASSPHRASES.repository);
    return { owner, built };
  }
  /** root.json as the server serves it now. */
  const servedRoot = async (gun: string) =>
    JSON.parse((await httpRequest(`${server.url}/v2/${gun}/_trust/tuf/root.json`, { caFile: server.caFile })).body.toString()) as {
      signed: { version: number; keys: Record<string, { keyval: { public: string } }>; roles: { root: { keyids: string[] } } };
      signatures: { keyid: string }[];
    };

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  // Waits about 25 s of real time for the roles to run out: the default 60 s leaves too little on a loaded machine.
  it('roles made to expire soon: listed in order, --within sets the exit code, renew makes notary and docker accept them again', { timeout: 120_000 }, async () => {
    const gun = 'registry.example.test/team/short-lived';
    const owner = await host();
    ok(await owner(['init', gun, '--expires', '25s']));
    ok(await owner(['sign', `${gun}:v1`, '--digest', DIGEST(1), '--size', '11', '--expires', '15s']));
    const cachedNotary = await freshNotary();
    const cachedDocker = await freshDocker();
    expect(ok(await cachedNotary(['list', gun])).stdout).toContain('v1');
    expect(await dockerTags(cachedDocker, gun)).toEqual(['v1']);

    // Soonest first: the signer roles (15 s), then root and targets (25 s), then what lives longer.
    const before = await listing(owner, [gun]);
    expect(before.code).toBe(4); // within notary's six-month warning, nothing expired yet
    expect(before.report.items.map((i) => i.role)).toEqual([
      ...['targets/owner', 'targets/releases'],
      ...['root', 'targets'],
      'timestamp',
      'snapshot',
      'root certificate',
    ]);
    const byRole = new Map(before.report.items.map((i) => [i.role, i]));
    expect(byRole.get('targets/owner')!.msLeft).toBeLessThanOrEqual(15_000);
    expect(byRole.get('root')!.renewer).toEqual({ kind: 'this-host' });
    expect(byRole.get('timestamp')).toMatchObject({ needsAction: false, renewer: { kind: 'server' } });
    expect(byRole.get('snapshot')).toMatchObject({ needsAction: false, renewer: { kind: 'server' } });

    // --within: only what ends in the window is listed, and the exit code says whether there is any.
    const wide = await listing(owner, [gun, '--within', '1m']);
    expect(wide.code).toBe(4);
    expect(wide.report.items.map((i) => i.role).sort()).toEqual(['root', 'targets', 'targets/owner', 'targets/releases']);
    const narrow = await owner(['expiry', gun, '--within', '1s']);
    expect(narrow.code, narrow.stderr).toBe(0);
    expect(narrow.stdout).toContain('Nothing ends within the window.');

    // Once they ran out, stock notary and docker refuse the repository; expiry still lists it (exit 5).
    // (from the dates signed, not from when the commands were started: a loaded machine is slow)
    const rootEnds = Date.parse(byRole.get('root')!.expires);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, rootEnds + 1_500 - Date.now())));
    for (const notary of [cachedNotary, await freshNotary()]) {
      const r = await notary(['list', gun]);
      expect(r.stdout + r.stderr).toMatch(/expired/);
      expect(r.stdout).not.toContain('v1');
    }
    expect((await cachedDocker(['trust', 'inspect', gun])).code).not.toBe(0);
    const expired = await listing(owner, [gun]);
    expect(expired.code).toBe(5);
    expect(expired.report.verdict).toBe('expired');
    expect(expired.report.items.filter((i) => i.state === 'expired').map((i) => i.role)).toEqual([
      'targets/owner',
      'targets/releases',
      'root',
      'targets',
    ]);
    const text = await owner(['expiry', gun]);
    expect(text.code).toBe(5);
    expect(text.stdout).toMatch(/targets\/owner\s+\S+ \S+\s+expired \d+s ago\s+this host/);

    // Once its 14-day timestamp also runs out, notary-server cannot re-sign it under the expired root
    // (server/timestamp/timestamp.go createTimestamp loads root with expiry enforced) and answers 500
    // to timestamp.json and snapshot.json (server/handlers/roles.go). A proxy gives that answer now:
    // expiry names the real cause, read from the root that verified, not "could not read".
    const proxy = await rewritingProxy(server);
    try {
      proxy.answer.fn = (p) =>
        /\/_trust\/tuf\/(timestamp|snapshot)(\.[0-9a-f]{64})?\.json$/.test(p)
          ? { status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{}}]}' }
          : undefined;
      const stale = trustTui({ trustDir: owner.trustDir, env: { DOCKER_CONTENT_TRUST_SERVER: proxy.url, TRUST_TUI_ALLOW_HTTP_LOOPBACK: '1' } });
      const blocked = await stale(['expiry', gun]);
      expect(blocked.code, blocked.stderr).toBe(5);
      expect(blocked.stdout).not.toContain('Could not read');
      expect(blocked.stdout).toContain(`${gun}: root expired, so the server cannot re-sign its timestamp: renew it here with \`trust-tui renew ${gun} --role root\``);
      const json = JSON.parse((await stale(['--json', 'expiry', gun])).stdout);
      expect(json.unreadable).toEqual([]);
      expect(json.rootExpired).toEqual([expect.objectContaining({ gun, command: `trust-tui renew ${gun} --role root` })]);
      expect(json.items.map((i: Item) => `${i.role} ${i.state}`)).toEqual(['root expired', 'root certificate valid']);
    } finally {
      await proxy.close();
    }

    // The dry run shows the plan and changes nothing.
    const rootBefore = (await httpRequest(`${server.url}/v2/${gun}/_trust/tuf/root.json`, { caFile: server.caFile })).body;
    const dry = ok(await owner(['renew', gun, '--dry-run']));
    for (const role of ['root', 'targets', 'targets/owner', 'targets/releases']) expect(dry.stdout).toMatch(new RegExp(`${role}\\s`));
    expect(dry.stdout).toContain('timestamp is not renewed here: the trust server re-signs it');
    expect((await httpRequest(`${server.url}/v2/${gun}/_trust/tuf/root.json`, { caFile: server.caFile })).body.equals(rootBefore)).toBe(true);

    // Renewed: the result is what the server now serves (read back), and every client reads v1 again.
    const renewed = JSON.parse(ok(await owner(['--json', 'renew', gun, '--yes'])).stdout);
    expect(renewed.outcomes).toEqual([expect.objectContaining({ gun, status: 'renewed' })]);
    const roles = renewed.outcomes[0].renewed as { role: string; version: number; expires: string }[];
    expect(roles.map((r) => r.role)).toEqual(['root', 'targets', 'targets/owner', 'targets/releases']);
    expect(new Date(roles[0]!.expires).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * DAY_MS);
    expect(new Date(roles[1]!.expires).getTime()).toBeGreaterThan(Date.now() + 2 * 365 * DAY_MS);
    for (const notary of [cachedNotary, await freshNotary()]) expect(ok(await notary(['list', gun])).stdout).toContain('v1');
    expect(await dockerTags(cachedDocker, gun)).toEqual(['v1']);
    expect(await dockerTags(await freshDocker(), gun)).toEqual(['v1']);
    const after = await owner(['expiry', gun, '--within', '30d']);
    expect(after.code, after.stdout).toBe(0); // only the timestamp ends within 30 days, and the server renews it

    // A signer's role: left to her, with her key; she renews it from her own host.
    const carol = await host();
    ok(await carol(['key', 'generate', 'carol', '--dir', carol.workDir]));
    // signer add takes --expires as init and sign do: the roles it signs live that long.
    ok(await owner(['signer', 'add', gun, 'carol', '--key', path.join(carol.workDir, 'carol.pub'), '--expires', '20d']));
    // (it signs targets, where the delegations to carol and to targets/releases are listed)
    const delegating = (await listing(owner, [gun])).report.items.find((i) => i.role === 'targets')!;
    expect(Math.abs(delegating.msLeft - 20 * DAY_MS)).toBeLessThan(120_000);
    ok(await carol(['sign', `${gun}:v2`, '--digest', DIGEST(2), '--size', '22', '--expires', '20d']));
    const carolItem = (await listing(owner, [gun])).report.items.find((i) => i.role === 'targets/carol')!;
    const carolKey = JSON.parse(ok(await carol(['--json', 'key', 'list'])).stdout).find((k: { role: string }) => k.role === 'carol').id;
    expect(carolItem.renewer).toEqual({ kind: 'others', who: 'carol', keyIds: [carolKey], command: `trust-tui renew ${gun} --role targets/carol` });
    const left = ok(await owner(['renew', gun, '--role', 'targets/carol', '--dry-run'])).stdout;
    expect(left).toContain('Nothing this host can renew.');
    expect(left).toContain(`carol must run \`trust-tui renew ${gun} --role targets/carol\``);
    const byCarol = JSON.parse(ok(await carol(['--json', 'renew', gun, '--role', 'targets/carol', '--yes'])).stdout);
    expect(byCarol.outcomes[0].renewed.map((r: { role: string }) => r.role)).toEqual(['targets/carol']);
    const carolAfter = (await listing(owner, [gun])).report.items.find((i) => i.role === 'targets/carol')!;
    expect(carolAfter.msLeft).toBeGreaterThan(2 * 365 * DAY_MS);
  });

  it('a watched repository never initialised on its server has nothing to expire: expiry and sweep do not fail on it', async () => {
    const tt = await host();
    const gun = 'registry.example.test/team/never-initialised';
    await new Settings(tt.configDir).update((s) => void s.watched.push(gun));
    // Other tests' repositories (the server's change feed lists them) may be expiring: exit 4, never 1.
    const listed = await tt(['--json', 'expiry']);
    expect([0, 4], listed.stderr).toContain(listed.code);
    expect(JSON.parse(listed.stdout)).toMatchObject({ notInitialised: [gun], unreadable: [] });
    expect((await tt(['expiry'])).stdout).toContain(`Not initialised on their trust server (nothing to expire): ${gun}`);
    const sweep = await tt(['sweep', 'signer', 'nobody', '--dry-run']);
    expect(sweep.stderr).not.toContain('could not be read');
  });

  it('a root certificate close to its end: renew replaces it for the same key, and notary and docker follow (cached or not)', async () => {
    const gun = 'registry.example.test/team/old-certificate';
    const { owner, built } = await ownerOfEndingCertificate(gun);
    // These clients pin the old certificate (trust on first use) before the renewal.
    const cachedNotary = await freshNotary();
    const cachedDocker = await freshDocker();
    expect(ok(await cachedNotary(['list', gun])).stdout).toContain('v1');
    expect(await dockerTags(cachedDocker, gun)).toEqual(['v1']);
    const serverRoot = () => servedRoot(gun);
    const oldRoot = await serverRoot();
    const [oldCertId] = oldRoot.signed.roles.root.keyids;

    const before = await listing(owner, [gun]);
    expect(before.code).toBe(4);
    expect(before.report.items[0]).toMatchObject({ role: 'root certificate', state: 'expires-soon', renewer: { kind: 'this-host' } });
    expect(ok(await owner(['renew', gun, '--dry-run'])).stdout).toMatch(/root certificate\s+\S+ \S+\s+new certificate for the same root key/);

    const renewed = JSON.parse(ok(await owner(['--json', 'renew', gun, '--yes'])).stdout).outcomes[0];
    expect(renewed.status).toBe('renewed');
    const root = await serverRoot();
    expect(root.signed.version).toBe(oldRoot.signed.version + 1);
    const [newCertId] = root.signed.roles.root.keyids;
    expect(newCertId).not.toBe(oldCertId);
    expect(root.signatures.map((s) => s.keyid).sort()).toEqual([oldCertId, newCertId].sort());
    expect(renewed.certificates).toEqual([{ keyId: newCertId, notAfter: expect.any(String) }]);
    expect(new Date(renewed.certificates[0].notAfter).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * DAY_MS);
    // Same key: only the certificate around it is new.
    const roleKeys = JSON.parse(ok(await owner(['--json', 'key', 'list'])).stdout).map((k: { id: string }) => k.id);
    expect(roleKeys).toContain(built.rootKey.id);

    for (const notary of [cachedNotary, await freshNotary()]) expect(ok(await notary(['list', gun])).stdout).toContain('v1');
    for (const docker of [cachedDocker, await freshDocker()]) {
      const inspect = JSON.parse(ok(await docker(['trust', 'inspect', gun])).stdout)[0];
      expect(inspect.SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['v1']);
      expect(inspect.AdministrativeKeys[0]).toEqual({ Name: 'Root', Keys: [{ ID: newCertId }] });
    }
    const after = await listing(owner, [gun]);
    expect(after.code, JSON.stringify(after.report)).toBe(0);
  });

  it('pins on the old root certificate: renew names them and refuses; --update-pins moves trust-tui\'s pin and prints the ID notary needs', async () => {
    const gun = 'registry.example.test/team/pinned-certificate';
    const { owner } = await ownerOfEndingCertificate(gun);
    const rootJson = () => servedRoot(gun);
    const oldRoot = await rootJson();
    const [oldCertId] = oldRoot.signed.roles.root.keyids as [string];
    // trust-tui pinned to the old certificate (config pin takes its PEM), a notary client by its ID.
    const pem = path.join(owner.workDir, 'old-root.pem');
    await writeFile(pem, Buffer.from(oldRoot.signed.keys[oldCertId]!.keyval.public, 'base64'));
    ok(await owner(['config', 'pin', gun, pem]));
    // (notary applies its pins to a root it has not cached yet: a new machine, a clean CI runner)
    const pinnedNotary = async (id: string) => {
      const notary = await freshNotary();
      const config = JSON.parse(await readFile(notary.configFile, 'utf8'));
      await writeFile(notary.configFile, JSON.stringify({ ...config, trust_pinning: { certs: { [gun]: [id] } } }));
      return notary;
    };
    const notary = await pinnedNotary(oldCertId);
    expect(ok(await notary(['list', gun])).stdout).toContain('v1');
    const withNotary = ['--notary-config', notary.configFile];

    // The plan names both pins; without --update-pins renew refuses, saying why and what to do.
    const dry = ok(await owner(['renew', gun, '--dry-run', ...withNotary])).stdout;
    expect(dry).toContain(`${gun}: the trust-tui pin of ${gun} names the old root certificate ${oldCertId.slice(0, 7)}`);
    expect(dry).toContain(`${gun}: the notary pin of ${gun} in ${notary.configFile} names the old root certificate`);
    const refused = await owner(['renew', gun, '--yes', ...withNotary]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^trust-tui: the new root certificate of .* would not match the trust-tui pin of .* — add --update-pins/)]);
    expect((await rootJson()).signed.version).toBe(oldRoot.signed.version);

    // With --update-pins: renewed; trust-tui's pin names the new certificate, and the new ID is printed for notary.
    const run = ok(await owner(['renew', gun, '--yes', '--update-pins', ...withNotary]));
    const [newCertId] = (await rootJson()).signed.roles.root.keyids as [string];
    expect(newCertId).not.toBe(oldCertId);
    expect(run.stdout).toContain(`the trust-tui pin of ${gun} now names the new certificate ${newCertId.slice(0, 7)}`);
    expect(run.stdout).toContain(`in ${notary.configFile}, replace ${oldCertId} with ${newCertId} in trust_pinning.certs "${gun}"`);
    const pins = JSON.parse(ok(await owner(['--json', 'config', 'show'])).stdout).pins;
    expect(pins[gun]).toEqual({ certs: [newCertId] });
    expect((await listing(owner, [gun])).code).toBe(0);
    // A notary client pinned to the old certificate refuses the new root; pinned to the printed ID, it reads v1.
    const stale = await (await pinnedNotary(oldCertId))(['list', gun]);
    expect(stale.code).not.toBe(0);
    expect(stale.stdout + stale.stderr).toContain('unable to match any certificates to trust_pinning config');
    expect(ok(await (await pinnedNotary(newCertId))(['list', gun])).stdout).toContain('v1');
  });
});
