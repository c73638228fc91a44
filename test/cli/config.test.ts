// `trust-tui config` refuses what can never work, with one line naming the cause, and writes nothing:
// the rules the UI's forms check as the user types (src/trust/config-rules.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';

let tt: TrustTuiRunner;
beforeAll(() => {
  tt = trustTui();
});

const settingsFile = () => path.join(tt.configDir, 'config.json');

async function refused(args: string[], message: RegExp) {
  const r = await tt(['config', ...args]);
  expect(r.code, r.stdout).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(existsSync(settingsFile())).toBe(false);
}

describe('trust-tui config refuses scopes, URLs and files that cannot work', () => {
  it('a scope ending in / (it matches nothing) names the prefix to use', async () => {
    await refused(['server', 'registry.example.com/', 'https://notary.example.com'], /matches no repository: use registry\.example\.com\/\* for all under it/);
  });

  it('a scope that is not a repository name, or is 3,000 characters long', async () => {
    await refused(['server', 'Registry.Example.com/Team', 'https://notary.example.com'], /is not a repository name/);
    await refused(['pin', 'a'.repeat(3000), '--clear'], /3000 characters long; at most 255/);
  });

  it('plain http, and a pin file that holds no certificate', async () => {
    await refused(['server', 'registry.example.com/*', 'http://notary.example.com'], /plain http is not allowed/);
    const notes = path.join(tt.workDir, 'notes.txt');
    writeFileSync(notes, 'not a certificate\n');
    await refused(['pin', 'registry.example.com/*', notes], /holds no PEM certificate/);
  });

  it('a short repository name is stored as its GUN', async () => {
    const r = await tt(['config', 'server', 'alpine', 'https://notary.example.com']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(settingsFile(), 'utf8')).servers).toEqual({ 'docker.io/library/alpine': { url: 'https://notary.example.com' } });
  });
});

describe('a damaged settings file', () => {
  it('stops inspect and config show with one line naming the field, instead of trusting on first use', async () => {
    const own = trustTui();
    const file = path.join(own.configDir, 'config.json');
    mkdirSync(own.configDir, { recursive: true });
    writeFileSync(file, '{"tofu":"false"}\n');
    for (const args of [['inspect', 'registry.example.com/team/app'], ['config', 'show']]) {
      const r = await own(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`settings ${file} cannot be used: "tofu" must be true or false, not "false" — fix the file, or remove it to start from the defaults`);
    }
    expect(readFileSync(file, 'utf8')).toBe('{"tofu":"false"}\n');
  });
});

describe('config pin by key ID', () => {
  it('pins the root certificate key ID given, as notary trust_pinning lists them', async () => {
    const own = trustTui();
    const id = 'ab'.repeat(32);
    const r = await own(['config', 'pin', 'registry.example.com/team/*', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(own.configDir, 'config.json'), 'utf8')).pins).toEqual({ 'registry.example.com/team/*': { certs: [id] } });
  });
});
