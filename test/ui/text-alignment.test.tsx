// Wrapped and nested text lines up at 60 columns: a detail line of a confirmation is indented under
// its change (no second bullet), a wrapped message never starts a row with a space, and a choice
// that wraps stays aligned with the others.
import { afterEach, describe, expect, it } from 'vitest';
import { ChooseDialog } from '../../src/screens/dialogs/ChooseDialog.js';
import { bulletRows } from '../../src/ui/ChangeList.js';
import { InputProvider } from '../../src/ui/input.js';
import { fakeServices, KEY_B } from '../state/fake-services.js';
import { KEYS, renderAppSized, renderSized } from './helpers.js';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

describe('confirmation bullets', () => {
  it('an indented line details the change above it: indented under its text, without a bullet', () => {
    const rows = bulletRows(['Signatures:', '  targets/releases v3: 1 of 2 (signed: owner)', '  owner must sign targets/releases again before it can be released'], 60);
    expect(rows[0]).toBe('• Signatures:');
    expect(rows[1]).toBe('    targets/releases v3: 1 of 2 (signed: owner)');
    expect(rows[2]).toBe('    owner must sign targets/releases again before it can');
    expect(rows[3]).toBe('    be released');
    for (const row of rows) expect(row).not.toMatch(/• {2,}/);
  });
});

describe('at 60 columns', () => {
  it('the threshold step wraps its refusal at spaces: no row starts with one', async () => {
    const gun = 'demo.trust-tui.local/team/api';
    const services = fakeServices();
    services.world.signers[gun] = [{ name: 'bob', keyIds: [KEY_B], threshold: 1, tagsSigned: 2 }];
    services.world.releases = { [gun]: { threshold: 1, keys: 1, keyIds: [KEY_B], signed: 1, bySigner: [{ name: 'bob', signed: true }] } };
    const ui = renderAppSized(services, 60, 24, { gun, screen: 'signers' });
    unmount = ui.unmount;
    await ui.waitFor('❯ bob');
    await ui.press('a');
    await ui.waitFor('Signer name:');
    await ui.type('alice');
    await ui.press(KEYS.enter);
    await ui.waitFor('[x] aaaaaaa');
    await ui.press(KEYS.enter);
    await ui.waitFor('Releases threshold');
    await ui.press('9', KEYS.enter);
    await ui.waitFor(/can never/);
    const frame = ui.frame();
    expect(frame).toMatch(/distinct key\(s\)/);
    // Inside the box, a row's text starts right after "│ ".
    for (const line of frame.split('\n')) expect(line, frame).not.toMatch(/^│ {2}\S/);
  });

  it('a choice that wraps stays aligned with the others, and so do its rows', async () => {
    const options = [
      { label: 'A trust server for a repository or prefix', value: 'server' },
      { label: 'A trust pin (root or CA certificate) for a repository or prefix', value: 'pin' },
      { label: 'A watched repository', value: 'watch' },
    ];
    const ui = renderSized(
      <InputProvider>
        <ChooseDialog title="Add to the configuration" options={options} onChoose={() => undefined} onCancel={() => undefined} />
      </InputProvider>,
      60,
      15,
    );
    unmount = ui.unmount;
    await ui.waitFor('A watched repository');
    const lines = ui.frame().split('\n');
    const column = (text: string) => lines.find((l) => l.includes(text))!.indexOf(text);
    expect(column('A trust pin')).toBe(column('A watched repository'));
    expect(column('A trust pin')).toBe(column('A trust server'));
    const pin = lines.findIndex((l) => l.includes('A trust pin'));
    const rest = lines[pin + 1]!;
    expect(rest.slice(column('A trust pin')).trim()).not.toBe('');
    expect(rest.indexOf(rest.slice(2).trim())).toBe(column('A trust pin'));
  });
});
