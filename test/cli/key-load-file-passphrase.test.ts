// `key load` of an encrypted key file with DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE set: the variable
// is tried as the file's passphrase first, as docker's `trust key load` does; when it does not open
// the file, a terminal asks for the file's own passphrase (docker gives up there), and without a
// terminal the error says that the variable does not open the file.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotDir } from '../helpers/expect.js';
import { runCommand, type RunResult } from '../helpers/proc.js';
import { CLI, trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

const VARIABLE = 'DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE';
const MINE = 'my-own-keystore-passphrase';
const FILES = 'the-teammates-file-passphrase';

function encryptedKeyFile(tt: TrustTuiRunner, passphrase: string): string {
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase });
  writeFileSync(path.join(tt.workDir, 'teammate-enc.pem'), pem, { mode: 0o600 });
  return 'teammate-enc.pem';
}

/** The CLI on a pseudo-terminal (script(1)) whose keyboard types `keys`; stdout and stderr are one stream. */
async function onTerminal(tt: TrustTuiRunner, args: string[], keys: string): Promise<RunResult & { shown: string }> {
  const argv = [process.execPath, CLI, '--trust-dir', tt.trustDir, '--config-dir', tt.configDir, ...args];
  const r = await runCommand('script', ['-qec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], {
    cwd: tt.workDir,
    env: { [VARIABLE]: MINE, TERM: 'dumb' },
    input: keys,
    timeoutMs: 15_000,
  });
  return { ...r, shown: r.stdout.replace(/\r\n/g, '\n') };
}

describe('key load of a file encrypted with another passphrase than the variable', () => {
  it('without a terminal: one line saying the variable does not open the file, nothing stored', async () => {
    const tt = trustTui({ env: { [VARIABLE]: MINE } });
    const file = encryptedKeyFile(tt, FILES);
    const r = await tt(['key', 'load', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `trust-tui: the passphrase in ${VARIABLE} does not open ${file}: the file is encrypted with another one — run on a terminal to type the file's passphrase, or set ${VARIABLE} to it for this command (the key is then stored under it)`,
    ]);
    expect(snapshotDir(tt.trustDir)).toEqual({});
  });

  it("on a terminal: asks for the file's passphrase, and stores the key under the variable's", async () => {
    const tt = trustTui();
    const file = encryptedKeyFile(tt, FILES);
    const r = await onTerminal(tt, ['key', 'load', file, '--name', 'teammate'], `${FILES}\r`);
    expect(r.code, r.shown).toBe(0);
    expect(r.shown).toContain(`Enter passphrase for encrypted key file ${file}: `);
    expect(r.shown).toMatch(new RegExp(`Successfully imported key \\w+ \\(role teammate\\) from ${file}`));
    // Stored under the keystore's passphrase (the variable's), not the file's.
    const stored = Object.entries(snapshotDir(tt.trustDir)).filter(([name]) => name.endsWith('.key'));
    expect(stored).toHaveLength(1);
    const pem = readFileSync(path.join(tt.trustDir, stored[0]![0]), 'utf8').split('\n').filter((l) => !/^\w+: /.test(l)).join('\n');
    expect(createPrivateKey({ key: pem, format: 'pem', passphrase: MINE }).asymmetricKeyType).toBe('ec');
  });

  it('the variable that opens the file is used as docker uses it: no prompt', async () => {
    const tt = trustTui();
    const file = encryptedKeyFile(tt, MINE);
    const r = await onTerminal(tt, ['key', 'load', file], '');
    expect(r.code, r.shown).toBe(0);
    expect(r.shown).not.toContain('Enter passphrase');
  });
});
