// The real notary 0.7 CLI against `trust-tui server`, and the same script against the real
// notary-server 0.7: both must give the same results.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeScratchDir,
  notaryCli,
  requireBinary,
  startNotaryServer,
  stopAllPeers,
  type NotaryRunner,
} from '../helpers/peers.js';
import { encodeMultipart } from '../../src/notary/multipart.js';
import { PublicKey } from '../../src/tuf/key.js';
import { httpRequest } from '../helpers/http.js';
import { TestRepo } from '../server/repo-fixture.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const GUN = 'example.com/team/app';

interface ScriptResult {
  /** Every step: the command and what it printed (normalised), in order. */
  transcript: string[];
}

/** What stays the same across servers: drop key IDs of keys made per run, and log noise. */
function normalise(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*(time=|WARN|INFO|DEBU)/.test(l))
    .join('\n')
    .trim();
}

/**
 * The script from the issue: init -p, key rotate snapshot -r, delegation add with --all-paths and
 * with --paths, add/remove with -p, list, witness, delete --remote.
 */
async function runScript(
  notary: NotaryRunner,
  files: { releasesKey: string; releasesCert: string; content: string },
  afterStep: (args: string[]) => Promise<void> = async () => undefined,
): Promise<ScriptResult> {
  const transcript: string[] = [];
  const step = async (args: string[], expectOk = true) => {
    const r = await notary(args);
    if (expectOk && r.code !== 0) throw new Error(`notary ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    transcript.push(`$ notary ${args.join(' ')} -> ${r.code}\n${normalise(r.stdout)}${expectOk ? '' : `\n${normalise(r.stderr)}`}`);
    await afterStep(args);
    return r;
  };
  await step(['init', GUN, '-p']);
  await step(['key', 'rotate', GUN, 'snapshot', '-r']);
  await step(['key', 'rotate', GUN, 'timestamp', '-r']);
  await step(['key', 'rotate', GUN, 'targets']);
  await step(['key', 'import', files.releasesKey, '-r', 'targets/releases']);
  await step(['delegation', 'add', GUN, 'targets/releases', files.releasesCert, '--all-paths', '-p']);
  await step(['add', GUN, 'v1.0', files.content, '-r', 'targets/releases', '-p']);
  await step(['add', GUN, 'base', files.content, '-p']);
  await step(['delegation', 'add', GUN, 'targets/qa', files.releasesCert, '--paths', 'qa/,stage/', '-p']);
  await step(['add', GUN, 'qa/one', files.content, '-r', 'targets/qa', '-p']);
  await step(['list', GUN]);
  await step(['list', GUN, '-r', 'targets/qa']);
  await step(['remove', GUN, 'base', '-p']);
  await step(['witness', GUN, 'targets/releases', '-p']);
  await step(['list', GUN]);
  await step(['delegation', 'list', GUN]);
  await step(['delegation', 'remove', GUN, 'targets/qa', '-y', '-p']);
  await step(['list', GUN]);
  await step(['delete', GUN, '--remote']);
  await step(['list', GUN], false);
  return { transcript };
}

describe('notary 0.7 CLI against trust-tui server and notary-server', () => {
  let ours: TestServer;
  let files: { releasesKey: string; releasesCert: string; content: string };
  let shared: string;

  beforeAll(async () => {
    ours = await startTestServer();
    shared = await makeScratchDir('server-notary-interop');
    // One delegation key for both runs, so delegation key IDs match in the outputs.
    const openssl = requireBinary('openssl');
    files = {
      releasesKey: path.join(shared, 'releases.key'),
      releasesCert: path.join(shared, 'releases.crt'),
      content: path.join(shared, 'hello.txt'),
    };
    execFileSync(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', files.releasesKey]);
    execFileSync(openssl, ['req', '-new', '-x509', '-key', files.releasesKey, '-out', files.releasesCert, '-days', '30', '-subj', '/CN=releases']);
    writeFileSync(files.content, 'hello\n');
  });
  afterAll(async () => {
    await ours?.stop();
    await stopAllPeers();
  });

  it('gives the same results as notary-server 0.7 for the whole script', async () => {
    const notaryServer = await startNotaryServer({ signer: 'local' });
    const trustOurs = path.join(shared, 'trust-ours');
    const trustTheirs = path.join(shared, 'trust-theirs');
    mkdirSync(trustOurs);
    mkdirSync(trustTheirs);

    // Unlike notary-server (which keeps its meta), the removed delegation leaves the server-made snapshot.
    let snapshotRoles: string[] = [];
    const ourSnapshotRoles = async () => {
      const res = await ours.request('GET', `/v2/${GUN}/_trust/tuf/snapshot.json`);
      return Object.keys((res.json() as { signed: { meta: object } }).signed.meta).sort();
    };
    const [theirs, oursResult] = await Promise.all([
      runScript(notaryCli(trustTheirs, notaryServer.url, notaryServer.caFile), files),
      runScript(notaryCli(trustOurs, ours.url, ours.caFile!), files, async (args) => {
        if (args[0] === 'delegation' && args[1] === 'remove') snapshotRoles = await ourSnapshotRoles();
      }),
    ]);
    await notaryServer.stop();

    const show = (r: ScriptResult, url: string) => r.transcript.join('\n\n').replaceAll(url.replace('https://', ''), '<server>');
    expect(show(oursResult, ours.url)).toBe(show(theirs, notaryServer.url));

    // And the expected content, so that two equally broken servers cannot pass.
    const lists = oursResult.transcript.filter((t) => t.startsWith(`$ notary list ${GUN} ->`));
    expect(lists[0]).toMatch(/base\s+5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\s+6\s+targets\n/);
    expect(lists[0]).toMatch(/qa\/one\s+\S+\s+6\s+targets\/qa/);
    expect(lists[0]).toMatch(/v1\.0\s+\S+\s+6\s+targets\/releases/);
    expect(lists[1]).not.toMatch(/\bbase\b/);
    expect(lists[2]).not.toMatch(/qa\/one/);
    expect(lists[2]).toMatch(/v1\.0/);
    expect(lists[3]).toMatch(/-> 1\n.*does not have trust data/s);
    expect(snapshotRoles).toEqual(['root', 'targets', 'targets/releases']);
  });

  it('lists a 1,500-tag repository (which Go clients get gzip-compressed) as it lists it from notary-server', async () => {
    const notaryServer = await startNotaryServer({ signer: 'local' });
    const gun = 'example.com/team/many';
    /** Publishes the same 1,500 tags to a server, as a client holding root and targets keys. */
    const publishTo = async (url: string, caFile: string) => {
      const key = async (role: string) =>
        PublicKey.fromJSON((await httpRequest(`${url}/v2/${gun}/_trust/tuf/${role}.key`, { caFile })).json());
      const repo = await TestRepo.create(gun, await key('timestamp'), await key('snapshot'));
      for (let i = 0; i < 1500; i++) repo.addTarget(`release-${i}`, `content ${i}`);
      const files = repo.firstPublish().filter((f) => f.role !== 'snapshot');
      const { body, contentType } = encodeMultipart(files.map((f) => ({ role: f.role, bytes: f.data })));
      const res = await httpRequest(`${url}/v2/${gun}/_trust/tuf/`, { caFile, method: 'POST', body, headers: { 'content-type': contentType } });
      expect(res.status, res.text()).toBe(200);
    };
    await publishTo(ours.url, ours.caFile!);
    await publishTo(notaryServer.url, notaryServer.caFile);
    const list = async (url: string, caFile: string, dir: string) => {
      mkdirSync(path.join(shared, dir));
      const r = await notaryCli(path.join(shared, dir), url, caFile)(['list', gun]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const [mine, theirs] = await Promise.all([
      list(ours.url, ours.caFile!, 'many-ours'),
      list(notaryServer.url, notaryServer.caFile, 'many-theirs'),
    ]);
    await notaryServer.stop();
    expect(mine).toBe(theirs);
    expect(mine.split('\n').filter((l) => l.startsWith('release-'))).toHaveLength(1500);
    // The download really was compressed (Go asks for gzip on its own).
    const targets = await httpRequest(`${ours.url}/v2/${gun}/_trust/tuf/targets.json`, { caFile: ours.caFile!, headers: { 'accept-encoding': 'gzip' } });
    expect(targets.headers['content-encoding']).toBe('gzip');
  });
});
