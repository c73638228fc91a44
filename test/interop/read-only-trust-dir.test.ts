/**
 * A trust directory this process cannot write (a shared cache mounted read-only, or owned by
 * someone else): reading still works and says once that the cache was not updated; commands that
 * must write fail in one line naming the directory and the fix, before changing anything.
 *
 * How writes are made to fail: the tests run as root, and root ignores permission bits. So the
 * trust directory is handed to the unprivileged user `nobody` (uid 65534) with every write bit
 * removed (chown -R, chmod -R a-w), and the CLI runs as that user through `setpriv`. The first test
 * checks that a write there really fails for that process, so the method cannot silently stop working.
 * Another copy of the keys signs a tag after that, so the shared cache is behind the server (a cache
 * that is up to date has nothing to update, and nothing is said).
 */
import { chmodSync, copyFileSync, cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, requireBinary, runCommand, startNotaryServer, stopAllPeers, type NotaryServer, type RunResult } from '../helpers/peers.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { TEST_PASSPHRASES } from '../helpers/peers.js';
import { ok, snapshotDir } from '../helpers/expect.js';

const REPO = 'registry.example.com/team/shared';
const DIGEST = `sha256:${'0f'.repeat(32)}`;
const NOBODY = '65534';

describe('a read-only trust directory', () => {
  let server: NotaryServer;
  let tt: TrustTuiRunner;
  let dockerConfig: string;

  /** The CLI as `nobody`, over the trust directory that root prepared. */
  const asNobody = (args: string[]): Promise<RunResult> =>
    runCommand(
      requireBinary('setpriv'),
      [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, ...args],
      {
        cwd: tt.workDir,
        env: {
          HOME: tt.workDir,
          DOCKER_CONFIG: dockerConfig,
          DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
          DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
        },
      },
    );
  const servedTargets = async () => (await httpRequest(`${server.url}/v2/${REPO}/_trust/tuf/targets.json`, { caFile: server.caFile })).text();

  beforeAll(async () => {
    server = await startNotaryServer({ signer: 'local' });
    tt = trustTui();
    dockerConfig = path.join(tt.workDir, 'docker');
    mkdirSync(dockerConfig);
    // Everything `nobody` reads must be reachable by it: the work directory and a copy of the CA.
    chmodSync(tt.workDir, 0o755);
    const ca = path.join(tt.workDir, 'ca.crt');
    copyFileSync(server.caFile, ca);
    chmodSync(ca, 0o644);
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', ca], { env: { DOCKER_CONFIG: dockerConfig } }));
    ok(await tt(['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '10'], { env: { DOCKER_CONFIG: dockerConfig } }));
    // A second machine with the same keys (a copy of the directories) signs v2 once the shared
    // cache is read-only: that cache is then behind the server and a read has something to update.
    const elsewhere = trustTui({ trustDir: path.join(tt.workDir, 'trust-elsewhere'), configDir: path.join(tt.workDir, 'config-elsewhere') });
    cpSync(tt.trustDir, elsewhere.trustDir, { recursive: true });
    cpSync(tt.configDir, elsewhere.configDir, { recursive: true });
    for (const [cmd, args] of [
      ['chown', ['-R', `${NOBODY}:${NOBODY}`, tt.trustDir, tt.configDir, dockerConfig]],
      ['chmod', ['-R', 'a-w', tt.trustDir]],
    ] as const) {
      ok(await runCommand(requireBinary(cmd), [...args]));
    }
    ok(await elsewhere(['sign', `${REPO}:v2`, '--digest', DIGEST, '--size', '10'], { env: { DOCKER_CONFIG: dockerConfig } }));
  });

  afterAll(async () => {
    await runCommand(requireBinary('chmod'), ['-R', 'u+w', tt.trustDir]);
    await stopAllPeers();
  });

  it('really cannot be written by the process (the method works)', async () => {
    const touch = await runCommand(requireBinary('setpriv'), [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', requireBinary('touch'), path.join(tt.trustDir, 'tuf', 'probe')]);
    expect(touch.code).not.toBe(0);
    expect(touch.stderr).toMatch(/Permission denied/);
  });

  it('inspect works and says once, on stderr, that the cache was not updated', async () => {
    const before = snapshotDir(tt.trustDir);
    const r = ok(await asNobody(['inspect', REPO]));
    expect(JSON.parse(r.stdout)[0].SignedTags).toEqual(['v1', 'v2'].map((tag) => expect.objectContaining({ SignedTag: tag, Digest: DIGEST.slice(7) })));
    expect(r.stderr.trim().split('\n'), r.stderr).toEqual([
      `WARNING: the trust directory ${tt.trustDir} is not writable (EACCES): the local trust cache was not updated`,
    ]);
    expect(snapshotDir(tt.trustDir)).toEqual(before);
  });

  it('info --json carries the same warning in its warnings field', async () => {
    const r = ok(await asNobody(['--json', 'info', REPO]));
    const info = JSON.parse(r.stdout) as { offline: boolean; tags: { tag: string }[]; warnings: string[] };
    expect(info.offline).toBe(false);
    expect(info.tags.map((t) => t.tag)).toEqual(['v1', 'v2']);
    expect(info.warnings).toEqual([expect.stringContaining('the local trust cache was not updated')]);
  });

  it('every --json command carries it in warnings too (verify, signer list, info): once, with stdout one JSON document', async () => {
    for (const args of [
      ['--json', 'verify', `${REPO}:v1`],
      ['--json', 'signer', 'list', REPO],
      ['--json', 'info', REPO],
    ]) {
      const r = ok(await asNobody(args));
      const out = JSON.parse(r.stdout) as { warnings?: string[] };
      expect(out.warnings, args.join(' ')).toEqual([`the trust directory ${tt.trustDir} is not writable (EACCES): the local trust cache was not updated`]);
    }
  });

  it('every writing command fails in one line naming the directory and the fix, before reading; nothing changes', async () => {
    const before = snapshotDir(tt.trustDir);
    const beforeServed = await servedTargets();
    for (const args of [
      ['sign', `${REPO}:v2`, '--digest', DIGEST, '--size', '10'],
      ['key', 'generate', 'carol', '--dir', tt.workDir],
      ['signer', 'remove', REPO, 'owner', '-y'],
      ['signer', 'remove-key', REPO, '0123456789abcdef', '-y'],
      ['revoke', `${REPO}:v1`],
      ['revoke', REPO, '-y'],
      ['key', 'rotate', 'targets', REPO],
    ]) {
      const r = await asNobody(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toEqual([
        `trust-tui: the trust directory ${tt.trustDir} is not writable (EACCES) — make it writable for this user, or choose a writable one with --trust-dir (reading works without writing)`,
      ]);
    }
    expect(snapshotDir(tt.trustDir)).toEqual(before);
    expect(await servedTargets()).toBe(beforeServed);
  });
});
