// `key generate` (and every command that asks a passphrase) without a usable trust directory or
// without input: one line and exit 1 at once, never a prompt that waits, never a key file left behind.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotDir } from '../helpers/expect.js';
import { runCommand, type RunResult } from '../helpers/proc.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

/** A command that would wait for input fails the test this soon instead of hanging it. */
const AT_ONCE_MS = 15_000;

/** No passphrase variable: DOCKER_* and NOTARY_* are removed by the runner's hermetic environment. */
const NO_PASSPHRASES = { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: undefined, DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: undefined };

/**
 * Runs the CLI on a pseudo-terminal (script(1)) whose keyboard types `keys`: the passphrase prompt
 * is then a real terminal prompt. The terminal turns \n into \r\n; stdout and stderr are one stream.
 */
async function onTerminal(tt: TrustTuiRunner, args: string[], keys: string): Promise<RunResult & { shown: string }> {
  const argv = [process.execPath, CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, ...args];
  const r = await runCommand('script', ['-qec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], {
    cwd: tt.workDir,
    env: { ...NO_PASSPHRASES, TERM: 'dumb' },
    input: keys,
    timeoutMs: AT_ONCE_MS,
  });
  return { ...r, shown: r.stdout.replace(/\r\n/g, '\n') };
}

const lines = (text: string) => text.trim().split('\n');

describe('trust-tui key generate with a trust directory it cannot use', () => {
  let tt: TrustTuiRunner;
  let blocker: string;
  beforeAll(() => {
    tt = trustTui();
    blocker = path.join(tt.workDir, 'a-file');
    writeFileSync(blocker, 'not a directory\n');
  });

  const cases: [string, () => string, RegExp][] = [
    ['under a file', () => path.join(blocker, 'trust'), /cannot be created: a part of its path is a file \(ENOTDIR\)/],
    ['that is a file', () => blocker, /is not a directory \(EEXIST\)/],
  ];

  it.each(cases)('%s: one line naming it and --trust-dir, exit 1, before any prompt, nothing written', async (_, trustDir, cause) => {
    const dir = trustDir();
    const r = await tt(['--trust-dir', dir, 'key', 'generate', 'alice'], { env: NO_PASSPHRASES, timeoutMs: AT_ONCE_MS });
    expect(r.code, r.stderr).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(`the trust directory ${dir} `);
    expect(r.stderr).toMatch(cause);
    expect(r.stderr).toContain('--trust-dir');
    expect(r.stderr + r.stdout).not.toMatch(/passphrase/i);
    expect(readFileSync(blocker, 'utf8')).toBe('not a directory\n');
    expect(existsSync(path.join(tt.workDir, 'alice.pub'))).toBe(false);
  });

  it('on a terminal too: the check comes before the passphrase prompt, which never shows', async () => {
    const dir = path.join(blocker, 'trust');
    const r = await onTerminal(tt, ['--trust-dir', dir, 'key', 'generate', 'alice'], '');
    expect(r.code, r.shown).toBe(1);
    expect(r.shown).not.toContain('Enter passphrase');
    expect(lines(r.shown).filter((l) => l.startsWith('trust-tui:'))).toEqual([
      expect.stringContaining(`the trust directory ${dir} cannot be created`),
    ]);
    expect(existsSync(path.join(tt.workDir, 'alice.pub'))).toBe(false);
  });

  // root writes into a 0555 directory; as root, sysfs (which refuses new directories to anyone)
  // stands in for it, so the check is exercised on every machine.
  it('a directory without write permission: one line, exit 1, nothing written', async () => {
    const asRoot = process.getuid?.() === 0;
    const dir = asRoot ? path.join('/sys', `trust-tui-test-${process.pid}`) : path.join(tt.workDir, 'read-only');
    if (!asRoot) {
      mkdirSync(dir);
      chmodSync(dir, 0o555);
    }
    try {
      const r = await tt(['--trust-dir', dir, 'key', 'generate', 'alice'], { env: NO_PASSPHRASES, timeoutMs: AT_ONCE_MS });
      expect(r.code, r.stderr).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`the trust directory ${dir} is not writable \\((EACCES|EPERM)\\)`));
      expect(r.stderr).toContain('--trust-dir');
      expect(asRoot ? existsSync(dir) : readdirSync(dir).length > 0).toBe(false);
      expect(existsSync(path.join(tt.workDir, 'alice.pub'))).toBe(false);
    } finally {
      if (!asRoot) chmodSync(dir, 0o755);
    }
  });
});

describe('a passphrase prompt whose input ends', () => {
  it('stdin from /dev/null or a pipe that ends, no variable: exit 1 at once naming the variable, no key file', async () => {
    for (const input of [undefined, '', 'a piped passphrase\n']) {
      const tt = trustTui();
      const r = await tt(['key', 'generate', 'carol'], { env: NO_PASSPHRASES, input, timeoutMs: AT_ONCE_MS });
      expect(r.code, r.stderr).toBe(1);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain('set DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE');
      expect(snapshotDir(tt.trustDir)).toEqual({});
      expect(existsSync(path.join(tt.workDir, 'carol.pub'))).toBe(false);
    }
  });

  it('on a terminal, end of input (Ctrl-D) at the prompt: exit 1 at once naming the variable, no key file', async () => {
    const tt = trustTui();
    const r = await onTerminal(tt, ['key', 'generate', 'carol'], '\u0004');
    expect(r.code, r.shown).toBe(1);
    expect(r.shown).toContain('Enter passphrase for new carol key');
    expect(lines(r.shown).filter((l) => l.startsWith('trust-tui:'))).toEqual([
      expect.stringMatching(/standard input ended at the passphrase prompt for the new carol key \w+ — set DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE$/),
    ]);
    expect(snapshotDir(tt.trustDir)).toEqual({});
    expect(existsSync(path.join(tt.workDir, 'carol.pub'))).toBe(false);
  });

  it('key load asks through the same prompt: the same line and exit code, nothing stored', async () => {
    const tt = trustTui();
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(path.join(tt.workDir, 'plain.pem'), pem, { mode: 0o600 });
    const r = await onTerminal(tt, ['key', 'load', 'plain.pem', '--name', 'dave'], '\u0004');
    expect(r.code, r.shown).toBe(1);
    expect(r.shown).toContain('Enter passphrase for new dave key');
    expect(lines(r.shown).filter((l) => l.startsWith('trust-tui:'))).toEqual([
      expect.stringMatching(/standard input ended at the passphrase prompt for the new dave key \w+ — set DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE$/),
    ]);
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });
});
