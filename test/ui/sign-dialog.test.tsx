// The sign dialog: the source first (already in the registry, or a local image pushed first); then a
// tag, and digest and size from the registry, or typed (and checked as they are typed) when the
// registry cannot say; or where the local image is, a review of the push and the signing, progress.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { CancelledError } from '../../src/trust/errors.js';
import { fakeServices } from '../state/fake-services.js';
import { KEYS, renderSized, renderTui } from './helpers.js';

afterEach(() => cleanup());

async function tagsScreen() {
  const services = fakeServices();
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
  return { ...ui, services };
}

const clear = async (ui: { press(...k: string[]): Promise<void> }, n: number) => {
  for (let i = 0; i < n; i++) await ui.press(KEYS.backspace);
};

describe('sign dialog', () => {
  it('asks digest and size when the registry cannot say, checking them as they are typed', async () => {
    const ui = await tagsScreen();
    await ui.press('s');
    await ui.waitFor('Step 1 of 5: Source');
    expect(ui.frame()).toMatch(/❯ Already in the registry/);
    await ui.press(KEYS.enter);
    await ui.waitFor('Tag: v1');
    await clear(ui, 2);
    await ui.type('v3');
    await ui.press(KEYS.enter);
    await ui.waitFor('The registry could not say what v3 is');
    expect(ui.frame()).toContain('ENOTFOUND');
    await ui.type('sha256:abc');
    expect(ui.frame()).toContain('64 hex digits after sha256: (3 so far)');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('Digest:'); // not accepted
    await ui.type('Z');
    expect(ui.frame()).toContain('only lowercase hex digits');
    await ui.press(KEYS.backspace);
    await ui.type('d'.repeat(61));
    expect(ui.frame()).toContain('✔ valid');
    await ui.press(KEYS.enter);
    await ui.waitFor('Size (bytes):');
    await ui.type('0');
    expect(ui.frame()).toContain('a positive number of bytes');
    await ui.press(KEYS.backspace);
    await ui.type('1234');
    await ui.press(KEYS.enter);
    await ui.waitFor('typed by you');
    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for targets key');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Signed example.com/team/app:v3');
    expect(ui.services.world.calls).toEqual([`signTag example.com/team/app v3 sha256:abc${'d'.repeat(61)} 1234`]);
  });

  it('takes digest and size from the registry when it knows the tag', async () => {
    const ui = await tagsScreen();
    await ui.press('j', 's');
    await ui.waitFor('Already in the registry');
    await ui.press(KEYS.enter);
    await ui.waitFor('Tag: v2');
    await ui.press(KEYS.enter);
    await ui.waitFor('From');
    expect(ui.frame()).toMatch(/Digest\s+sha256:v2/);
    expect(ui.frame()).toContain('the registry');
  });

  it('a local OCI layout: the path is checked, a missing image is said in the dialog, the review says what is pushed and signed, then progress and the result', async () => {
    const ui = await tagsScreen();
    await ui.press('s');
    await ui.waitFor('Already in the registry');
    await ui.press('j');
    expect(ui.frame()).toMatch(/❯ OCI layout directory/);
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 2 of 5: Tag');
    expect(ui.frame()).toContain('pushed to this tag');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 3 of 5: Local image');
    expect(ui.frame()).toContain('Directory:');
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('directory to push from'); // empty: not accepted
    expect(ui.services.world.calls.filter((c) => c.startsWith('planLocalSign'))).toEqual([]);

    await ui.type('build/missing');
    expect(ui.frame()).toContain('✔ valid');
    await ui.press(KEYS.enter);
    await ui.waitFor('no index.json in build/missing');
    expect(ui.frame()).toContain('Directory:'); // back where the path is typed
    await clear(ui, 'missing'.length);
    await ui.type('app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 5: Review');
    expect(ui.frame()).toMatch(/Push\s+oci:build\/app → v1/);
    expect(ui.frame()).toMatch(/Digest\s+sha256:e{20}/);
    expect(ui.frame()).toMatch(/Blobs\s+3 \(5\.7 MiB at most\), 1 manifest/);
    expect(ui.frame()).toMatch(/Then sign in\s+targets\/releases/);
    expect(ui.services.world.calls.filter((c) => c.startsWith('signLocal'))).toEqual([]);

    // Esc goes back to the path, and Enter from there comes back to the same review.
    await ui.press(KEYS.esc);
    await ui.waitFor('Directory:');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 5: Review');

    await ui.press(KEYS.enter);
    await ui.waitFor('Passphrase for targets key');
    await ui.type('pass');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 5 of 5');
    await ui.waitFor(/Pushed 2 blobs \(1 already there\) and 1 manifest from oci:build\/app; signed\s*│\s*│\s*example\.com\/team\/app:v1 in targets\/releases/);
    expect(ui.services.world.calls.filter((c) => c.startsWith('signLocal'))).toEqual([`signLocal example.com/team/app v1 oci:build/app sha256:${'e'.repeat(64)}`]);
  });

  it('Esc on the tag goes back to the source; Esc on the source closes the dialog', async () => {
    const ui = await tagsScreen();
    await ui.press('s');
    await ui.waitFor('Already in the registry');
    await ui.press('j', 'j', 'j', 'j', KEYS.enter);
    await ui.waitFor('Step 2 of 5: Tag');
    await ui.press(KEYS.esc);
    await ui.waitFor('Step 1 of 5: Source');
    expect(ui.frame()).toMatch(/❯ Docker daemon image/); // the choice is kept
    await ui.press(KEYS.esc);
    await ui.waitFor('Tags of example.com/team/app');
    expect(ui.frame()).not.toContain('Source');
  });
});

