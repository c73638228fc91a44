// The error banner wraps a long cause and next step instead of cutting them at the edge, stays a few
// lines tall, and v moves the whole message into a dialog when even that is not enough.
import { afterEach, describe, expect, it } from 'vitest';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderAppSized } from './helpers.js';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

const CAUSE = 'the trust server notary.example.com answered 401 Unauthorized for example.com/team/app: the token has expired';
const NEXT = 'log in again with docker login registry.example.com, then press r to refresh';

function expectFits(frame: string, columns: number, rows: number) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const line of lines) expect([...line].length, `too wide: "${line}"`).toBeLessThanOrEqual(columns);
}

/** The banner's text, its rows joined back into one string. */
function bannerText(frame: string): string {
  return frame
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) => line.replace(/^│\s*|\s*│$/g, ''))
    .join(' ');
}

async function start(columns: number, rows: number, failure: { cause: string; next: string; detail?: string[] }) {
  const ui = renderAppSized(fakeServices(), columns, rows);
  unmount = ui.unmount;
  await ui.waitFor('example.com/team/app');
  ui.store.getState().showFailure(failure);
  await ui.waitFor('Error:');
  return ui;
}

describe('error banner', () => {
  it.each([
    [60, 15, CAUSE],
    [140, 30, `the token from auth.example.com for repository:example.com/team/app:pull was refused: ${CAUSE}`],
  ])('wraps the cause and the next step at %ix%i', async (columns, rows, cause) => {
    const ui = await start(columns, rows, { cause, next: 'Log in again and press r.' });
    expectFits(ui.frame(), columns, rows);
    const text = bannerText(ui.frame());
    expect(text).toContain('the token has expired');
    expect(text).toContain('Log in again and press r.');
    expect(text).toContain('Esc');
  });

  it('stays a few lines tall; v moves the whole message into the detail dialog', async () => {
    const cause = `${CAUSE}; ${CAUSE}; ${CAUSE}`;
    const ui = await start(60, 15, { cause, next: NEXT, detail: ['the server said: token expired at 22:10'] });
    expectFits(ui.frame(), 60, 15);
    const bannerRows = ui.frame().split('\n').filter((line) => line.startsWith('│'));
    expect(bannerRows.length).toBeLessThanOrEqual(4);
    expect(bannerText(ui.frame())).toContain('v:');
    // The screen below keeps rows for its table.
    expect(ui.frame()).toContain('example.com/team/app');

    await ui.press('v');
    await ui.waitFor('j/k scroll');
    expect(ui.frame()).not.toContain('Error:');
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      for (const line of ui.frame().split('\n')) seen.add(line);
      await ui.press('j');
    }
    const dialog = [...seen].join('\n');
    expect(dialog).toContain('the token has expired');
    expect(dialog).toContain('token expired at 22:10');
    expect(dialog).toContain('then press r to refresh');
    await ui.press(KEYS.esc);
    expect(ui.frame()).not.toContain('Error');
  });
});
