// `key load` refuses what could never sign, or never ends, before anything is stored.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';

const storedKeys = (trustDir: string) => (existsSync(path.join(trustDir, 'private')) ? readdirSync(path.join(trustDir, 'private')) : []);

describe('key load refusals', () => {
  it('an RSA key under 2048 bits: one line, exit 1, no key stored', async () => {
    const tt = trustTui();
    const file = path.join(tt.workDir, 'weak.pem');
    writeFileSync(file, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const r = await tt(['key', 'load', file, '--name', 'weak']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim()).toBe(`trust-tui: ${file}: an RSA key of 1024 bits cannot sign; at least 2048 bits are needed`);
    expect(storedKeys(tt.trustDir)).toEqual([]);
  });

  it('/dev/zero: refused at the size limit, not read without end', async () => {
    const tt = trustTui();
    const r = await tt(['key', 'load', '/dev/zero'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('/dev/zero holds more than the 1048576 bytes allowed');
  });
});

describe('key generate with settings that cannot be written', () => {
  it('fails before writing the key or its .pub, so the same command works once the settings are fixed', async () => {
    const tt = trustTui();
    const notADir = path.join(tt.workDir, 'settings-file');
    writeFileSync(notADir, 'x');
    const r = await tt(['--config-dir', notADir, 'key', 'generate', 'cg1', '--dir', tt.workDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(storedKeys(tt.trustDir)).toEqual([]);
    expect(existsSync(path.join(tt.workDir, 'cg1.pub'))).toBe(false);
  });
});
