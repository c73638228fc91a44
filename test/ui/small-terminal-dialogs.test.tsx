// Dialogs on the smallest terminal the app runs in (60x15): a body taller than the screen scrolls
// under a "more" line, and the dialog's own key hints stay on screen.
import { afterEach, describe, expect, it } from 'vitest';
import { fakeServices, fakeWorld } from '../state/fake-services.js';
import { KEYS, renderAppSized } from './helpers.js';

const COLUMNS = 60;
const ROWS = 15;

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

async function start() {
  const world = fakeWorld();
  for (const [i, name] of ['dave', 'erin', 'frank'].entries()) world.keys.push({ id: `${i + 4}`.repeat(64), role: name, type: 'ecdsa', trustedBy: [], tagsSigned: 0 });
  const ui = renderAppSized(fakeServices(world), COLUMNS, ROWS);
  unmount = ui.unmount;
  await ui.waitFor('example.com/team/app');
  return ui;
}

function expectFits(frame: string) {
  const lines = frame.split('\n');
  expect(lines.length, frame).toBeLessThanOrEqual(ROWS);
  for (const line of lines) expect([...line].length, `too wide: "${line}"`).toBeLessThanOrEqual(COLUMNS);
}

describe('a dialog taller than a 60x15 terminal', () => {
  it('add signer, choosing keys: the keys stay listed, the body scrolls with the cursor', async () => {
    const ui = await start();
    await ui.press(KEYS.enter);
    await ui.waitFor('Tags of');
    await ui.press('3');
    await ui.waitFor('Signers of');
    await ui.press('a');
    await ui.waitFor('Step 1 of');
    await ui.type('zoe');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 2 of');
    await ui.waitFor('PgUp/PgDn more');
    let frame = ui.frame();
    expectFits(frame);
    expect(frame).toContain('f: add a .pub/PEM file');
    expect(frame).toContain('Esc: back');
    // The cursor's row stays in view as it moves past the window.
    for (let i = 0; i < 5; i++) await ui.press('j');
    frame = ui.frame();
    expect(frame).toMatch(/❯ \[ \] 6666666 ecdsa +frank/);
    expect(frame).toContain('f: add a .pub/PEM file');
    await ui.press(KEYS.pageDown);
    frame = ui.frame();
    expect(frame).toContain('Chosen (0)');
    expect(frame).toContain('f: add a .pub/PEM file');
  });

  it('import, step 2: the fields scroll, the keys stay', async () => {
    const ui = await start();
    await ui.press('4');
    await ui.waitFor('Keys (');
    await ui.press('i');
    await ui.waitFor('Step 1 of 3');
    await ui.type('norole.pem');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 2 of 3');
    await ui.waitFor('PgUp/PgDn more');
    const frame = ui.frame();
    expectFits(frame);
    expect(frame).toContain('Enter: continue   Esc: back');
    await ui.press(KEYS.pageDown, KEYS.pageDown);
    expect(ui.frame()).toContain('Enter stores it');
    expect(ui.frame()).toContain('Enter: continue   Esc: back');
  });
});
