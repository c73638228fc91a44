import { describe, expect, it } from 'vitest';
import type { KeyFilePreview, SweepPlan } from '../../src/state/services.js';
import { keyGenerateReducer, keyGenerateStart } from '../../src/state/wizards/key-generate.js';
import { keyImportReducer, keyImportStart, type KeyImportState } from '../../src/state/wizards/key-import.js';
import { signerSetupReducer, signerSetupStart, type SignerSetupState } from '../../src/state/wizards/signer-setup.js';
import { sweepReducer, sweepStart, type SweepState } from '../../src/state/wizards/sweep.js';
import { KEY_A, KEY_B, fakeWorld } from './fake-services.js';

const privatePreview = (over: Partial<KeyFilePreview> = {}): KeyFilePreview => ({ path: 'k.pem', kind: 'private', encrypted: true, ...over });

describe('key import wizard', () => {
  it('walks file -> preview -> importing -> done', () => {
    let s: KeyImportState | null = keyImportStart();
    s = keyImportReducer(s, { type: 'submit-path', path: ' k.pem ' });
    expect(s).toEqual({ step: 'inspecting', path: 'k.pem' });
    s = keyImportReducer(s!, { type: 'inspected', preview: privatePreview({ role: 'carol' }) });
    expect(s).toMatchObject({ step: 'preview', name: 'carol' });
    s = keyImportReducer(s!, { type: 'confirm', name: 'ignored' });
    expect(s).toMatchObject({ step: 'importing', name: 'carol' }); // the role header wins
    s = keyImportReducer(s!, { type: 'imported', key: { id: KEY_A, role: 'carol', type: 'ecdsa' } });
    expect(s).toMatchObject({ step: 'done' });
    expect(keyImportReducer(s!, { type: 'back' })).toBeNull();
  });

  it('asks for a valid name when the file has no role header', () => {
    let s: KeyImportState | null = { step: 'preview', preview: privatePreview(), name: '' };
    s = keyImportReducer(s, { type: 'confirm', name: 'Bad Name' });
    expect(s).toMatchObject({ step: 'preview', error: expect.stringContaining('lowercase') });
    s = keyImportReducer(s!, { type: 'confirm', name: 'dave' });
    expect(s).toMatchObject({ step: 'importing', name: 'dave' });
  });

  it('refuses a public key with a pointer to the Signers screen, and an empty path', () => {
    const inspecting: KeyImportState = { step: 'inspecting', path: 'bob.pub' };
    expect(keyImportReducer(inspecting, { type: 'inspected', preview: { path: 'bob.pub', kind: 'public', encrypted: false } })).toMatchObject({
      step: 'path',
      error: expect.stringContaining('Signers screen'),
    });
    expect(keyImportReducer(keyImportStart(), { type: 'submit-path', path: '  ' })).toMatchObject({ step: 'path', error: expect.any(String) });
  });

  it('Esc goes back one step and leaves from the first; a failure returns to the file step with its cause', () => {
    expect(keyImportReducer(keyImportStart(), { type: 'back' })).toBeNull();
    expect(keyImportReducer({ step: 'preview', preview: privatePreview(), name: '' }, { type: 'back' })).toMatchObject({ step: 'path', path: 'k.pem' });
    const failed = keyImportReducer({ step: 'importing', preview: privatePreview(), name: 'x' }, { type: 'error', message: 'wrong passphrase' });
    expect(failed).toEqual({ step: 'failed', path: 'k.pem', error: 'wrong passphrase' });
    expect(keyImportReducer(failed!, { type: 'back' })).toMatchObject({ step: 'path', error: 'wrong passphrase' });
  });

  it('ignores Esc while the key is being written', () => {
    const importing: KeyImportState = { step: 'importing', preview: privatePreview(), name: 'x' };
    expect(keyImportReducer(importing, { type: 'back' })).toBe(importing);
  });
});

