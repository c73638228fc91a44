// Every screen on small terminals (60x15, 72x20): no line wider than the terminal, no frame taller,
// the table header on one line, every row that fits rendered, long names shortened in the middle.
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices, fakeWorld, tag } from '../state/fake-services.js';
import { renderSized } from './helpers.js';

const LONG_A = 'registry.example.com/platform-engineering/team/frontend-app';
const LONG_B = 'registry.example.com/platform-engineering/team/backend-api';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

function world() {
  const w = fakeWorld();
  w.repos.push(
    { gun: LONG_A, tagCount: 40, signerCount: 2, state: 'online', source: 'watched' },
    { gun: LONG_B, tagCount: 2, signerCount: 1, state: 'offline', source: 'cache' },
  );
  w.tags['example.com/team/app'] = Array.from({ length: 40 }, (_, i) => tag(`release-${String(i).padStart(2, '0')}`, ['alice', 'bob']));
  w.keys[0]!.trustedBy = [LONG_A];
  w.keys[1]!.trustedBy = [LONG_B];
  return w;
}

async function start(columns: number, rows: number) {
  const store = createAppStore(fakeServices(world()), { workDir: '/work' });
  const ui = renderSized(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
    columns,
    rows,
  );
  unmount = ui.unmount;
  await ui.waitFor('example.com/team/app');
  return { ...ui, store };
}

function expectFits(frame: string, columns: number, rows: number) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const line of lines) expect([...line].length, `too wide: "${line}"`).toBeLessThanOrEqual(columns);
}

/** The table: the header line (it starts with the first column title) and the lines after it. */
function table(frame: string, firstTitle: string) {
  const lines = frame.split('\n');
  const header = lines.findIndex((l) => l.startsWith(`  ${firstTitle} `));
  expect(header, `no one-line header starting with ${firstTitle} in:\n${frame}`).toBeGreaterThanOrEqual(0);
  return { header: lines[header]!, body: lines.slice(header + 1) };
}

describe.each([
  [60, 15],
  [72, 20],
])('at %ix%i', (columns, rows) => {
  // Tabs, title, header, footer (2) and the spare last line (src/app.tsx) take 6 lines: the rest are rows.
  const tableRows = rows - 6;

  it('Repositories: every row, the header on one line, long names distinguishable', async () => {
    const ui = await start(columns, rows);
    const frame = ui.frame();
    expectFits(frame, columns, rows);
    const { header, body } = table(frame, 'Repository');
    expect(header).toContain('State');
    // The expiry (the column that warns) outlives the counts, which the Tags screen shows anyway.
    expect(header).toContain('Earliest expiry');
    const a = body.find((l) => l.includes('frontend-app'));
    const b = body.find((l) => l.includes('backend-api'));
    // Shortened in the middle: the start and the distinguishing end both stay.
    expect(a, frame).toMatch(/regist\S*…\S*frontend-app/);
    expect(b, frame).toMatch(/regist\S*…\S*backend-api/);
  });

  it('Tags: header on one line, every visible row rendered, lines within the width', async () => {
    const ui = await start(columns, rows);
    await ui.press('\r');
    await ui.waitFor('release-00');
    const frame = ui.frame();
    expectFits(frame, columns, rows);
    const { header, body } = table(frame, 'Tag');
    expect(header).toContain('Verifies');
    const shown = body.filter((l) => /release-\d\d/.test(l));
    expect(shown.map((l) => /release-(\d\d)/.exec(l)![1])).toEqual(Array.from({ length: tableRows }, (_, i) => String(i).padStart(2, '0')));
    // Scrolling to the end keeps every line in place.
    await ui.press('G');
    await ui.waitFor('❯ release-39');
    expectFits(ui.frame(), columns, rows);
    expect(table(ui.frame(), 'Tag').body.filter((l) => /release-\d\d/.test(l))).toHaveLength(tableRows);
  });

  it('Signers, Keys and Config fit; two keys trusted by long names sharing a prefix read differently', async () => {
    const ui = await start(columns, rows);
    await ui.press('\r');
    await ui.waitFor('release-00');
    await ui.press('3');
    await ui.waitFor('alice');
    expectFits(ui.frame(), columns, rows);
    table(ui.frame(), 'Signer');
    await ui.press('4');
    await ui.waitFor('Keys (3)');
    const frame = ui.frame();
    expectFits(frame, columns, rows);
    const { body } = table(frame, 'Key ID');
    const trusted = (role: string) => body.find((l) => l.includes(role))!;
    expect(trusted('alice')).toContain('frontend-app');
    expect(trusted('bob')).toContain('backend-api');
    await ui.press('5');
    await ui.waitFor('Trust on first use');
    expectFits(ui.frame(), columns, rows);
    table(ui.frame(), 'Setting');
  });

  it('a detail view keeps its frame and close hint on screen, scrolling with j/k', async () => {
    const ui = await start(columns, rows);
    await ui.press('\r');
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('j', '\r'); // signed by alice and bob
    await ui.waitFor('example.com/team/app:release-01');
    expectFits(ui.frame(), columns, rows);
    expect(ui.frame()).toContain('╰');
    expect(ui.frame()).toContain('Esc / Enter: close');
    for (let i = 0; i < 12; i++) await ui.press('j');
    expect(ui.frame()).toMatch(/targets\/bob: /);
    expect(ui.frame()).toContain('╰');
  });

  it('a type-to-confirm plan keeps its input, warning and frame on screen; the changes scroll with the arrows', async () => {
    const ui = await start(columns, rows);
    await ui.press('\r');
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('d');
    await ui.waitFor('Revoke example.com/team/app:release-00');
    expectFits(ui.frame(), columns, rows);
    for (const shown of ['WARNING: this is published and cannot be undone', 'to confirm', '> ', '╰']) expect(ui.frame()).toContain(shown);
    for (let i = 0; i < 5; i++) await ui.press('\u001B[B');
    expect(ui.frame()).toContain('last valid release signature');
    await ui.press(...'release-00');
    expect(ui.frame()).toContain('> release-00');
  });

  it('a dialog and the error banner stay within the terminal', async () => {
    const ui = await start(columns, rows);
    await ui.press('a');
    await ui.waitFor('Watch a repository');
    ui.stdin.write('x'.repeat(300));
    await ui.waitFor('300 characters long');
    expectFits(ui.frame(), columns, rows);
  });
});
