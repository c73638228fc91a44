// The last failure: its cause and the next step, wrapped to the width in a few rows (a cause cut at
// the edge hides what went wrong). The app keeps running; Esc dismisses it, and when the message
// does not fit, v moves all of it into a dialog.
import { Box, Text } from 'ink';
import type { Failure } from '../state/failure.js';
import { wrapLine } from './ScrollText.js';
import { glyph, theme } from './theme.js';

/** Columns the border and padding take. */
const SIDES = 4;
/** Rows the border takes. */
const BORDER = 2;
const DISMISS = '(Esc to dismiss)';
const MORE = '(v: all, Esc: hide)';

export interface BannerRows {
  cause: string[];
  next: string[];
  /** The closing hint, at the end of the last `next` row. */
  hint: string;
}

/** Text rows the banner may take: enough for a cause of two lines on 60 columns, and the screen keeps the rest. */
export const BANNER_TEXT_ROWS = 4;

/** The banner's text wrapped to `columns`, in at most `maxRows` rows; when it is cut, the hint names v. */
export function bannerRows(failure: Failure, columns: number, maxRows = BANNER_TEXT_ROWS): BannerRows {
  const width = Math.max(10, columns - SIDES);
  const cause = wrapLine(`${glyph.error} Error: ${failure.cause}`, width);
  const next = `${glyph.next} ${failure.next}`;
  const whole = wrapLine(`${next} ${DISMISS}`, width);
  if (cause.length + whole.length <= maxRows && !failure.detail?.length) return { cause, next: whole, hint: DISMISS };

  const nextRows = wrapLine(next, width);
  // The next step keeps up to half the rows; the cause takes what it leaves.
  const causeShown = Math.min(cause.length, maxRows - Math.min(nextRows.length, Math.floor(maxRows / 2)));
  const nextShown = Math.max(1, Math.min(nextRows.length, maxRows - causeShown));
  return { cause: firstRows(cause, causeShown, width), next: withHint(firstRows(nextRows, nextShown, width), MORE, width), hint: MORE };
}

/** The rows the banner takes on screen, border included. */
export function bannerHeight({ cause, next }: BannerRows): number {
  return BORDER + cause.length + next.length;
}

/** The whole message, for the dialog v opens in the banner's place. */
export function errorDetail(failure: Failure): { kind: 'detail'; title: string; lines: string[] } {
  return { kind: 'detail', title: 'Error', lines: [failure.cause, ...(failure.detail ?? []), '', `${glyph.next} ${failure.next}`] };
}

/** The first `count` rows, the last ending in … when rows are left out. */
function firstRows(rows: readonly string[], count: number, width: number): string[] {
  if (count >= rows.length) return [...rows];
  return rows.slice(0, count).map((row, i) => (i === count - 1 ? `${[...row].slice(0, width - 1).join('').trimEnd()}…` : row));
}

/** `rows` with `hint` at the end of the last one, which is shortened to make room. */
function withHint(rows: readonly string[], hint: string, width: number): string[] {
  const last = rows.at(-1) ?? '';
  const room = width - hint.length - 1;
  const fitted = [...last].length <= room ? last : `${[...last].slice(0, room - 1).join('')}…`;
  return [...rows.slice(0, -1), `${fitted} ${hint}`];
}

export function ErrorBanner({ rows }: { rows: BannerRows }) {
  const lastNext = rows.next.length - 1;
  return (
    <Box flexDirection="column" borderStyle="single" borderColor={theme.danger} paddingX={1} width="100%" height={bannerHeight(rows)}>
      {rows.cause.map((row, i) => (
        <Text key={`c${i}`} color={theme.danger} wrap="truncate-end">
          {row}
        </Text>
      ))}
      {rows.next.map((row, i) =>
        i === lastNext && row.endsWith(rows.hint) ? (
          <Text key={`n${i}`} wrap="truncate-end">
            {row.slice(0, row.length - rows.hint.length)}
            <Text color={theme.muted}>{rows.hint}</Text>
          </Text>
        ) : (
          <Text key={`n${i}`} wrap="truncate-end">
            {row}
          </Text>
        ),
      )}
    </Box>
  );
}
