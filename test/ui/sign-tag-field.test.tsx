// The sign wizard's Tag field starts with the selected row's tag, selected: typing replaces it (not
// "v1v9") and an arrow key keeps it for editing. (That it is drawn inverse with NO_COLOR, so it never
// looks like a placeholder, is checked on the built UI: test/e2e/ui-sign-tag.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderAppSized } from './helpers.js';

const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});

async function tagStep() {
  const ui = renderAppSized(fakeServices(), 100, 30, { gun: 'example.com/team/app', screen: 'tags' });
  unmounts.push(ui.unmount);
  await ui.waitFor('❯ v1');
  await ui.press('s');
  await ui.waitFor('Step 1 of 5: Source');
  await ui.press(KEYS.enter);
  await ui.waitFor('Tag: v1');
  return ui;
}

describe('sign wizard, Tag field', () => {
  it("typing replaces the row's tag", async () => {
    const ui = await tagStep();
    await ui.type('v9');
    expect(ui.frame()).toContain('Tag: v9▌');
    expect(ui.frame()).not.toContain('v1v9');
  });

  it('an arrow key keeps it to edit; Backspace clears it', async () => {
    const ui = await tagStep();
    await ui.press('\u001B[C');
    await ui.type('-rc');
    expect(ui.frame()).toContain('Tag: v1-rc▌');
    const again = await tagStep();
    await again.press(KEYS.backspace);
    expect(again.frame()).toContain('Tag: ▌');
  });
});
