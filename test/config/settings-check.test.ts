// A settings file with a field of the wrong type or a misspelt field stops every command, naming the
// field: falling back to the defaults would turn trust on first use on or drop a root pin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Settings } from '../../src/config/settings.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-settings-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_ID = 'ab'.repeat(32);
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function read(content: unknown): () => unknown {
  const settings = new Settings(dir);
  writeFileSync(settings.file, JSON.stringify(content));
  return () => settings.data;
}

describe('the settings file', () => {
  it('reads what trust-tui writes', () => {
    const data = read({
      rootKeyId: KEY_ID,
      tofu: false,
      pins: { 'registry.example.com/a': { certs: [KEY_ID] }, 'registry.example.com/b/*': { ca: PEM } },
      servers: { 'registry.example.com/*': { url: 'https://notary.example.com', ca: '/etc/ca.pem' } },
      watched: ['registry.example.com/a'],
      keyTypes: { [KEY_ID]: 'ecdsa' },
    })();
    expect(data).toMatchObject({ tofu: false, pins: { 'registry.example.com/a': { certs: [KEY_ID] } } });
  });

  it.each([
    [{ tofu: 'false' }, '"tofu" must be true or false, not "false"'],
    [{ tofu: 0 }, '"tofu" must be true or false, not 0'],
    [{ pins: { 'registry.example.com/a': 'garbage' } }, 'pins["registry.example.com/a"] must be an object with "certs" or "ca", not "garbage"'],
    [{ pins: { 'registry.example.com/a': { cert: [KEY_ID] } } }, 'pins["registry.example.com/a"] has an unknown field "cert" (known: certs, ca)'],
    [{ pins: { 'registry.example.com/a': { certs: [] } } }, 'pins["registry.example.com/a"].certs must be a non-empty list of root key IDs, not []'],
    [{ pins: { 'registry.example.com/a': { certs: '0000' } } }, 'pins["registry.example.com/a"].certs must be a non-empty list of root key IDs, not "0000"'],
    [{ pins: { 'registry.example.com/a': { certs: ['0000'] } } }, 'pins["registry.example.com/a"].certs holds "0000", which is not a key ID (64 hex digits)'],
    [{ pins: { 'registry.example.com/a': {} } }, 'pins["registry.example.com/a"] pins nothing: it needs "certs" or "ca"'],
    [{ pins: { 'registry.example.com/a': { ca: 'x' } } }, 'pins["registry.example.com/a"].ca must be PEM certificate text, not "x"'],
    [{ pin: {} }, 'it has an unknown field "pin" (known: rootKeyId, tofu, pins, servers, watched, keyTypes)'],
    [{ servers: { 'registry.example.com/*': { url: 7 } } }, 'servers["registry.example.com/*"].url must be the server\'s URL, not 7'],
    [{ watched: 'registry.example.com/a' }, '"watched" must be a list of repositories'],
    [[], 'it must hold a JSON object, not []'],
  ])('refuses %j, naming the field', (content, problem) => {
    const settings = new Settings(dir);
    expect(read(content)).toThrow(`settings ${settings.file} cannot be used: ${problem}`);
  });
});

describe('a settings directory that cannot be written', () => {
  it('is said in words, naming the directory and --config-dir', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    const settings = new Settings(path.join(file, 'cfg'));
    await expect(settings.update((s) => void (s.tofu = false))).rejects.toMatchObject({
      message: `cannot write the settings in ${path.join(file, 'cfg')}: a part of that path is a file (ENOTDIR); nothing was changed`,
      hint: expect.objectContaining({ cli: 'give --config-dir a directory this user can write' }),
    });
  });
});

describe('a change that would make the settings unusable', () => {
  it('is refused before anything is written', async () => {
    const settings = new Settings(path.join(dir, 'writer'));
    await settings.update((s) => void (s.tofu = false));
    await expect(settings.update((s) => void ((s as unknown as Record<string, unknown>).tofu = 'no'))).rejects.toThrow('"tofu" must be true or false, not "no"; nothing was changed');
    expect(new Settings(path.join(dir, 'writer')).data.tofu).toBe(false);
  });
});
