// `migrate` refuses bad input before reading anything: one line naming the cause, usage errors exit 2.
import { describe, expect, it } from 'vitest';
import { snapshotDir } from '../helpers/expect.js';
import { trustTui } from '../helpers/trust-tui.js';

const REPO = 'registry.example.com/team/app';

describe('migrate input', () => {
  it('names the problem on one line and changes nothing', async () => {
    const tt = trustTui();
    const cases: [string[], number, RegExp][] = [
      [['migrate', REPO, '--to', 'http://notary.example.com'], 1, /plain http is not allowed for trust server http:\/\/notary\.example\.com — use https/],
      [['migrate', `${REPO}:v1`, '--to', 'https://notary.example.com'], 1, /registry\.example\.com\/team\/app:v1 names an image, not a repository — give the repository alone/],
      [['migrate', REPO, '--to', 'https://a.example.com', '--from', 'https://b.example.com', '--from-cache'], 2, /--from and --from-cache exclude each other/],
      [['migrate', REPO], 2, /required option '--to <url>'/],
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
});
