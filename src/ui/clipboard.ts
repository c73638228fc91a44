// Copying to the terminal's clipboard with OSC 52 (the terminal, not trust-tui, holds the text; works
// over ssh and in tmux with `set-clipboard on`). No clipboard program is run.

/** The OSC 52 sequence that puts `text` on the clipboard. */
export function osc52(text: string): string {
  return `\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}
