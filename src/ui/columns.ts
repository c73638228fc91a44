// Which columns of a table fit a terminal width, and how text is shortened to fit a cell. Pure, so
// the rules are tested without rendering: least important columns hide first, nothing is ever wider
// than the width given, names are shortened in the middle (two long repository names that share a
// prefix stay distinguishable: `registry.exa…/team/app`).

export interface ColumnShape {
  /** Fixed width in cells, the space before the text included; omit for a column that takes the remaining width. */
  width?: number;
  /** Narrowest a flexible column may get (default 10). */
  minWidth?: number;
  /** Higher stays longer; the lowest is hidden first when the terminal is narrow (default 1). */
  priority?: number;
}

const DEFAULT_MIN = 10;
/** The cursor glyph column, and the space before each cell. */
export const CURSOR_CELLS = 1;
export const CELL_GAP = 1;

/** Indices of the columns that fit `total` cells, with the width of each one's text (the gap before it excluded). */
export function fitColumns(columns: readonly ColumnShape[], total: number): { index: number; width: number }[] {
  const shown = columns.map((_, i) => i);
  const need = (ids: number[]) => CURSOR_CELLS + ids.reduce((sum, i) => sum + (columns[i]!.width ?? columns[i]!.minWidth ?? DEFAULT_MIN), 0);
  while (shown.length > 1 && need(shown) > total) {
    // Drop the least important; among equals the rightmost.
    let drop = shown[0]!;
    for (const i of shown) if ((columns[i]!.priority ?? 1) <= (columns[drop]!.priority ?? 1)) drop = i;
    shown.splice(shown.indexOf(drop), 1);
  }
  const flexible = shown.filter((i) => columns[i]!.width === undefined);
  let spare = Math.max(0, total - need(shown));
  const widths = new Map<number, number>();
  for (const i of shown) widths.set(i, columns[i]!.width ?? columns[i]!.minWidth ?? DEFAULT_MIN);
  if (flexible.length > 0) {
    const share = Math.floor(spare / flexible.length);
    for (const i of flexible) widths.set(i, widths.get(i)! + share);
    spare -= share * flexible.length;
    widths.set(flexible[flexible.length - 1]!, widths.get(flexible[flexible.length - 1]!)! + spare);
  }
  // One column left and still too wide: it gets what there is.
  if (shown.length === 1) widths.set(shown[0]!, Math.min(widths.get(shown[0]!)!, total - CURSOR_CELLS));
  return shown.map((index) => ({ index, width: Math.max(1, widths.get(index)! - CELL_GAP) }));
}

const cells = (text: string) => [...text];

/** `text` in `width` cells, cut at the end with … */
export function truncateEnd(text: string, width: number): string {
  const chars = cells(text);
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  return `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * `text` in `width` cells, cut in the middle with …. For a path (`registry/team/app`) the end keeps
 * whole trailing components, which tell names apart, as many as fit beside a quarter of the start:
 * `registry.exa…/team/app`.
 */
export function truncateMiddle(text: string, width: number): string {
  const chars = cells(text);
  if (chars.length <= width) return text;
  if (width <= 3) return truncateEnd(text, width);
  const minHead = Math.max(1, Math.min(12, Math.floor(width / 4)));
  const room = width - 1 - minHead;
  // The longest run of whole trailing components that fits, else as much of the end as fits.
  let tail = room;
  for (let i = chars.length - 1; i > 0; i--) {
    if (chars[i] !== '/') continue;
    if (chars.length - i > room) break;
    tail = chars.length - i;
  }
  const head = width - 1 - tail;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** Names joined with ", ", each shortened in the middle so that every one keeps its own end. */
export function fitNames(names: readonly string[], width: number): string {
  const joined = names.join(', ');
  if (cells(joined).length <= width || names.length === 0) return joined;
  const each = Math.max(7, Math.floor((width - 2 * (names.length - 1)) / names.length));
  return truncateEnd(names.map((n) => truncateMiddle(n, each)).join(', '), width);
}

/** Exactly `width` cells: shortened, then padded on the side `align` leaves free. */
export function fitCell(text: string, width: number, align: 'left' | 'right' = 'left', shorten: 'end' | 'middle' = 'end'): string {
  const short = shorten === 'middle' ? truncateMiddle(text, width) : truncateEnd(text, width);
  const pad = ' '.repeat(Math.max(0, width - cells(short).length));
  return align === 'right' ? pad + short : short + pad;
}
