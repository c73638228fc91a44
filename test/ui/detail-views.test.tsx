// Enter on Tags, Signers and Keys opens what the footer promises (a detail view), and `y` puts the
// selected digest or key ID on the terminal's clipboard with an OSC 52 sequence.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { KEY_A, KEY_B, fakeServices } from '../state/fake-services.js';
import { KEYS, renderTui } from './helpers.js';

afterEach(() => cleanup());

async function start() {
  const store = createAppStore(fakeServices(), { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor('example.com/team/app');
  return { ...ui, store };
}

const osc52 = (text: string) => `\u001B]52;c;${Buffer.from(text).toString('base64')}\u0007`;
const written = (ui: { frames: string[] }) => ui.frames.join('');

describe('detail views', () => {
  it('Enter on a tag shows each role that signed it with the key IDs and expiry', async () => {
    const ui = await start();
    await ui.press(KEYS.enter);
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('j', KEYS.enter); // v2, signed by alice and bob
    await ui.waitFor('Signatures (role');
    expect(ui.frame()).toMatch(/targets\/alice: aaaaaaa \(1 valid, 1 needed\), expires 2030-01-01/);
    expect(ui.frame()).toMatch(/targets\/bob: bbbbbbb/);
  });

  it('Enter on a signer shows its keys, threshold, expiry and tags', async () => {
    const ui = await start();
    await ui.press('s');
    await ui.waitFor('Signers of example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Signer alice of example.com/team/app');
    expect(ui.frame()).toContain(KEY_A);
    expect(ui.frame()).toMatch(/Threshold\s+1 of 1/);
    expect(ui.frame()).toMatch(/Tags signed or approved \(2\): v1, v2/);
  });

  it('Enter on a key lists every role it is in, across repositories', async () => {
    const ui = await start();
    await ui.press('4');
    await ui.waitFor('Keys (3)');
    await ui.press('j', KEYS.enter); // bob's key
    await ui.waitFor(`Key ID   ${KEY_B}`);
    expect(ui.frame()).toContain('In 4 role(s):');
    expect(ui.frame()).toMatch(/example\.com\/team\/db\s+targets\/bob/);
  });
});

describe('y copies', () => {
  it("the selected tag's digest and the selected key's ID, with OSC 52", async () => {
    const ui = await start();
    await ui.press(KEYS.enter);
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('y');
    expect(written(ui)).toContain(osc52(`sha256:${'v1'.padEnd(64, '0')}`));
    await ui.waitFor('Copied the digest of v1 to the clipboard');
    await ui.press('4');
    await ui.waitFor('Keys (3)');
    await ui.press('y');
    expect(written(ui)).toContain(osc52(KEY_A));
  });
});

describe('tag detail custom data', () => {
  it("Enter on a tag shows the custom data its roles record, as info does", async () => {
    const services = fakeServices();
    const describeTag = services.describeTag;
    services.describeTag = async (gun, tag) => {
      const detail = await describeTag(gun, tag);
      // alice and bob record the same custom data, so it is shown once for both.
      return { ...detail, signatures: detail.signatures.map((s) => ({ ...s, custom: { sbom: { sha256: 'ab12', size: 42 }, note: 'built by ci' } })) };
    };
    const store = createAppStore(services, { workDir: '/work' });
    const ui = renderTui(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
    );
    await ui.ready();
    await ui.waitFor('example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('j', KEYS.enter); // v2, signed by alice and bob
    await ui.waitFor('Custom data (targets/alice, targets/bob):');
    expect(ui.frame()).toContain('sbom: {"sha256":"ab12","size":42}');
    expect(ui.frame()).toContain('note: "built by ci"');
  });
});
