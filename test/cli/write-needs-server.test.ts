/**
 * Reading falls back to the cache when the trust server cannot be reached; a command that publishes
 * cannot: it stops at once with one line naming the server, never the "showing the cached trust data"
 * warning of a read, nor a passphrase prompt for a change that cannot be published.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { freePort } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok, snapshotDir } from '../helpers/expect.js';

const REPO = 'registry.example.com/team/offline';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('writing while the trust server is unreachable', () => {
  const data = mkdtempSync(path.join(tmpdir(), 'trust-tui-offline-write-'));
  let server: RunningServer;
  let tt: TrustTuiRunner;

  beforeAll(async () => {
    server = await startServer({ listen: '127.0.0.1:0', dataDir: data, passphrase: 'server-pass-123' });
    tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile!]));
    ok(await tt(['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '10']));
    ok(await tt(['key', 'generate', 'zed']));
  });

  afterAll(async () => {
    await server?.close();
    rmSync(data, { recursive: true, force: true });
  });

  it('reads from the cache, but sign, revoke and signer changes refuse in one line, changing nothing', async () => {
    const closed = `https://127.0.0.1:${await freePort()}`;
    const read = ok(await tt(['inspect', REPO, '--server', closed]));
    expect(read.stderr).toMatch(/showing the trust data cached/);

    const before = snapshotDir(tt.trustDir);
    const writes = [
      ['sign', `${REPO}:v2`, '--digest', DIGEST, '--size', '10'],
      ['revoke', `${REPO}:v1`],
      ['signer', 'add', REPO, 'zed', '--key', 'zed'],
      ['signer', 'remove', REPO, 'owner'],
      ['key', 'rotate', 'targets', REPO],
    ];
    for (const args of writes) {
      const r = await tt([...args, '--server', closed]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      const errors = r.stderr.trim().split('\n');
      expect(errors, args.join(' ')).toHaveLength(1);
      expect(errors[0]).toMatch(/^trust-tui: .*cannot reach the trust server at https:\/\/127\.0\.0\.1:\d+/);
      expect(snapshotDir(tt.trustDir), args.join(' ')).toEqual(before);
    }
  });
});