describe('sign dialog: the typed path', () => {
  it('an image that cannot be opened shows its error instead of "valid"; Esc to the tag and back keeps the path typed', async () => {
    const ui = await tagsScreen();
    await ui.press('s');
    await ui.waitFor('Already in the registry');
    await ui.press('j', KEYS.enter);
    await ui.waitFor('Step 2 of 5: Tag');
    await ui.press(KEYS.enter);
    await ui.waitFor('Directory:');
    await ui.type('build/missing');
    await ui.press(KEYS.enter);
    await ui.waitFor('no index.json in build/missing');
    expect(ui.frame()).not.toContain('✔ valid');
    await ui.press(KEYS.backspace);
    await ui.waitFor('✔ valid'); // edited: the error was about the path before
    expect(ui.frame()).not.toContain('no index.json');
    await ui.press(KEYS.esc);
    await ui.waitFor('Step 2 of 5: Tag');
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 3 of 5');
    expect(ui.frame()).toContain('Directory: build/missin');
  });
});

describe('sign dialog at 60x15', () => {
  it('the review and the push progress fit: source, digest, blobs and roles, each blob with its bytes', async () => {
    const services = fakeServices();
    // The push stops half-way through the third blob until the test lets it go on.
    let release!: () => void;
    const halfWay = new Promise<void>((resolve) => {
      release = resolve;
    });
    const signLocal = services.signLocal;
    services.signLocal = async (plan, ports, onProgress) => {
      onProgress({ kind: 'blob', digest: `sha256:${'1'.repeat(64)}`, size: 1_000_000, state: 'exists', sent: 1_000_000 });
      onProgress({ kind: 'blob', digest: `sha256:${'2'.repeat(64)}`, size: 2_097_152, state: 'pushed', sent: 2_097_152 });
      onProgress({ kind: 'blob', digest: `sha256:${'3'.repeat(64)}`, size: 3_145_728, state: 'uploading', sent: 1_048_576 });
      await halfWay;
      return signLocal(plan, ports, onProgress);
    };
    const store = createAppStore(services, { workDir: '/work' });
    const ui = renderSized(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
      60,
      15,
    );
    await ui.waitFor('example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('s');
    await ui.waitFor('Already in the registry');
    await ui.press('2');
    await ui.waitFor('Step 2 of 5: Tag');
    await ui.press(KEYS.enter);
    await ui.waitFor('Directory:');
    for (const ch of 'build/app') await ui.press(ch);
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 5: Review');
    for (const text of [/Push\s+oci:build\/app → v1/, /Digest\s+sha256:eeee/, /Blobs\s+3 \(5\.7 MiB/, /Then sign in\s+targets\/releases/, /Enter: push and sign/]) {
      expect(ui.frame()).toMatch(text);
    }
    await ui.press(KEYS.enter);
    await ui.waitFor('Blobs: 2 of 3 in the registry, 3.0 MiB of 5.0 MiB sent');
    expect(ui.frame()).toMatch(/333333333333 ███░░░░░░░ 1\.0 MiB\/3\.0 MiB uploading/);
    expect(ui.frame()).toMatch(/222222222222 ██████████ 2\.0 MiB\/2\.0 MiB pushed/);
    expect(ui.frame()).not.toContain('111111111111'); // two blob lines: the one moving, the latest done
    expect(ui.frame()).toContain('Pushing oci:build/app');
    expect(ui.frame()).toContain('Esc: cancel the push'); // the hints line is on screen
    expect(ui.frame()).toMatch(/╰─+╯/); // and the dialog's bottom border
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(15);
    release();
    await ui.waitFor('Passphrase for targets key');
    ui.unmount();
  });
});

/** A push that sends one blob, then waits until it is cancelled (as the real engine ends on the signal). */
function cancellablePush(services: ReturnType<typeof fakeServices>) {
  const signLocal = services.signLocal;
  services.signLocal = async (plan, ports, onProgress) => {
    onProgress({ kind: 'blob', digest: `sha256:${'2'.repeat(64)}`, size: 2_097_152, state: 'pushed', sent: 2_097_152 });
    onProgress({ kind: 'blob', digest: `sha256:${'3'.repeat(64)}`, size: 3_145_728, state: 'uploading', sent: 1_048_576 });
    await new Promise((resolve) => ports.signal?.addEventListener('abort', resolve, { once: true }));
    if (ports.signal?.aborted) throw new CancelledError('the push was cancelled: nothing was signed');
    return signLocal(plan, ports, onProgress);
  };
}

async function toThePush(columns: number, rows: number) {
  const services = fakeServices();
  cancellablePush(services);
  const store = createAppStore(services, { workDir: '/work' });
  const ui = renderSized(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
    columns,
    rows,
  );
  await ui.waitFor('example.com/team/app');
  await ui.press(KEYS.enter);
  await ui.waitFor('Tags of example.com/team/app');
  await ui.press('s');
  await ui.waitFor('Already in the registry');
  // At 60x15 the whole source list and the bottom border show.
  expect(ui.frame()).toMatch(/Docker daemon image[\s\S]*j\/k: move[\s\S]*╰─+╯/);
  await ui.press('j', KEYS.enter);
  await ui.waitFor('Step 2 of 5: Tag');
  await ui.press(KEYS.enter);
  await ui.waitFor('Directory:');
  for (const ch of 'build/app') await ui.press(ch);
  await ui.press(KEYS.enter);
  await ui.waitFor('Step 4 of 5: Review');
  expect(ui.frame()).toMatch(/Enter: push and sign[^\n]*\n╰─+╯/);
  await ui.press(KEYS.enter);
  await ui.waitFor('Blobs: 1 of 3 in the registry');
  return { ui, store, services };
}

describe('sign dialog at 60x15: a failed push', () => {
  it('a long error about a blob (digests, a path) still leaves the hints and the bottom border on screen', async () => {
    const services = fakeServices();
    const hex = (c: string) => c.repeat(64);
    services.signLocal = async (_plan, _ports, onProgress) => {
      onProgress({ kind: 'blob', digest: `sha256:${hex('2')}`, size: 2_097_152, state: 'pushed', sent: 2_097_152 });
      throw new Error(
        `blob sha256:${hex('a')} in oci:build/app does not match its digest (its bytes hash to sha256:${hex('b')}; build/app/blobs/sha256/${hex('a')}). The file was changed or damaged after the image was written; write the image again`,
      );
    };
    const store = createAppStore(services, { workDir: '/work' });
    const ui = renderSized(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
      60,
      15,
    );
    await ui.waitFor('example.com/team/app');
    await ui.press(KEYS.enter);
    await ui.waitFor('Tags of example.com/team/app');
    await ui.press('s');
    await ui.waitFor('Already in the registry');
    await ui.press('j', KEYS.enter);
    await ui.waitFor('Step 2 of 5: Tag');
    await ui.press(KEYS.enter);
    await ui.waitFor('Directory:');
    for (const ch of 'build/app') await ui.press(ch);
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 5: Review');
    await ui.press(KEYS.enter);
    await ui.waitFor('does not');
    expect(ui.frame()).toContain(`blob sha256:${'a'.repeat(12)}… in oci:build/app`);
    expect(ui.frame()).toContain('Blobs: 1 of 3 in the registry');
    expect(ui.frame()).toMatch(/Enter \/ Esc: back to the review[^\n]*\n╰─+╯/);
    ui.unmount();
  });
});

describe('sign dialog: cancelling the push', () => {
  it('Esc cancels it: nothing is signed, and the dialog says the tag was not pushed and what blobs stay (fits 60x15)', async () => {
    const { ui, store, services } = await toThePush(60, 15);
    expect(ui.frame()).toContain('Esc: cancel the push (nothing is signed)');
    await ui.press(KEYS.esc);
    await ui.waitFor('Cancelled: nothing was signed');
    expect(ui.frame().replace(/[│\s]+/g, ' ')).toContain('example.com/team/app:v1 was not pushed; 1 blob is in the registry (a rerun skips them)');
    expect(ui.frame()).toMatch(/Enter \/ Esc: back to the review[^\n]*\n╰─+╯/);
    expect(services.world.passphrasesSeen).toEqual([]);
    expect(services.world.calls.filter((c) => c.startsWith('signLocal'))).toEqual([]); // the fake's signing never ran
    expect(store.getState().wizard).toMatchObject({ kind: 'sign', state: { step: 'push-failed' } });
    // Back to the review: the same image can be pushed again.
    await ui.press(KEYS.enter);
    await ui.waitFor('Step 4 of 5: Review');
    ui.unmount();
  });

  it('quitting the app during the push cancels it (nothing signed after the UI is gone) and says what it left', async () => {
    const { ui, store, services } = await toThePush(80, 24);
    ui.unmount();
    await expect(store.getState().stopWork()).resolves.toMatch(/^Cancelled: nothing was signed and example\.com\/team\/app:v1 was not pushed; 1 blob is in the registry/);
    expect(services.world.passphrasesSeen).toEqual([]);
    expect(services.world.calls.filter((c) => c.startsWith('signLocal'))).toEqual([]);
    await expect(store.getState().stopWork()).resolves.toBeUndefined(); // nothing runs any more
  });
});
