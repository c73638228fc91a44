// Importing an encrypted key file in the UI over the real keystore: the file's own passphrase is
// asked in the dialog (never taken from the keystore's passphrase variable), and a file others may
// read is refused before anything is asked.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { KEYS, renderTui } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-import-ui-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => cleanup());

/** An openssl-made PKCS#8 file encrypted with `passphrase`. */
function encryptedKey(name: string, passphrase: string, mode: number): string {
  const plain = path.join(dir, `${name}.plain.pem`);
  const file = path.join(dir, `${name}.p8`);
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', plain]);
  execFileSync('openssl', ['pkcs8', '-topk8', '-in', plain, '-out', file, '-v2', 'aes-256-cbc', '-passout', `pass:${passphrase}`]);
  chmodSync(file, mode);
  return file;
}

async function importWizard(file: string) {
  // The keystore's passphrase comes from the environment, as in the demo.
  const services = createTrustServices({
    trustDir: path.join(dir, 'trust'),
    configDir: path.join(dir, 'config'),
    env: { DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'keystore-passphrase' },
  });
  const store = createAppStore(services, { workDir: dir });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.press('4');
  await ui.waitFor('Keys (');
  await ui.press('i');
  await ui.waitFor('Step 1 of 3');
  await ui.type(file);
  await ui.press(KEYS.enter);
  return ui;
}

describe('importing an encrypted key file', () => {
  it("asks for the file's passphrase, then stores it with the keystore's", async () => {
    const file = encryptedKey('erin', 'file-passphrase', 0o600);
    const ui = await importWizard(file);
    await ui.waitFor('Encrypted', 5000);
    await ui.type('erin');
    await ui.press(KEYS.enter);
    await ui.waitFor(`Passphrase of the key file ${file}`, 5000);
    await ui.type('file-passphrase');
    await ui.press(KEYS.enter);
    await ui.waitFor('Stored key', 10_000);
    expect(ui.frame()).toMatch(/Stored key [0-9a-f]{7} \(ecdsa\) as erin/);
  });

  it('refuses a file others may read before asking anything', async () => {
    const file = encryptedKey('frank', 'file-passphrase', 0o644);
    const ui = await importWizard(file);
    await ui.waitFor('must not be readable or writable by others', 5000);
    expect(ui.frame().replace(/[│\s]+/g, ' ')).toContain(`Run chmod 600 ${file}`);
    expect(ui.frame()).toContain('Step 1 of 3');
    expect(ui.frame()).not.toContain('Passphrase');
  });
});
