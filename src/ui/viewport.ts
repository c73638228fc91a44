// Which slice of a long list is on screen. The window scrolls only when the cursor would leave it,
// so moving inside the window does not shift rows (what lazygit and k9s do).
export function viewportStart(cursor: number, height: number, total: number, previousStart: number): number {
  if (height <= 0 || total <= height) return 0;
  let start = Math.min(Math.max(previousStart, 0), total - height);
  if (cursor < start) start = cursor;
  else if (cursor >= start + height) start = cursor - height + 1;
  return start;
}
