/**
 * Bad input on the command line: each case gives one line naming the cause and what to do, exit
 * code 1, and changes nothing (the trust directory and what the server serves stay as they were).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { freePort, httpRequest, startNotaryServer, startRegistry, stopAllPeers, type NotaryServer, type Registry, type RunResult } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok, snapshotDir } from '../helpers/expect.js';

const REPO = 'registry.example.com/team/bad';
const DIGEST = `sha256:${'ef'.repeat(32)}`;



/** One line on stderr, exit 1, matching `cause`. */
function failsWith(r: RunResult, cause: RegExp): void {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(1);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(cause);
  expect(r.stderr).not.toMatch(/\n\s+at |PRIVATE KEY/);
}

describe('bad input changes nothing', () => {
  let server: NotaryServer;
  let registry: Registry;
  let tt: TrustTuiRunner;
  let guarded: RunningServer;
  const guardedData = mkdtempSync(path.join(tmpdir(), 'trust-tui-bad-input-'));

  const served = async () => (await httpRequest(`${server.url}/v2/${REPO}/_trust/tuf/targets.json`, { caFile: server.caFile })).text();

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    registry = await startRegistry();
    tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile]));
    ok(await tt(['init', REPO, '--signer', 'owner']));
    ok(await tt(['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '10']));
    writeFileSync(path.join(guardedData, 'htpasswd'), `alice:${bcrypt.hashSync('alice-pass', 4)}\n`);
    guarded = await startServer({ listen: '127.0.0.1:0', dataDir: guardedData, passphrase: 'server-pass-123', htpasswd: path.join(guardedData, 'htpasswd') });
  });

  afterAll(async () => {
    await guarded?.close();
    await stopAllPeers();
    rmSync(guardedData, { recursive: true, force: true });
  });

  it('names each cause in one line, exits 1, and leaves the trust directory and the server as they were', async () => {
    const before = snapshotDir(tt.trustDir);
    const beforeServed = await served();
    const closedPort = await freePort();
    const cases: [string, string[], RegExp, Record<string, string | undefined>?][] = [
      ['malformed reference', ['sign', 'Registry.Example.com/UPPER:v1'], /invalid reference format|must be lowercase/],
      ['no tag', ['sign', REPO], /no tag specified/],
      ['unknown repository', ['info', 'registry.example.com/team/never'], /not initiali[sz]ed/],
      ['tag not in the registry', ['sign', `${registry.host}/team/bad:v9`, '--server', server.url, '--tlscacert', server.caFile], /tag v9 not found/],
      ['unreachable server, nothing cached', ['info', 'registry.example.com/team/other', '--server', `https://127.0.0.1:${closedPort}`], /cannot reach|ECONNREFUSED/],
      ['wrong CA', ['info', REPO, '--server', server.url, '--tlscacert', path.join(guardedData, 'tls', 'ca.crt')], /TLS|certificate/i],
      ['401', ['info', 'registry.example.com/team/x', '--server', guarded.url, '--tlscacert', guarded.caFile!], /not authori[sz]ed|401/],
      ['missing key', ['sign', `${REPO}:v2`, '--digest', DIGEST, '--size', '10'], /holds no key|no key/],
      ['wrong passphrase', ['sign', `${REPO}:v2`, '--digest', DIGEST, '--size', '10'], /wrong passphrase/, { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'not-the-passphrase' }],
    ];
    for (const [name, args, cause, env] of cases) {
      // Another host: same settings, none of the keys.
      const runner = name === 'missing key' ? trustTui() : tt;
      if (name === 'missing key') ok(await runner(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile]));
      const r = await runner(args, env ? { env } : {});
      failsWith(r, cause);
      if (process.env.SHOW_ERRORS) console.log(`${name}: ${r.stderr.trim()}`);
      expect(snapshotDir(tt.trustDir), name).toEqual(before);
      expect(await served(), name).toBe(beforeServed);
    }
  });

  it('malformed metadata in the cache: one line naming the file and the way out, nothing rewritten', async () => {
    const other = trustTui();
    ok(await other(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile]));
    ok(await other(['info', REPO]));
    const rootFile = path.join(other.trustDir, 'tuf', ...REPO.split('/'), 'metadata', 'root.json');
    writeFileSync(rootFile, readFileSync(rootFile, 'utf8').replace('"version":1', '"version":1.5'));
    const before = snapshotDir(other.trustDir);
    const r = await other(['inspect', REPO]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cached root .* cannot be trusted: root metadata field signed\.version.*revoke .* --local-only/);
    expect(snapshotDir(other.trustDir)).toEqual(before);
  });
});
