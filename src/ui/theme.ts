// Semantic colours (gemini-cli's semantic-colors idea). With FORCE_COLOR=0 / TERM=dumb chalk drops
// them all, so nothing may rely on colour alone: selection also has the ❯ glyph and inverse, the
// active tab has brackets, errors start with ✗.
export const theme = {
  accent: 'cyan',
  danger: 'red',
  warning: 'yellow',
  success: 'green',
  muted: 'gray',
} as const;

export const glyph = {
  cursor: '❯',
  error: '✗',
  ok: '✔',
  next: '→',
  caret: '▌',
} as const;
