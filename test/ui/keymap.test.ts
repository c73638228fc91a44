import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { dispatchKey } from '../../src/ui/input.js';
import { commandFor, footerHints, helpEntries, KEYMAP } from '../../src/ui/keymap.js';
import { editText } from '../../src/ui/TextInput.js';
import { viewportStart } from '../../src/ui/viewport.js';

const noKey: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

describe('keymap', () => {
  it('resolves keys only within the given scopes', () => {
    expect(commandFor('d', noKey, ['tags', 'list'])).toBe('tags.revoke');
    expect(commandFor('d', noKey, ['signers', 'list'])).toBe('signers.remove');
    expect(commandFor('d', noKey, ['repos', 'list'])).toBeUndefined();
    expect(commandFor('', { ...noKey, downArrow: true }, ['list'])).toBe('nav.down');
    expect(commandFor('', { ...noKey, tab: true, shift: true }, ['global'])).toBe('app.prevScreen');
  });

  it('does not read Alt+q as q (Esc followed quickly by a key)', () => {
    expect(commandFor('q', { ...noKey, meta: true }, ['global'])).toBeUndefined();
  });

  it('feeds the footer and the help from the same table', () => {
    const footer = footerHints('tags').map((h) => `${h.key}:${h.hint}`);
    expect(footer).toEqual(expect.arrayContaining(['s:sign', 'd:revoke', '/:filter', '?:help', 'q:quit']));
    expect(helpEntries('tags').map((e) => e.description)).toEqual([
      KEYMAP['tags.sign'].description,
      KEYMAP['tags.revoke'].description,
      KEYMAP['tags.exportReport'].description,
      KEYMAP['tags.export'].description,
      KEYMAP['tags.copy'].description,
    ]);
  });
});

describe('input routing', () => {
  const sub = (priority: number, order: number, log: string[], name: string, consume: boolean, capture = false) => ({
    handler: { current: () => (log.push(name), consume) },
    priority,
    order,
    capture,
  });

  it('asks higher priorities first and stops at the first that consumes', () => {
    const log: string[] = [];
    dispatchKey([sub(0, 0, log, 'global', true), sub(10, 1, log, 'screen', false), sub(30, 2, log, 'modal', false)], 'x', noKey);
    expect(log).toEqual(['modal', 'screen', 'global']);
  });

  it('a capturing layer (a dialog) hides every key from the layers below', () => {
    const log: string[] = [];
    dispatchKey([sub(0, 0, log, 'global', true), sub(30, 1, log, 'dialog', false, true)], 'q', noKey);
    expect(log).toEqual(['dialog']);
  });
});

describe('text editing', () => {
  it('splits a pasted chunk at the carriage return and drops control characters', () => {
    expect(editText('gam', 'ma\r', noKey)).toEqual({ value: 'gamma', action: 'submit' });
    expect(editText('a', 'b\u0007c', noKey)).toEqual({ value: 'abc' });
    expect(editText('abc', '', { ...noKey, backspace: true })).toEqual({ value: 'ab' });
    expect(editText('abc', '', { ...noKey, escape: true })).toEqual({ value: 'abc', action: 'cancel' });
  });
});

describe('viewport', () => {
  it('scrolls only when the cursor leaves the window', () => {
    expect(viewportStart(5, 10, 100, 0)).toBe(0);
    expect(viewportStart(10, 10, 100, 0)).toBe(1);
    expect(viewportStart(3, 10, 100, 5)).toBe(3);
    expect(viewportStart(99_999, 10, 100_000, 0)).toBe(99_990);
    expect(viewportStart(3, 10, 5, 2)).toBe(0);
  });
});
