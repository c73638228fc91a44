// The Signers screen counts the tags a signer signed in its own role or approved (a k-of-n
// targets/releases signature, as the Tags screen's "Signed by" names approvers), and its heading
// says so: `signer list`'s TAGS column lists only the tags in the signer's own role.
import { afterEach, describe, expect, it } from 'vitest';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderAppSized } from './helpers.js';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

async function openSigners(columns: number) {
  const ui = renderAppSized(fakeServices(), columns, 24, { gun: 'example.com/team/app', screen: 'signers' });
  unmount = ui.unmount;
  await ui.waitFor('Signers of example.com/team/app (2)');
  return ui;
}

describe('Signers: what the tag count counts', () => {
  it.each([60, 100])('the column heading says signed or approved at %i columns', async (columns) => {
    const ui = await openSigners(columns);
    expect(ui.frame()).toContain('Tags signed/approved');
    expect(ui.frame()).toMatch(/alice .* 2/);
  });

  it('the signer detail says signed or approved', async () => {
    const ui = await openSigners(100);
    await ui.press(KEYS.enter);
    await ui.waitFor('Signer alice of example.com/team/app');
    expect(ui.frame()).toMatch(/Tags signed or approved \(2\): v1, v2/);
  });
});
