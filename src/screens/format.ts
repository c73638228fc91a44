// Small formatting rules shared by the screens.
import { shortKeyId } from '../tuf/short-key-id.js';

export const shortId = shortKeyId;

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "2026-12-01 (in 5d)", "2026-11-20 (expired)". */
export function expiryText(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const days = Math.floor((at - now) / 86_400_000);
  const when = days < 0 ? 'expired' : days === 0 ? 'today' : `in ${days}d`;
  return `${iso.slice(0, 10)} (${when})`;
}

/** True when an expiry is within a week (shown as a warning). */
export function expiresSoon(iso: string | undefined, now = Date.now()): boolean {
  return iso !== undefined && Date.parse(iso) - now < 7 * 86_400_000;
}
