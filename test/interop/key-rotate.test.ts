/**
 * `key rotate` against the real notary-server, cross-checked with the real notary CLI (a fresh one
 * and one that cached the old root, which must follow the rotation) and `docker trust inspect`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  httpRequest,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
} from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


type RootJson = {
  signed: { version: number; keys: Record<string, unknown>; roles: Record<string, { keyids: string[] }> };
  signatures: { keyid: string }[];
};

const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('key rotate on the real notary-server', () => {
  let server: NotaryServer;
  let tt: TrustTuiRunner;
  let docker: DockerRunner;
  /** A notary CLI sharing trust-tui's trust dir (keys and cache). */
  let notary: NotaryRunner;
  /** A notary CLI that cached the repository before any rotation. */
  let staleNotary: NotaryRunner;
  const repo = 'registry.example.test/team/rotate';

  const serverFile = async (role: string, gun = repo): Promise<{ status: number; json: () => unknown; body: Buffer }> => {
    const res = await httpRequest(`${server.url}/v2/${gun}/_trust/tuf/${role}.json`, { caFile: server.caFile });
    return { status: res.status, json: () => res.json(), body: res.body };
  };
  const serverRoot = async (gun = repo) => (await serverFile('root', gun)).json() as RootJson;
  const settingsRootKey = async () => JSON.parse(await readFile(path.join(tt.configDir, 'config.json'), 'utf8').catch(() => '{}')).rootKeyId as string | undefined;
  const keyIds = async (runner: TrustTuiRunner = tt): Promise<string[]> =>
    (JSON.parse(ok(await runner(['--json', 'key', 'list'])).stdout) as { id: string }[]).map((k) => k.id).sort();

  /** Every client still reads the repository, and sees `tags`. */
  async function expectReadable(tags: string[], gun = repo): Promise<void> {
    for (const runner of [notary, staleNotary, notaryCli(await makeScratchDir('fresh-notary'), server.url, server.caFile)]) {
      const list = ok(await runner(['list', gun])).stdout;
      for (const tag of tags) expect(list).toContain(tag);
    }
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', gun])).stdout);
    expect(inspect[0].SignedTags.map((t: { SignedTag: string }) => t.SignedTag).sort()).toEqual([...tags].sort());
    ok(await tt(['inspect', gun]));
  }

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    const dockerConfig = await makeScratchDir('docker-config');
    docker = dockerCli(dockerConfig, server.url, server.caFile);
    tt = trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    notary = notaryCli(tt.trustDir, server.url, server.caFile);
    staleNotary = notaryCli(await makeScratchDir('stale-notary'), server.url, server.caFile);
    ok(await tt(['init', repo]));
    ok(await tt(['sign', `${repo}:v1`, '--digest', DIGEST(1), '--size', '11']));
    ok(await staleNotary(['list', repo])); // caches root v1
    ok(await docker(['trust', 'inspect', repo])); // docker caches it too
  });

  it('root: a refused or empty answer, or no answer (input ended), changes nothing, locally or on the server', async () => {
    const before = { root: (await serverFile('root')).body, keys: await keyIds(), rootKey: await settingsRootKey() };
    for (const input of ['n\n', '\n']) {
      const r = await tt(['key', 'rotate', 'root', repo], { input });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain('cancelled');
    }
    const ended = await tt(['key', 'rotate', 'root', repo], { input: '' });
    expect(ended.code, ended.stderr).toBe(1);
    expect(ended.stderr.trim().split('\n').at(-1)).toBe('trust-tui: no answer because standard input ended: nothing was changed — pass -y (--yes) to confirm without a prompt');
    expect((await serverFile('root')).body.equals(before.root)).toBe(true);
    expect(await keyIds()).toEqual(before.keys);
    expect(await settingsRootKey()).toBe(before.rootKey);
  });

  it('root: v+1 lists the new certificate, keeps the old one, is signed by both; every client follows', async () => {
    const old = await serverRoot();
    const oldRootIds = old.signed.roles.root!.keyids;
    const r = ok(await tt(['--json', 'key', 'rotate', 'root', repo], { input: 'y\n' }));
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ role: 'root', keyHeldBy: 'local', repositories: [{ gun: repo, rootVersion: old.signed.version + 1 }] });
    const newKeyId: string = out.repositories[0].newKeyId;

    const root = await serverRoot();
    expect(root.signed.version).toBe(old.signed.version + 1);
    const newRootIds = root.signed.roles.root!.keyids;
    expect(newRootIds).toHaveLength(1);
    expect(newRootIds).not.toEqual(oldRootIds);
    expect(Object.keys(root.signed.keys)).toEqual(expect.arrayContaining([...oldRootIds, ...newRootIds]));
    expect(root.signatures.map((s) => s.keyid).sort()).toEqual([...oldRootIds, ...newRootIds].sort());

    // The new key is this host's root key from now on; the old key file stays (other repos use it).
    expect(await settingsRootKey()).toBe(newKeyId);
    const keys = await keyIds();
    expect(keys).toContain(newKeyId);
    expect(keys).toContain(out.repositories[0].oldKeyIds[0]);

    await expectReadable(['v1']);
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    // docker shows the root key by its certificate's ID (docker/cli cli/command/trust/inspect.go).
    expect(inspect[0].AdministrativeKeys[0]).toEqual({ Name: 'Root', Keys: [{ ID: newRootIds[0] }] });
    // The repository is still writable, and only with the new root key from now on.
    ok(await tt(['sign', `${repo}:v2`, '--digest', DIGEST(2), '--size', '22']));
    ok(await tt(['key', 'rotate', 'timestamp', repo]));
    await expectReadable(['v1', 'v2']);
  });

  it('targets: a new local key signs targets in the same update; docker shows it as the repository key', async () => {
    const before = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout)[0].AdministrativeKeys[1].Keys[0].ID;
    const out = JSON.parse(ok(await tt(['--json', 'key', 'rotate', 'targets', repo])).stdout);
    const rotated = out.repositories[0];
    expect(rotated.oldKeyIds).toEqual([before]);
    expect(rotated.newKeyId).not.toBe(before);
    expect(rotated.published).toEqual(['root', 'targets']);
    const targets = (await serverFile('targets')).json() as { signatures: { keyid: string }[] };
    expect(targets.signatures.map((s) => s.keyid)).toEqual([rotated.newKeyId]);
    await expectReadable(['v1', 'v2']);
    const inspect = JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout);
    expect(inspect[0].AdministrativeKeys[1]).toEqual({ Name: 'Repository', Keys: [{ ID: rotated.newKeyId }] });
    // The new targets key can change delegations: the notary CLI (same trust dir) adds one.
    ok(await tt(['key', 'generate', 'second', '--dir', tt.workDir]));
    ok(await notary(['delegation', 'add', repo, 'targets/second', path.join(tt.workDir, 'second.pub'), '--all-paths', '-p']));
    expect(ok(await notary(['delegation', 'list', repo])).stdout).toContain('targets/second');
  });

  it('targets --to: rotates to a key generated earlier, and refuses a key whose private half is not here', async () => {
    const gen = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'newtargets', '--dir', tt.workDir])).stdout);
    const out = JSON.parse(ok(await tt(['--json', 'key', 'rotate', 'targets', repo, '--to', gen.publicKeyFile])).stdout);
    expect(out.repositories[0].newKeyId).toBe(gen.id);
    await expectReadable(['v1', 'v2']);

    const other = trustTui();
    const foreign = JSON.parse(ok(await other(['--json', 'key', 'generate', 'foreign', '--dir', other.workDir])).stdout);
    const rootBefore = (await serverFile('root')).body;
    const r = await tt(['key', 'rotate', 'targets', repo, '--to', foreign.publicKeyFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not hold the private key/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await serverFile('root')).body.equals(rootBefore)).toBe(true);
  });

  it('timestamp: the server makes a new key and root lists it', async () => {
    const before = (await serverRoot()).signed.roles.timestamp!.keyids;
    const out = JSON.parse(ok(await tt(['--json', 'key', 'rotate', 'timestamp', repo])).stdout);
    expect(out.keyHeldBy).toBe('server');
    const after = (await serverRoot()).signed.roles.timestamp!.keyids;
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    const timestamp = (await serverFile('timestamp')).json() as { signatures: { keyid: string }[] };
    expect(timestamp.signatures.map((s) => s.keyid)).toEqual(after);
    await expectReadable(['v1', 'v2']);
  });

  it('snapshot: a repository notary made with a local snapshot key moves it to the server and deletes the local key', async () => {
    const gun = 'registry.example.test/team/notary-made';
    ok(await notary(['init', gun, '-p']));
    const snapshotId = (await serverRoot(gun)).signed.roles.snapshot!.keyids[0]!;
    // notary's snapshot key is a plain ecdsa key: TUF ID = canonical ID = file name.
    expect(await keyIds()).toContain(snapshotId);
    const out = JSON.parse(ok(await tt(['--json', 'key', 'rotate', 'snapshot', gun])).stdout);
    expect(out.repositories[0]).toMatchObject({ gun, oldKeyIds: [snapshotId], deletedKeyIds: [snapshotId] });
    expect(await keyIds()).not.toContain(snapshotId);
    const after = (await serverRoot(gun)).signed.roles.snapshot!.keyids;
    expect(after).not.toEqual([snapshotId]);
    // The notary CLI publishes without its snapshot key now: the server signs snapshots.
    const file = path.join(notary.workDir, 'payload.txt');
    await writeFile(file, 'payload');
    ok(await notary(['add', gun, 'v9', file, '-p']));
    const snapshot = (await serverFile('snapshot', gun)).json() as { signatures: { keyid: string }[] };
    expect(snapshot.signatures.map((s) => s.keyid)).toEqual(after);
    expect(ok(await notary(['list', gun])).stdout).toContain('v9');
  });

  it('refuses unknown roles, --to outside targets and tags, with one line and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['key', 'rotate', 'targets/releases', repo], /signer role/],
      [['key', 'rotate', 'bogus', repo], /cannot rotate a key of role "bogus"/],
      [['key', 'rotate', 'root', repo, '--to', 'x.pem', '-y'], /--to applies to targets/],
      [['key', 'rotate', 'timestamp', `${repo}:v1`], /names an image/],
      [['key', 'rotate', 'targets', 'registry.example.test/team/nothing-here'], /not initiali[sz]ed/],
    ];
    const rootBefore = (await serverFile('root')).body;
    for (const [args, message] of cases) {
      const r = await tt(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await serverFile('root')).body.equals(rootBefore)).toBe(true);
  });
});
