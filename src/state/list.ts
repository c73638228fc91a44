// A browsable list as pure data: rows, the filtered view, the cursor and the filter line. Cursor moves
// are O(1) and the view is recomputed only when rows or filter change, so a 100,000-row list stays
// fast. Every function returns a new ListState (the store replaces, never mutates).

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ListState<Row> {
  status: LoadStatus;
  rows: readonly Row[];
  /** `rows` after the filter, in the same order. */
  view: readonly Row[];
  /** Index into `view`. */
  cursor: number;
  filter: string;
  /** The filter line has the keyboard. */
  filtering: boolean;
  error?: string;
  /** What the rows are, when it matters (from the cache because the server is unreachable). */
  note?: string;
  /** A fact about the whole list shown after the title (the Signers screen's releases k of n). */
  summary?: string;
  /** While loading: the rows so far come from `done` of `total` parts (a repository's roles). */
  progress?: { done: number; total: number };
}

/** How a list identifies rows (to keep the cursor on refresh) and what the filter searches. */
export interface ListSpec<Row> {
  key(row: Row): string;
  text(row: Row): string;
}

export function emptyList<Row>(): ListState<Row> {
  return { status: 'idle', rows: [], view: [], cursor: 0, filter: '', filtering: false };
}

function applyFilter<Row>(rows: readonly Row[], filter: string, spec: ListSpec<Row>): readonly Row[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return rows;
  return rows.filter((row) => spec.text(row).toLowerCase().includes(needle));
}

const clamp = (i: number, length: number) => Math.max(0, Math.min(i, length - 1));

/** New rows (a load or a refresh): the cursor stays on the same row by key, else at the same index. */
export function withRows<Row>(list: ListState<Row>, rows: readonly Row[], spec: ListSpec<Row>, note?: string, summary?: string): ListState<Row> {
  const current = list.view[list.cursor];
  const view = applyFilter(rows, list.filter, spec);
  let cursor = clamp(list.cursor, view.length);
  if (current !== undefined) {
    const key = spec.key(current);
    const found = view.findIndex((row) => spec.key(row) === key);
    if (found >= 0) cursor = found;
  }
  const { error: _dropped, note: _old, summary: _oldSummary, progress: _partial, ...rest } = list;
  return { ...rest, status: 'ready', rows, view, cursor, ...(note ? { note } : {}), ...(summary ? { summary } : {}) };
}

/** The rows so far of a list still loading: shown (filtered, cursor kept) with how far it got. */
export function withPartialRows<Row>(list: ListState<Row>, rows: readonly Row[], spec: ListSpec<Row>, progress: { done: number; total: number }): ListState<Row> {
  return { ...withRows(list, rows, spec), status: 'loading', progress };
}

/** A new filter: the cursor stays on the selected row while the row is in view, else goes to the top. */
export function withFilter<Row>(list: ListState<Row>, filter: string, spec: ListSpec<Row>): ListState<Row> {
  const current = list.view[list.cursor];
  const view = applyFilter(list.rows, filter, spec);
  const key = current === undefined ? undefined : spec.key(current);
  const found = key === undefined ? -1 : view.findIndex((row) => spec.key(row) === key);
  return { ...list, filter, view, cursor: Math.max(0, found) };
}

export type CursorMove = 'up' | 'down' | 'top' | 'bottom' | 'pageUp' | 'pageDown';

export function moveCursor<Row>(list: ListState<Row>, move: CursorMove, pageSize = 10): ListState<Row> {
  const last = list.view.length - 1;
  const next = {
    up: list.cursor - 1,
    down: list.cursor + 1,
    top: 0,
    bottom: last,
    pageUp: list.cursor - pageSize,
    pageDown: list.cursor + pageSize,
  }[move];
  const cursor = clamp(next, list.view.length);
  return cursor === list.cursor ? list : { ...list, cursor };
}

export function selectedRow<Row>(list: ListState<Row>): Row | undefined {
  return list.view[list.cursor];
}

export function withLoading<Row>(list: ListState<Row>): ListState<Row> {
  return { ...list, status: 'loading' };
}

/** A failed load. Rows shown so far of that load go too: the load that listed them did not succeed. */
export function withError<Row>(list: ListState<Row>, error: string): ListState<Row> {
  if (!list.progress) return { ...list, status: 'error', error };
  const { progress: _partial, ...rest } = list;
  return { ...rest, rows: [], view: [], cursor: 0, status: 'error', error };
}
