// The UI's new-passphrase dialog follows the keystore's rule, as the terminal prompt does: typed
// passphrases are trimmed as notary trims them, and the length is counted after trimming.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { PassphraseDialog } from '../../src/screens/dialogs/PassphraseDialog.js';
import { InputProvider } from '../../src/ui/input.js';
import { KEYS, renderTui } from './helpers.js';

afterEach(() => cleanup());

function dialog(purpose: 'new' | 'unlock') {
  const submitted: string[] = [];
  const ui = renderTui(
    <InputProvider>
      <PassphraseDialog request={{ keyId: 'a'.repeat(64), role: 'alice', purpose, attempt: 0 }} onSubmit={(p) => submitted.push(p)} onCancel={() => undefined} />
    </InputProvider>,
  );
  return { ui, submitted };
}

describe('passphrase dialog', () => {
  it('refuses a new passphrase that is only long enough with its surrounding spaces', async () => {
    const { ui, submitted } = dialog('new');
    await ui.ready();
    await ui.type('   short   ');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('Use at least 8 characters');
    expect(ui.frame()).not.toContain('Repeat passphrase');
    expect(submitted).toEqual([]);
  });

  it('hands on the trimmed passphrase, as a key notary can later unlock', async () => {
    const { ui, submitted } = dialog('new');
    await ui.ready();
    await ui.type(' correct horse ');
    await ui.press(KEYS.enter);
    await ui.waitFor('Repeat passphrase');
    await ui.type('correct horse');
    await ui.press(KEYS.enter);
    expect(submitted).toEqual(['correct horse']);
  });

  it('trims a passphrase typed to unlock a key too', async () => {
    const { ui, submitted } = dialog('unlock');
    await ui.ready();
    await ui.type('  secret-pass ');
    await ui.press(KEYS.enter);
    expect(submitted).toEqual(['secret-pass']);
  });
});
