// Semantic colours (gemini-cli's semantic-colors idea). Nothing may rely on colour alone: selection
// also has the ❯ glyph and inverse, the active tab has brackets, errors start with ✗.
// NO_COLOR (no-color.org) drops colour only: bold, underline and inverse carry meaning and stay.

export type ThemeColour = 'accent' | 'danger' | 'warning' | 'success' | 'muted';

const COLOURS: Record<ThemeColour, string> = {
  accent: 'cyan',
  danger: 'red',
  warning: 'yellow',
  success: 'green',
  muted: 'gray',
};

/** The theme for an environment: without colours when NO_COLOR is set to anything but the empty string. */
export function themeFor(env: Readonly<Record<string, string | undefined>>): Record<ThemeColour, string | undefined> {
  const noColour = Boolean(env.NO_COLOR);
  return Object.fromEntries(Object.entries(COLOURS).map(([k, v]) => [k, noColour ? undefined : v])) as Record<ThemeColour, string | undefined>;
}

export const theme = themeFor(process.env);

export const glyph = {
  cursor: '❯',
  error: '✗',
  ok: '✔',
  next: '→',
  caret: '▌',
} as const;
