// The key generation wizard names a unusable folder in the UI's words: a file given where the
// folder for NAME.pub belongs is refused with no command-line flag in the message, and nothing is made.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { KEYS, renderTui } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-generate-ui-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => cleanup());

describe('generating a key in the UI', () => {
  it('refuses a file as the .pub folder without CLI advice, storing no key', async () => {
    const notAFolder = path.join(dir, 'notes.txt');
    writeFileSync(notAFolder, 'not a folder\n');
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
    await ui.press('n');
    await ui.waitFor('Step 1 of 4');
    await ui.type('grace');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 2 of 4');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 3 of 4');
    for (let i = 0; i < dir.length + 5; i++) await ui.press(KEYS.backspace);
    await ui.type(notAFolder);
    await ui.press(KEYS.enter);
    await ui.waitFor('is a file, not a directory', 5000);
    const text = ui.frame().replace(/[│\s]+/g, ' ');
    expect(text).toContain(notAFolder);
    expect(text).not.toContain('--dir');
    const privateDir = path.join(dir, 'trust', 'private');
    expect(existsSync(privateDir) ? readdirSync(privateDir) : []).toEqual([]);
  });
});