describe('key generation wizard', () => {
  it('validates the name, then takes type and directory', () => {
    let s = keyGenerateReducer(keyGenerateStart(), { type: 'submit-name', name: '-bad' });
    expect(s).toMatchObject({ step: 'name', error: expect.any(String) });
    s = keyGenerateReducer(s!, { type: 'submit-name', name: 'alice' });
    expect(s).toEqual({ step: 'type', name: 'alice', type: 'ecdsa' });
    s = keyGenerateReducer(s!, { type: 'choose-type', keyType: 'ed25519' }, '/work');
    expect(s).toEqual({ step: 'dir', name: 'alice', type: 'ed25519', dir: '/work' });
    s = keyGenerateReducer(s!, { type: 'submit-dir', dir: '' }, '/work');
    expect(s).toEqual({ step: 'generating', name: 'alice', type: 'ed25519', dir: '/work' });
  });
});

describe('signer setup wizard', () => {
  const keys = fakeWorld().keys;

  it('offers only signer keys and pre-selects the ones named after the signer', () => {
    const start = signerSetupStart('g', keys);
    expect(start.step === 'name' && start.available.map((k) => k.role)).toEqual(['alice', 'bob']);
    const s = signerSetupReducer(start, { type: 'submit-name', name: 'bob' });
    expect(s).toMatchObject({ step: 'keys', chosen: [{ id: KEY_B, label: 'keystore: bob' }] });
  });

  it('toggles keys, adds a previewed file, and needs at least one key to continue', () => {
    let s: SignerSetupState | null = signerSetupReducer(signerSetupStart('g', keys), { type: 'submit-name', name: 'carol' });
    expect(signerSetupReducer(s!, { type: 'next' })).toMatchObject({ step: 'keys', error: expect.stringContaining('at least one') });
    s = signerSetupReducer(s!, { type: 'toggle' }); // alice's key
    s = signerSetupReducer(s!, { type: 'toggle' });
    expect(s).toMatchObject({ chosen: [] });
    s = signerSetupReducer(s!, { type: 'add-file', path: 'carol.pub' });
    expect(s).toMatchObject({ step: 'reading-file', path: 'carol.pub' });
    s = signerSetupReducer(s!, { type: 'file-read', preview: { path: 'carol.pub', kind: 'public', id: KEY_A, type: 'ecdsa', encrypted: false } });
    expect(s).toMatchObject({ step: 'keys', chosen: [{ id: KEY_A, choice: { from: 'file', path: 'carol.pub' } }] });
    s = signerSetupReducer(s!, { type: 'next' });
    expect(s).toMatchObject({ step: 'threshold', name: 'carol' });
    s = signerSetupReducer(s!, { type: 'submit-threshold', value: '' });
    expect(s).toMatchObject({ step: 'planning', name: 'carol' });
    expect(s).not.toHaveProperty('threshold');
    s = signerSetupReducer(s!, { type: 'planned', delivery: 'publish' });
    expect(s).toMatchObject({ step: 'confirm', name: 'carol', delivery: 'publish' });
    s = signerSetupReducer(s!, { type: 'next' });
    expect(s).toMatchObject({ step: 'adding', delivery: 'publish' });
    s = signerSetupReducer(s!, { type: 'added', signer: { name: 'carol', keyIds: [KEY_A], threshold: 1, tagsSigned: 0, changes: [], releases: { from: 1, to: 1 } } });
    expect(s).toMatchObject({ step: 'done' });
  });

  it('the threshold step refuses more than the distinct keys releases would have, and keeps a valid one', () => {
    const releases = { threshold: 1, keyIds: [KEY_B] };
    let s: SignerSetupState | null = signerSetupReducer(signerSetupStart('g', keys, releases), { type: 'submit-name', name: 'alice' });
    s = signerSetupReducer(s!, { type: 'next' });
    expect(s).toMatchObject({ step: 'threshold' });
    const refused = signerSetupReducer(s!, { type: 'submit-threshold', value: '3' });
    expect(refused).toMatchObject({ step: 'threshold', error: 'threshold 3 for targets/releases of g can never be met: it would have 2 distinct key(s)' });
    expect(signerSetupReducer(s!, { type: 'submit-threshold', value: '0' })).toMatchObject({ step: 'threshold', error: expect.stringContaining('at least 1') });
    expect(signerSetupReducer(s!, { type: 'submit-threshold', value: 'two' })).toMatchObject({ step: 'threshold', error: expect.stringContaining('whole number') });
    s = signerSetupReducer(refused!, { type: 'submit-threshold', value: '2' });
    expect(s).toMatchObject({ step: 'planning', threshold: 2 });
    s = signerSetupReducer(s!, { type: 'planned', delivery: 'request' });
    expect(s).toMatchObject({ step: 'confirm', threshold: 2, delivery: 'request' });
    s = signerSetupReducer(s!, { type: 'next' });
    expect(s).toMatchObject({ step: 'adding', threshold: 2 });
  });

  it('a failed publish goes back to the threshold step with the same choice (continuing plans again)', () => {
    const adding: SignerSetupState = { step: 'adding', gun: 'g', name: 'carol', chosen: [{ choice: { from: 'keystore', id: KEY_A }, id: KEY_A, type: 'ecdsa', label: 'x' }], delivery: 'publish' };
    const failed = signerSetupReducer(adding, { type: 'error', message: 'server down' });
    expect(failed).toMatchObject({ step: 'failed', error: 'server down' });
    expect(signerSetupReducer(failed!, { type: 'back' })).toMatchObject({ step: 'threshold', chosen: adding.chosen });
  });
});

