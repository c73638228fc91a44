// `migrate` refuses bad input before reading anything: one line naming the cause, usage errors exit 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotDir } from '../helpers/expect.js';
import { freePort } from '../helpers/ports.js';
import { trustTui } from '../helpers/trust-tui.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const REPO = 'registry.example.com/team/app';

describe('migrate input', () => {
  it('names the problem on one line and changes nothing', async () => {
    const tt = trustTui();
    const cases: [string[], number, RegExp][] = [
      [['migrate', REPO, '--to', 'http://notary.example.com'], 1, /plain http is not allowed for trust server http:\/\/notary\.example\.com — use https/],
      [['migrate', `${REPO}:v1`, '--to', 'https://notary.example.com'], 1, /registry\.example\.com\/team\/app:v1 names an image, not a repository — give the repository alone/],
      [['migrate', REPO, '--to', 'https://a.example.com', '--from', 'https://b.example.com', '--from-cache'], 2, /--from and --from-cache exclude each other/],
      [['migrate', REPO], 2, /required option '--to <url>'/],
      [['migrate', '--to', 'https://notary.example.com', '--from-cache', REPO], 2, /--from-cache took registry\.example\.com\/team\/app as its trust directory: name the repositories before --from-cache, or write --from-cache=DIR/],
      [['migrate', '--to', 'https://notary.example.com'], 2, /missing required argument 'repositories'/],
      [['migrate', REPO, '--to', 'https://notary.example.com', '--from-cache', '--dry-run'], 1, /no trust data for registry\.example\.com\/team\/app is cached in .* — name the trust directory that holds it/],
    ];
    for (const [args, code, message] of cases) {
      const before = snapshotDir(tt.workDir);
      const r = await tt(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
      expect(r.stdout + r.stderr).toMatch(message);
      expect(snapshotDir(tt.workDir), args.join(' ')).toEqual(before);
    }
  });

  describe('a server that cannot be used: the hint names migrate\'s own flags', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('an untrusted source certificate points at --from-tlscacert', async () => {
      const tt = trustTui();
      // The source is read first (the destination's TLS is reached only for a source that exists).
      const from = await tt(['migrate', REPO, '--from', server.url, '--to', 'https://127.0.0.1:1', '--dry-run']);
      expect(from.code).toBe(1);
      expect(from.stdout).toMatch(/TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted.* — pass --from-tlscacert or put the CA in /);
      expect(from.stdout).not.toMatch(/pass --tlscacert/);
    });

    it('an unreachable source suggests --from-cache, not --server (migrate has none)', async () => {
      const tt = trustTui();
      const closed = `https://127.0.0.1:${await freePort()}`;
      const source = await tt(['migrate', REPO, '--from', closed, '--to', server.url, '--to-tlscacert', server.caFile!, '--dry-run']);
      expect(source.code).toBe(1);
      expect(source.stdout).toMatch(/cannot reach the trust server at .*: ECONNREFUSED — .*add --from-cache/);
      expect(source.stdout).not.toMatch(/--server/);
    });
  });
});
