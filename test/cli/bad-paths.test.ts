/**
 * A path given on the command line that cannot be used: one line naming the path and the real
 * cause (missing, a directory where a file belongs, too large), exit 1, nothing written.
 */
import { mkdirSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';
import { snapshotDir } from '../helpers/expect.js';

const REPO = 'registry.example.com/team/app';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
// Nothing listens there: every case must fail before any connection.
const SERVER = 'https://127.0.0.1:9';

describe('paths given on the command line', () => {
  const tt = trustTui();
  const dir = path.join(tt.workDir, 'a-directory');
  mkdirSync(dir);
  const huge = path.join(tt.workDir, 'huge.bin');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 300 * 1024 * 1024); // sparse: no disk used
  closeSync(fd);

  const cases: [string, string[], RegExp][] = [
    ['--tlscacert DIR', ['info', REPO, '--server', SERVER, '--tlscacert', dir], /CA file .*a-directory is a directory, not a file/],
    ['--tlscacert missing', ['info', REPO, '--server', SERVER, '--tlscacert', 'nope.crt'], /CA file .*nope\.crt does not exist/],
    ['--meta DIR', ['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '3', '--server', SERVER, '--meta', `sbom:${dir}`], /--meta file .*a-directory is a directory, not a file/],
    ['--meta too large', ['sign', `${REPO}:v1`, '--digest', DIGEST, '--size', '3', '--server', SERVER, '--meta', `sbom:${huge}`], /--meta file .*huge\.bin is 314572800 bytes, more than the \d+ allowed/],
    ['signer add --key DIR', ['signer', 'add', REPO, 'alice', '--key', dir, '--server', SERVER], /public key file .*a-directory is a directory, not a file/],
    ['signer add --key missing path', ['signer', 'add', REPO, 'alice', '--key', 'keys/alice.pub', '--server', SERVER], /public key file keys\/alice\.pub does not exist/],
    ['config pin DIR', ['config', 'pin', REPO, dir], /certificate file .*a-directory is a directory, not a file/],
    ['config server --ca DIR', ['config', 'server', REPO, SERVER, '--ca', dir], /CA file .*a-directory is a directory, not a file/],
    ['server --tls-cert DIR', ['server', '--listen', '127.0.0.1:0', '--data', 'srv', '--tls-cert', dir, '--tls-key', dir], /--tls-cert file .*a-directory is a directory, not a file/],
    ['server --htpasswd missing', ['server', '--listen', '127.0.0.1:0', '--data', 'srv', '--htpasswd', 'users.htpasswd'], /--htpasswd file users\.htpasswd does not exist/],
  ];

  for (const [name, args, cause] of cases) {
    it(name, async () => {
      const before = snapshotDir(tt.trustDir);
      const r = await tt(args, { env: { TRUST_TUI_SERVER_PASSPHRASE: 'server-pass-123' } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(cause);
      expect(r.stderr).not.toMatch(/EISDIR|ENOENT|no such file/);
      expect(snapshotDir(tt.trustDir)).toEqual(before);
    });
  }
});
