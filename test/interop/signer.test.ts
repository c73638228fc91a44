/**
 * signer add / add-key / remove / remove-key / list against the real notary-server, cross-checked
 * with `docker trust inspect` and `notary delegation list`. Keys come from `docker trust key
 * generate` and openssl; tags are signed by the notary CLI as `docker trust sign` would
 * (into targets/releases and targets/<signer>).
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  httpRequest,
  makeScratchDir,
  notaryCli,
  requireBinary,
  runCommand,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
  type NotaryRunner,
  type NotaryServer,
  type RunResult,
} from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { PublicKey } from '../../src/tuf/key.js';
import { ok } from '../helpers/expect.js';

afterAll(stopAllPeers);


/** A one-line error with exit code 1 whose text matches `pattern`. */
function fails(r: RunResult, pattern: RegExp, code = 1): void {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING'))).toHaveLength(1);
}

type InspectSigner = { Name: string; Keys: { ID: string }[] };

describe('signer commands on real peers', () => {
  const repo = 'registry.example.com/team/signers';
  let server: NotaryServer;
  let docker: DockerRunner;
  let tt: TrustTuiRunner;
  /** A second host: only the root and targets keys of the repository (copied), no signer key. */
  let admin: TrustTuiRunner;
  /** alice's own host: docker trust dir holding only alice's key. */
  let dockerAlice: DockerRunner;
  let notaryAlice: NotaryRunner;
  let notaryTt: NotaryRunner;
  const ids: Record<string, string> = {};

  const inspect = async () => JSON.parse(ok(await docker(['trust', 'inspect', repo])).stdout)[0];
  const signersOf = async (): Promise<Record<string, string[]>> =>
    Object.fromEntries(((await inspect()).Signers as InspectSigner[]).map((s) => [s.Name, s.Keys.map((k) => k.ID).sort()]));
  /** What the server serves, byte for byte. */
  const serverFiles = async () => {
    const out: Record<string, string> = {};
    for (const role of ['root', 'targets', 'snapshot', 'timestamp', 'targets/releases', 'targets/alice']) {
      out[role] = (await httpRequest(`${server.url}/v2/${repo}/_trust/tuf/${role}.json`, { caFile: server.caFile })).text();
    }
    return out;
  };
  /** `notary delegation list` rows as role -> {keys, threshold}; further keys of a role follow on lines of their own. */
  const delegationList = async () => {
    const out = ok(await notaryTt(['delegation', 'list', repo])).stdout;
    const rows: Record<string, { keys: string[]; threshold: string }> = {};
    let current: { keys: string[]; threshold: string } | undefined;
    for (const line of out.split('\n')) {
      const row = /^\s*(targets\/\S+)\s+(.*?)\s{2,}([0-9a-f]{64})\s+(\d+)\s*$/.exec(line);
      const more = /^\s+([0-9a-f]{64})\s*$/.exec(line);
      if (row) rows[row[1]!] = current = { keys: [row[3]!], threshold: row[4]! };
      else if (more && current) current.keys.push(more[1]!);
      else current = undefined;
    }
    return { out, rows };
  };

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    const dockerConfig = await makeScratchDir('docker-config');
    docker = dockerCli(dockerConfig, server.url, server.caFile);
    tt = trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    admin = trustTui({ env: { DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: server.url } });
    dockerAlice = dockerCli(await makeScratchDir('docker-config-alice'), server.url, server.caFile);
    notaryAlice = notaryCli(dockerAlice.trustDir, server.url, server.caFile);
    notaryTt = notaryCli(tt.trustDir, server.url, server.caFile);
    for (const name of ['alice', 'team1', 'team2', 'shared', 'qa']) {
      const host = name === 'alice' ? dockerAlice : docker;
      ok(await host(['trust', 'key', 'generate', name, '--dir', docker.workDir]));
      const pub = await readFile(path.join(docker.workDir, `${name}.pub`), 'utf8');
      const der = Buffer.from(pub.split('\n\n')[1]!.split('-----END')[0]!.replace(/\s+/g, ''), 'base64');
      ids[name] = new PublicKey('ecdsa', der.toString('base64')).id;
    }
  });

  const pub = (name: string) => path.join(docker.workDir, `${name}.pub`);

  it('signer add initialises the repository and adds a docker-generated key; docker inspect shows it', async () => {
    const r = JSON.parse(ok(await tt(['--json', 'signer', 'add', repo, 'alice', '--key', pub('alice')])).stdout);
    expect(r).toMatchObject({ gun: repo, signer: 'alice', initialised: true, keyIds: [ids.alice], threshold: 1 });
    const signers = await signersOf();
    expect(signers.alice).toEqual([ids.alice]);
    expect(Object.keys(signers).sort()).toEqual(['alice', 'owner']);
    expect((await delegationList()).rows['targets/releases']?.keys).toContain(ids.alice);
  });

  it('signer add with a certificate stores an x509 key that docker and notary show by its canonical ID', async () => {
    const dir = await makeScratchDir('cert');
    const [key, cert] = [path.join(dir, 'carol.key'), path.join(dir, 'carol.crt')];
    const openssl = requireBinary('openssl');
    ok(
      await runCommand(openssl, [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=carol',
      ]),
    );
    const spki = new X509Certificate(await readFile(cert)).publicKey.export({ type: 'spki', format: 'der' });
    const canonical = new PublicKey('ecdsa', spki.toString('base64')).id;
    const r = JSON.parse(ok(await tt(['--json', 'signer', 'add', repo, 'carol', '--key', cert])).stdout);
    expect(r.added).toEqual([expect.objectContaining({ id: canonical, keytype: 'ecdsa-x509' })]);
    expect((await signersOf()).carol).toEqual([canonical]);
    const { rows } = await delegationList();
    expect(rows['targets/carol']?.keys).toEqual([canonical]);
  });

  it('--threshold sets targets/releases (what docker pulls), re-signed in the same upload; role threshold sets it back', async () => {
    const r = ok(await tt(['signer', 'add', repo, 'team', '--key', pub('team1'), '--key', pub('team2'), '--threshold', '2']));
    expect(r.stdout).toContain('targets/releases: threshold 1 → 2');
    const { rows, out } = await delegationList();
    expect(rows['targets/team'], out).toMatchObject({ threshold: '1' });
    expect(rows['targets/team']!.keys.sort()).toEqual([ids.team1, ids.team2].sort());
    expect(rows['targets/releases']?.threshold).toBe('2');
    // Back to 1 so that alice alone can release with the stock notary CLI below.
    ok(await tt(['role', 'threshold', repo, 'releases', '1']));
    expect((await delegationList()).rows['targets/releases']?.threshold).toBe('1');
  });

  it('a tag signed by alice with notary is listed under alice', async () => {
    await writeFile(path.join(notaryAlice.workDir, 'm2.json'), '{"fake":"manifest v2"}\n');
    ok(await notaryAlice(['add', repo, 'v2', 'm2.json', '--roles', 'targets/releases', '--roles', 'targets/alice']));
    ok(await notaryAlice(['publish', repo]));
    const tags = (await inspect()).SignedTags;
    expect(tags).toEqual([expect.objectContaining({ SignedTag: 'v2', Signers: ['alice'] })]);
    const list = JSON.parse(ok(await tt(['--json', 'signer', 'list', repo])).stdout);
    const alice = list.signers.find((s: { name: string }) => s.name === 'alice');
    expect(alice).toMatchObject({ role: 'targets/alice', keys: [{ id: ids.alice }], state: 'trusted', tags: ['v2'], paths: [''] });
    // targets/releases is not a signer (docker's view, and what the Signers screen shows).
    expect(list.signers.map((s: { name: string }) => s.name)).not.toContain('releases');
    const text = ok(await tt(['signer', 'list', repo])).stdout;
    expect(text).toMatch(/^alice\s+\S+\s+1\s+""\s+trusted\s+1: v2$/m);
    expect(text).not.toMatch(/^releases\s/m);
    // Who signed the current release file, over distinct keys, in JSON and in words.
    expect(list.releases).toMatchObject({ threshold: 1, signed: 1, signers: expect.arrayContaining([{ name: 'alice', signed: true }]) });
    expect(text).toMatch(/^targets\/releases: 1 of \d+ keys must sign, 1 signed the current file \(.*✓ alice/m);
  });

  it('removing the last releases signer without a remaining key here opens a request, or is refused with --no-request; forced, it asks and a refusal changes nothing', async () => {
    // The admin host holds the root and targets keys but no signer key.
    await mkdir(path.join(admin.trustDir, 'private'), { recursive: true });
    for (const file of await readdir(path.join(tt.trustDir, 'private'))) {
      const text = await readFile(path.join(tt.trustDir, 'private', file), 'utf8');
      if (/^role: (root|targets)$/m.test(text)) await copyFile(path.join(tt.trustDir, 'private', file), path.join(admin.trustDir, 'private', file));
    }
    const inspectBefore = ok(await docker(['trust', 'inspect', repo])).stdout;
    const filesBefore = await serverFiles();

    // By default a signing request collects the releases signature this host cannot make; nothing is published.
    const opened = await admin(['--json', 'signer', 'remove', repo, 'alice']);
    expect(opened.code, opened.stderr).toBe(8);
    const request = JSON.parse(opened.stdout).request;
    expect(request.status).toMatch(/^0 of 1 signed — waiting on 1 more: /);
    expect(await serverFiles()).toEqual(filesBefore);
    ok(await admin(['request', 'cancel', request.id, '--yes']));
    fails(await admin(['signer', 'remove', repo, 'alice', '--no-request']), /leave targets\/releases of .* unverifiable.*v2.*--force/);
    for (const input of [undefined, 'n\n', '\n']) {
      const r = await admin(['signer', 'remove', repo, 'alice', '--force'], input === undefined ? {} : { input });
      // No input at all is no answer (exit 1, pass -y); a refusal is a cancellation (exit 3).
      expect(r.code, r.stderr).toBe(input === undefined ? 1 : 3);
      expect(r.stderr).toContain('makes 1 tag(s) unpullable (their last valid signature goes): v2');
      expect(r.stderr).toContain('nothing was changed');
      if (input === undefined) expect(r.stderr.trim().split('\n').at(-1)).toBe('trust-tui: no answer because standard input ended: nothing was changed — pass -y (--yes) to confirm without a prompt');
    }
    expect(ok(await docker(['trust', 'inspect', repo])).stdout).toBe(inspectBefore);
    expect(await serverFiles()).toEqual(filesBefore);
  });

  it('removing the last releases signer re-signs releases with a key held here, so the tag stays released', async () => {
    const r = JSON.parse(ok(await tt(['--json', 'signer', 'remove', repo, 'alice'])).stdout);
    // What the server now serves: targets re-signed without alice, releases re-signed, alice gone.
    expect(Object.fromEntries(r.changes.map((c: { role: string; outcome: string }) => [c.role, c.outcome]))).toEqual({
      targets: 're-signed',
      'targets/alice': 'removed',
      'targets/releases': 're-signed',
    });
    expect(r.tagsNoLongerReleased).toEqual([]);
    const after = await inspect();
    expect(after.SignedTags).toEqual([expect.objectContaining({ SignedTag: 'v2', Signers: ['Repo Admin'] })]);
    expect(after.Signers.map((s: InspectSigner) => s.Name)).not.toContain('alice');
    expect(ok(await notaryTt(['list', repo])).stdout).toMatch(/v2\s+\S+\s+\d+\s+targets\/releases/);
    expect((await delegationList()).rows['targets/releases']?.keys).not.toContain(ids.alice);
  });

  it('remove-key takes a key out of every signer; a signer left without keys goes', async () => {
    ok(await tt(['signer', 'add', repo, 'dev', '--key', pub('shared')]));
    ok(await tt(['signer', 'add', repo, 'qa', '--key', pub('shared'), '--key', pub('qa')]));
    expect((await signersOf()).qa).toEqual([ids.qa, ids.shared].sort());
    const r = JSON.parse(ok(await tt(['--json', 'signer', 'remove-key', repo, ids.shared!.slice(0, 12)])).stdout);
    expect(r.removed).toBe(ids.shared);
    expect(Object.fromEntries(r.changes.map((c: { role: string; outcome: string }) => [c.role, c.outcome]))).toEqual({
      targets: 're-signed',
      'targets/releases': 'still-valid',
      'targets/dev': 'removed',
      'targets/qa': 'unsigned', // declared, never signed
    });
    const signers = await signersOf();
    expect(signers.dev).toBeUndefined();
    expect(signers.qa).toEqual([ids.qa]);
    const { out } = await delegationList();
    expect(out).not.toContain(ids.shared);
    expect((await inspect()).SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toEqual(['v2']);
  });

  it('add-key adds to an existing signer and to releases', async () => {
    expect(ok(await tt(['signer', 'add-key', repo, 'qa', '--key', pub('shared')])).stdout).toContain(`Successfully added 1 key(s) to signer qa of ${repo}`);
    expect((await signersOf()).qa).toEqual([ids.qa, ids.shared].sort());
    expect((await delegationList()).rows['targets/releases']?.keys).toContain(ids.shared);
  });

  it('bad input gives one line, exit 1, and changes nothing', async () => {
    await writeFile(path.join(tt.workDir, 'm1.json'), '{"fake":"manifest v1"}\n');
    const inspectBefore = ok(await docker(['trust', 'inspect', repo])).stdout;
    const filesBefore = await serverFiles();
    fails(await tt(['signer', 'remove', repo, 'nobody']), new RegExp(`no signer nobody for repository ${repo} — see trust-tui signer list ${repo}`));
    fails(await tt(['signer', 'add-key', repo, 'nobody', '--key', pub('qa')]), /no signer nobody for repository/);
    fails(await tt(['signer', 'remove-key', repo, 'deadbeef00']), /no signer of .* uses key deadbeef00/);
    fails(await tt(['signer', 'remove-key', repo, 'xyz']), /not a key ID/);
    fails(await tt(['signer', 'add', repo, 'releases', '--key', pub('qa')]), /^trust-tui: releases is a reserved keyword — use a different signer name$/m);
    fails(await tt(['signer', 'remove', repo, 'releases']), /releases is a reserved keyword and cannot be removed/);
    fails(await tt(['signer', 'add', repo, 'Bad', '--key', pub('qa')]), /signer name "Bad" must start with lowercase alphanumeric characters/);
    fails(await tt(['signer', 'add', repo, 'm1', '--key', 'm1.json']), /could not parse public key from file: m1.json: no valid public key found/);
    const noKey = await tt(['signer', 'add', repo, 'm1']);
    expect([noKey.code, noKey.stdout]).toEqual([2, '']); // a usage error: nothing was tried
    expect(noKey.stderr).toContain('error: path to a public key must be provided using the `--key` flag');
    fails(await tt(['signer', 'add', repo, 'm1', '--key', 'no-such-key']), /no such file, and no local key has that name or ID/);
    fails(await tt(['signer', 'add', repo, 'qa', '--key', pub('qa'), '--threshold', '9']), /threshold 9 for targets\/releases of .* can never be met: it would have \d distinct key\(s\)/);
    expect(ok(await docker(['trust', 'inspect', repo])).stdout).toBe(inspectBefore);
    expect(await serverFiles()).toEqual(filesBefore);
  });
});
