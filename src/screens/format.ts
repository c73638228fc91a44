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

/**
 * "2026-12-01 (in 5d)", "⚠ 2026-12-20 (in 19d)", "⚠ 2026-11-20 (expired)". Whether it warns is the
 * trust layer's verdict (notary's rule, src/tuf/expiry.ts), the same `trust-tui info` prints.
 */
export function expiryText(iso: string | undefined, state?: 'expired' | 'expires-soon' | 'valid', now = Date.now()): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const days = Math.floor((at - now) / 86_400_000);
  const when = state === 'expired' || days < 0 ? 'expired' : days === 0 ? 'today' : `in ${days}d`;
  return `${warns(state) ? '⚠ ' : ''}${iso.slice(0, 10)} (${when})`;
}

/** True when the trust layer says the expiry needs attention. */
export function warns(state: 'expired' | 'expires-soon' | 'valid' | undefined): boolean {
  return state === 'expired' || state === 'expires-soon';
}
