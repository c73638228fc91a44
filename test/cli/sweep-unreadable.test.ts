/**
 * A sweep vouches only for what it read: with a known repository it could not read, neither the dry
 * run nor the sweep says "nothing to do" or succeeds; it names the gap and exits 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { makePki } from '../helpers/pki.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { ok } from '../helpers/expect.js';

const READABLE = 'registry.example.com/team/readable';
const UNREADABLE = 'registry.example.com/team/unreadable';

describe('sweep with a repository it cannot read', () => {
  const data = mkdtempSync(path.join(tmpdir(), 'trust-tui-sweep-gap-'));
  let server: RunningServer;
  let tt: TrustTuiRunner;
  let bob: string;

  beforeAll(async () => {
    server = await startServer({ listen: '127.0.0.1:0', dataDir: path.join(data, 'server'), passphrase: 'server-pass-123' });
    tt = trustTui();
    ok(await tt(['config', 'server', 'registry.example.com/*', server.url, '--ca', server.caFile!]));
    ok(await tt(['init', READABLE]));
    ok(await tt(['init', UNREADABLE]));
    bob = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'bob'])).stdout).id;
    ok(await tt(['signer', 'add', UNREADABLE, 'bob', '--key', path.join(tt.workDir, 'bob.pub')]));
    // A CA pin its root certificate does not chain to: the cached repository can no longer be read.
    const pki = await makePki(path.join(data, 'pki'));
    ok(await tt(['config', 'pin', UNREADABLE, pki.caCert]));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    rmSync(data, { recursive: true, force: true });
  });

  it('the dry run and the sweep name the repositories not read and exit 1', async () => {
    for (const args of [['sweep', 'key', bob.slice(0, 7), '--dry-run'], ['sweep', 'key', bob.slice(0, 7), '--yes']]) {
      const r = await tt(args);
      expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(1);
      expect(r.stdout).not.toContain('no known repository uses it');
      expect(r.stdout).toContain(`Could not read ${UNREADABLE}`);
      expect(r.stderr).toMatch(/trust-tui: 1 repository could not be read, so it is not known whether the key is used there/);
    }
  });
});
