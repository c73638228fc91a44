import { describe, expect, it } from 'vitest';
import { emptyList, moveCursor, selectedRow, withFilter, withRows, type ListSpec } from '../../src/state/list.js';

interface Row {
  id: string;
  name: string;
}
const spec: ListSpec<Row> = { key: (r) => r.id, text: (r) => r.name };
const rows = (...names: string[]): Row[] => names.map((name) => ({ id: name, name }));

describe('list state', () => {
  it('keeps the cursor on the same row when a refresh inserts rows above it', () => {
    let list = withRows(emptyList<Row>(), rows('alpha', 'beta', 'gamma'), spec);
    list = moveCursor(list, 'bottom');
    expect(selectedRow(list)?.name).toBe('gamma');
    list = withRows(list, rows('aardvark', 'alpha', 'beta', 'gamma'), spec);
    expect(selectedRow(list)?.name).toBe('gamma');
    expect(list.cursor).toBe(3);
  });

  it('keeps the cursor index (clamped) when the selected row disappears', () => {
    let list = moveCursor(withRows(emptyList<Row>(), rows('a', 'b', 'c'), spec), 'bottom');
    list = withRows(list, rows('a', 'b'), spec);
    expect(selectedRow(list)?.name).toBe('b');
  });

  it('filters case-insensitively and counts matches of the total', () => {
    let list = withRows(emptyList<Row>(), rows('Alpha', 'beta', 'alps', 'gamma'), spec);
    list = withFilter(list, 'AL', spec);
    expect(list.view.map((r) => r.name)).toEqual(['Alpha', 'alps']);
    expect(list.rows).toHaveLength(4);
    expect(list.cursor).toBe(0);
  });

  it('clamps cursor moves at both ends and pages by the given size', () => {
    let list = withRows(emptyList<Row>(), rows(...Array.from({ length: 30 }, (_, i) => `r${i}`)), spec);
    expect(moveCursor(list, 'up').cursor).toBe(0);
    list = moveCursor(list, 'pageDown', 10);
    expect(list.cursor).toBe(10);
    expect(moveCursor(list, 'pageDown', 50).cursor).toBe(29);
    expect(moveCursor(list, 'pageUp', 50).cursor).toBe(0);
  });

  it('keeps a refresh filtered by the active filter', () => {
    let list = withFilter(withRows(emptyList<Row>(), rows('a1', 'b1'), spec), 'a', spec);
    list = withRows(list, rows('a1', 'a2', 'b1'), spec);
    expect(list.view.map((r) => r.name)).toEqual(['a1', 'a2']);
  });
});
