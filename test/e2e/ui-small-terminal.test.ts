// The built demo in tmux on small terminals (72x20, 60x15): the frame stays within the pane (the tabs
// stay on the first line, table headers on one line, every row that fits is shown), and 100 keys sent
// in one burst move the cursor exactly 100 rows on the 301-tag repository.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TmuxDriver } from './tmux-driver.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist', 'cli.js');

let dir: string;
const driver = new TmuxDriver();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'esm', 'main.js'))) throw new Error('dist/esm/main.js is missing: run npm run build');
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-e2e-small-'));
}, 60_000);

afterAll(async () => {
  driver.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The pane's lines (tmux wraps a too-wide line onto the next row, so overlong lines show as extra rows). */
function checkFrame(screen: string, rows: number, tableTitle: RegExp, bodyRows: RegExp, expectedRows: number) {
  const lines = screen.replace(/\n$/, '').split('\n');
  expect(lines).toHaveLength(rows);
  expect(lines[0]).toMatch(/^\s?\[?1 Repositories/); // the top did not scroll away
  const header = lines.findIndex((l) => tableTitle.test(l));
  expect(header, screen).toBeGreaterThan(0);
  const body = lines.slice(header + 1).filter((l) => bodyRows.test(l));
  expect(body, screen).toHaveLength(expectedRows);
  // Rows follow the header without gaps (nothing wrapped in between).
  expect(lines.slice(header + 1, header + 1 + expectedRows).every((l) => bodyRows.test(l)), screen).toBe(true);
}

describe('small terminals and key bursts, in tmux', () => {
  it('fits 72x20 and 60x15 and counts every key of a burst', async () => {
    await driver.start({ command: `node ${cli} demo --data ${join(dir, 'demo')}`, env: { NO_COLOR: '1', XDG_DATA_HOME: join(dir, 'xdg') }, columns: 72, rows: 20 });
    await driver.waitFor('Repositories (3)', 90_000);
    await driver.waitFor(/\s301\s/, 30_000);
    await driver.key('j', 'j', 'Enter');
    await driver.waitFor(`(301)`, 30_000);
    await driver.waitFor('❯ 1.0.0');
    // Beside the tabs the repository is shortened in the middle: its end stays visible.
    expect(driver.snap().split('\n')[0]).toMatch(/ demo\.\S*…\S*\/cli\s*$/);

    checkFrame(driver.snap(), 20, /^\s+Tag\s+.*Verifies/, /^[❯ ] (1\.0\.0|nightly-\d{3})\s/, 20 - 6);

    // 100 j in one burst: exactly 100 rows down (row 0 is 1.0.0, then nightly-001…).
    await driver.burst('j'.repeat(100));
    await driver.waitFor('❯ nightly-100');
    await sleep(500);
    expect(driver.snap()).toContain('❯ nightly-100');
    await driver.burst('k'.repeat(50));
    await driver.waitFor('❯ nightly-050');

    await driver.resize(60, 15);
    await driver.waitFor('❯ nightly-050');
    checkFrame(driver.snap(), 15, /^\s+Tag\s+/, /^[❯ ] nightly-\d{3}\s/, 15 - 6);
    expect(driver.snap()).toMatch(/Tags of \S*\/tools\/cli \(301\)/);

    for (const [key, title] of [['1', /^\s+Repository\s+/], ['3', /^\s+Signer\s+/], ['4', /^\s+Key ID\s+/], ['5', /^\s+Setting\s+/]] as const) {
      await driver.key(key);
      await sleep(800);
      const screen = driver.snap();
      const lines = screen.replace(/\n$/, '').split('\n');
      expect(lines, screen).toHaveLength(15);
      expect(lines[0]).toMatch(/1 Repositories/);
      expect(lines.some((l) => title.test(l)), screen).toBe(true);
    }
    await driver.key('q');
    await driver.waitFor('EXIT=0');
  }, 180_000);
});
