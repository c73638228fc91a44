// The impact preview's flags: a bad --dockerfile is reported in one line before any server is
// contacted (the server given here is unreachable), and contradictory flags are usage errors (exit 2).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';

const REPO = 'registry.example.com/team/app';
const NOWHERE = ['--server', 'https://127.0.0.1:9'];

describe('--dockerfile and --dry-run on destructive commands', () => {
  it('a missing or malformed Dockerfile: one line naming it, exit 1, before the server is asked', async () => {
    const tt = trustTui();
    const bad = path.join(tt.workDir, 'bad.Dockerfile');
    writeFileSync(bad, 'FROM ${X\n');
    for (const args of [
      ['signer', 'remove', REPO, 'alice', '--dry-run', '--dockerfile', path.join(tt.workDir, 'missing')],
      ['role', 'threshold', REPO, 'releases', '2', '--dry-run', '--dockerfile', bad],
      ['revoke', `${REPO}:v1`, '--dry-run', '--dockerfile', bad],
      ['sweep', 'signer', 'alice', '--repo', REPO, '--dry-run', '--dockerfile', bad],
      ['policy', 'apply', '--dry-run', '--dockerfile', bad],
    ]) {
      const r = await tt([...args, ...(args[0] === 'sweep' ? [] : NOWHERE)]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(args.includes(bad) ? /bad\.Dockerfile line 1: missing \}/ : /Dockerfile .*missing does not exist/);
    }
  });

  it('--build-arg without --dockerfile, and --dry-run on a whole-repository revoke, are usage errors', async () => {
    const tt = trustTui();
    const noFile = await tt(['signer', 'remove-key', REPO, 'abcdef1', '--dry-run', '--build-arg', 'A=1', ...NOWHERE]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('--build-arg needs --dockerfile');
    const whole = await tt(['revoke', REPO, '--dry-run', ...NOWHERE]);
    expect(whole.code).toBe(2);
    expect(whole.stderr).toContain('--dry-run and --dockerfile apply to a tag (REPO:TAG), not a whole repository');
  });
});
