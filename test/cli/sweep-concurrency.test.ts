/**
 * `--concurrency` of the bulk commands on the command line: a bad value is a usage error (exit 2)
 * before anything is read; Ctrl-C during a concurrent sweep lets the repositories in progress finish,
 * starts no other, exits 1 saying how to finish, and running the same sweep again finishes it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { ok } from '../helpers/expect.js';
import { fleetContext, fleetKeys, makeFleet, PASSPHRASE_ENV } from '../helpers/fleet.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

const PREFIX = 'fleet.example.com/cli';

describe('--concurrency on the command line', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'trust-tui-fleet-cli-'));
  let server: RunningServer;
  let proxy: CountingProxy;
  let tt: TrustTuiRunner;
  let keyId: string;
  let guns: string[];

  beforeAll(async () => {
    server = await startServer({ listen: '127.0.0.1:0', dataDir: path.join(work, 'server'), passphrase: 'server-pass-123' });
    proxy = await countingProxy(server.url, readFileSync(server.caFile!));
    const ctx = fleetContext(path.join(work, 'trust'), path.join(work, 'config'));
    await ctx.settings.update((s) => void (s.servers[`${PREFIX}/*`] = { url: proxy.url }));
    const keys = await fleetKeys(ctx);
    keyId = keys.compromised.canonicalId;
    guns = await makeFleet(ctx, PREFIX, 6, keys, 4);
    tt = trustTui({ trustDir: ctx.trustDir, configDir: ctx.settings.dir, env: { ...PASSPHRASE_ENV, TRUST_TUI_ALLOW_HTTP_LOOPBACK: '1' } });
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a concurrency that is not a whole number from 1 to 64 (exit 2), before reading anything', async () => {
    proxy.reset();
    for (const args of [
      ['sweep', 'key', keyId, '--concurrency', '0'],
      ['sweep', 'signer', 'owner', '--concurrency', '65'],
      ['verify', `${guns[0]}:v1`, '--concurrency', 'many'],
      ['verify', `${guns[0]}:v1`, '--concurrency', '2.5'],
    ]) {
      const r = await tt(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain("option '--concurrency <n>' argument");
      expect(r.stderr).toContain('expected a whole number from 1 to 64');
    }
    expect(proxy.requests).toEqual([]);
  });

  it('Ctrl-C stops a concurrent sweep after the repositories in progress; running it again finishes it', async () => {
    proxy.delayMs = 150;
    const child = spawn(process.execPath, [CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, 'sweep', 'key', keyId, '--yes', '--concurrency', '2'], {
      env: { ...process.env, ...PASSPHRASE_ENV, TRUST_TUI_ALLOW_HTTP_LOOPBACK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      // Ctrl-C once the first two repositories have started.
      if (!interrupted && /\[2\/6\]/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(interrupted).toBe(true);
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('stopping after the repositories in progress');
    expect(stderr).toContain('stopped before every repository was done; run the same sweep again to finish');
    // The results table comes after the dry run's.
    const results = stdout.slice(stdout.lastIndexOf('REPOSITORY'));
    expect(results).toMatch(/^REPOSITORY\s+RESULT/);
    const rows = results.split('\n').filter((l) => l.startsWith(PREFIX));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(guns);
    const done = rows.filter((l) => /\sdone$/.test(l)).length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(6);
    expect(rows.filter((l) => /skipped: stopped before this repository/.test(l))).toHaveLength(6 - done);

    proxy.delayMs = 0;
    const rerun = JSON.parse(ok(await tt(['--json', 'sweep', 'key', keyId, '--yes', '--concurrency', '3'])).stdout);
    const statuses = (rerun.outcomes as { gun: string; status: string }[]).map((o) => o.status);
    expect(statuses.filter((s) => s === 'already-done')).toHaveLength(done);
    expect(statuses.filter((s) => s === 'done')).toHaveLength(6 - done);
    expect(ok(await tt(['sweep', 'key', keyId, '--dry-run'])).stdout).toMatch(/Already done by an earlier run/);
  });
});
