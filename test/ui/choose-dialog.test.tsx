// Choice lists are ink-select-input: j/k and arrows move (wrapping around), Enter or the option's
// number chooses, Esc cancels, and no key reaches the screen underneath.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ChooseDialog } from '../../src/screens/dialogs/ChooseDialog.js';
import { InputProvider, Priority, useKeypress } from '../../src/ui/input.js';
import { KEYS, renderTui } from './helpers.js';

afterEach(() => cleanup());

const OPTIONS = [
  { label: 'A server for a GUN prefix', value: 'server' },
  { label: 'A trust pin', value: 'pin' },
  { label: 'A watched repository', value: 'watch' },
];

function Screen({ seen }: { seen: string[] }) {
  useKeypress((input) => void seen.push(input), { priority: Priority.Screen });
  return null;
}

function render() {
  const chosen: string[] = [];
  const seen: string[] = [];
  let cancelled = false;
  const ui = renderTui(
    <InputProvider>
      <Screen seen={seen} />
      <ChooseDialog title="Add to the configuration" options={OPTIONS} onChoose={(v) => chosen.push(v)} onCancel={() => (cancelled = true)} />
    </InputProvider>,
  );
  return { ui, chosen, seen, cancelled: () => cancelled };
}

describe('choose dialog', () => {
  it('moves with j/k and arrows, wraps around, and chooses with Enter', async () => {
    const { ui, chosen, seen } = render();
    await ui.ready();
    expect(ui.frame()).toMatch(/❯ A server for a GUN prefix/);
    await ui.press('k');
    expect(ui.frame()).toMatch(/❯ A watched repository/);
    await ui.press(KEYS.down, 'j');
    expect(ui.frame()).toMatch(/❯ A trust pin/);
    await ui.press(KEYS.enter);
    expect(chosen).toEqual(['pin']);
    expect(seen).toEqual([]);
  });

  it('chooses an option by its number', async () => {
    const { ui, chosen } = render();
    await ui.ready();
    await ui.press('3');
    expect(chosen).toEqual(['watch']);
  });

  it('cancels with Esc without choosing', async () => {
    const { ui, chosen, cancelled } = render();
    await ui.ready();
    await ui.press(KEYS.esc);
    await ui.ready();
    expect(cancelled()).toBe(true);
    expect(chosen).toEqual([]);
  });
});