describe('compromised-key sweep', () => {
  const plan: SweepPlan = {
    target: { kind: 'key', keyId: KEY_B },
    confirmText: KEY_B.slice(0, 7),
    items: [
      { gun: 'a', role: 'targets/bob', keyIds: [KEY_B], outcome: 'removed', tags: [], done: true },
      { gun: 'b', role: 'targets/bob', keyIds: [KEY_B], outcome: 'removed', tags: [{ tag: 'v1', losesLastSignature: true }], done: false },
    ],
    unreadable: [],
  };

  it('needs the exact short key id before running', () => {
    let s: SweepState | null = sweepReducer(sweepStart(plan.target), { type: 'planned', plan });
    s = sweepReducer(s!, { type: 'next' });
    expect(s).toMatchObject({ step: 'confirm' });
    s = sweepReducer(s!, { type: 'confirm', typed: KEY_B.slice(0, 6) });
    expect(s).toMatchObject({ step: 'confirm', error: expect.stringContaining(KEY_B.slice(0, 7)) });
    s = sweepReducer(s!, { type: 'confirm', typed: KEY_B.slice(0, 7) });
    expect(s).toMatchObject({ step: 'running', stopping: false });
  });

  it('tracks progress, stops on Esc, reports, and reruns from a fresh plan', () => {
    let s: SweepState | null = { step: 'running', plan, stopping: false };
    s = sweepReducer(s, { type: 'progress', progress: { index: 1, total: 1, gun: 'b' } });
    expect(s).toMatchObject({ progress: { gun: 'b' } });
    s = sweepReducer(s!, { type: 'back' });
    expect(s).toMatchObject({ step: 'running', stopping: true }); // Esc stops, it does not leave
    s = sweepReducer(s!, { type: 'finished', outcomes: [], interrupted: true });
    expect(s).toMatchObject({ step: 'report', interrupted: true });
    expect(sweepReducer(s!, { type: 'rerun' })).toEqual({ step: 'planning', target: plan.target });
  });

  it('does not ask for confirmation when every item is already done', () => {
    const done: SweepPlan = { ...plan, items: plan.items.map((i) => ({ ...i, done: true })) };
    const dry = sweepReducer(sweepStart(plan.target), { type: 'planned', plan: done });
    expect(sweepReducer(dry!, { type: 'next' })).toBe(dry);
  });
});
