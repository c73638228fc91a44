// Opening a long repository: the first rows show while the rest is still being verified, and a
// keypress on 100,000 tags touches only the rows on screen.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import type { Services, TagListProgress, TagRow } from '../../src/state/services.js';
import { createAppStore } from '../../src/state/store.js';
import { fakeServices, tag } from '../state/fake-services.js';
import { KEYS, renderTui } from './helpers.js';

afterEach(() => cleanup());

async function start(services: Services) {
  const store = createAppStore(services, { workDir: '/work' });
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor('example.com/team/app');
  return { ...ui, store };
}

const name = (i: number) => `t${String(i).padStart(6, '0')}`;

/** A listTags that reports the first role's rows, then waits for `gate` before answering in full. */
function gatedTags(all: TagRow[], firstRole: number, gate: Promise<void>, fail?: Error): Services['listTags'] {
  return async (_gun, onProgress) => {
    const soFar: TagListProgress = {
      rows: all.slice(0, firstRole).map((t) => ({ ...t, verified: false, checking: true })),
      rolesDone: 1,
      rolesTotal: 3,
    };
    onProgress?.(soFar);
    await gate;
    if (fail) throw fail;
    return { rows: all, offline: false, server: 'https://notary.example.com' };
  };
}

describe('opening a repository with many tags', () => {
  it('shows the first verified role’s rows, without a verdict, before the whole list is ready', async () => {
    const all = Array.from({ length: 100_000 }, (_, i) => tag(name(i)));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const services = fakeServices();
    services.listTags = gatedTags(all, 500, gate);
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('loading… 1 of 3 roles verified');
    expect(ui.frame()).toMatch(/❯ t000000 .*checking…/);
    expect(ui.frame()).toContain('(500)');
    expect(ui.frame()).not.toContain('yes');
    // The list can be browsed while the rest loads; the cursor stays on its row when it arrives.
    await ui.press('j', 'j');
    expect(ui.frame()).toMatch(/❯ t000002/);
    open();
    await ui.waitFor('(100000)');
    expect(ui.frame()).not.toContain('loading');
    expect(ui.frame()).not.toContain('checking');
    expect(ui.frame()).toMatch(/❯ t000002 .*✔ yes/);
  });

  it('names only the signers verified so far, and says more may follow, until the whole list is verified', async () => {
    // v1: alice's role verified it so far; v2: in targets/releases, its signers not yet verified.
    const all = [tag('v1', ['alice', 'bob']), tag('v2', ['carol', 'dave'])];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const services = fakeServices();
    services.listTags = async (_gun, onProgress) => {
      onProgress?.({ rows: [{ ...all[0]!, signers: ['alice'], verified: false, checking: true }, { ...all[1]!, signers: [], verified: false, checking: true }], rolesDone: 2, rolesTotal: 4 });
      await gate;
      return { rows: all, offline: false, server: 'https://notary.example.com' };
    };
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('checking…');
    expect(ui.frame()).toMatch(/v1 .* alice, … .*checking…/);
    expect(ui.frame()).toMatch(/v2 .* … .*checking…/);
    expect(ui.frame()).not.toMatch(/v2 .* - /);
    open();
    await ui.waitFor('✔ yes');
    expect(ui.frame()).toMatch(/v1 .* alice, bob .*✔ yes/);
    expect(ui.frame()).toMatch(/v2 .* carol, dave .*✔ yes/);
    expect(ui.frame()).not.toContain('…');
  });

  it('drops the rows shown so far when the load then fails', async () => {
    const all = Array.from({ length: 1000 }, (_, i) => tag(name(i)));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const services = fakeServices();
    services.listTags = gatedTags(all, 50, gate, new Error('targets/bob: signature does not verify'));
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('checking…');
    open();
    await ui.waitFor('Could not load tags');
    expect(ui.frame()).not.toContain('t000000');
    expect(ui.frame()).not.toContain('loading…');
  });
});

describe('a keypress on 100,000 tags', () => {
  it('formats only the rows on screen, never the whole list', async () => {
    let digestReads = 0;
    // Every cell of the Digest column and the filter text read `digest`: counted per read.
    class CountedRow implements TagRow {
      signers = ['alice'];
      verified = true;
      size = 1234;
      constructor(
        readonly tag: string,
        private readonly hex: string,
      ) {}
      get digest(): string {
        digestReads++;
        return this.hex;
      }
    }
    const all: TagRow[] = Array.from({ length: 100_000 }, (_, i) => new CountedRow(name(i), `sha256:${i.toString(16).padStart(64, '0')}`));
    const services = fakeServices();
    services.listTags = async () => ({ rows: all, offline: false, server: 'https://notary.example.com' });
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor('(100000)');
    const presses = ['j', 'j', 'k', 'G', 'g', '\u001B[6~', 'j', 'k', 'G', 'g'];
    digestReads = 0;
    await ui.press(...presses);
    expect(ui.frame()).toMatch(/❯ t000000/);
    // At most the screen's rows per press (about 20; a jump to the other end draws a whole new screen).
    expect(digestReads).toBeLessThan(presses.length * 25);
    expect(digestReads).toBeGreaterThan(0);
  });
});

describe('a repository that cannot be read again', () => {
  it('keeps the last rows, but says they are not current and no longer shows them as verified now', async () => {
    const services = fakeServices();
    const first = services.listTags;
    let fail = false;
    services.listTags = async (gun, onProgress) => {
      if (fail) throw new Error('the trust server no longer has example.com/team/app');
      return first(gun, onProgress);
    };
    const ui = await start(services);
    await ui.press(KEYS.enter);
    await ui.waitFor(/yes/);
    fail = true;
    await ui.press('r');
    await ui.waitFor('not current, could not be read again');
    expect(ui.frame()).toMatch(/❯ v1 .*not now/);
    expect(ui.frame()).not.toContain('yes');
  });
});
