// Metadata lifetimes as notary 0.7 sets them, and its "expires soon" rule.
import { isDelegationName } from './delegation.js';
import { TufError } from './errors.js';
import { expiresAfter, GoTime } from './time.js';

const DAY_MS = 86_400_000;

/**
 * Default lifetimes in days. Both the notary CLI and notary-server install `NotaryDefaultExpiries`
 * at start-up (notary tuf/data/types.go); delegations use the targets lifetime.
 */
export const DEFAULT_LIFETIME_DAYS = {
  root: 10 * 365,
  targets: 3 * 365,
  snapshot: 3 * 365,
  timestamp: 14,
} as const;

/** Lifetime in days for a role name (`targets/…` delegations count as targets). */
export function defaultLifetimeDays(roleName: string): number {
  if (roleName in DEFAULT_LIFETIME_DAYS) return DEFAULT_LIFETIME_DAYS[roleName as keyof typeof DEFAULT_LIFETIME_DAYS];
  if (isDelegationName(roleName)) return DEFAULT_LIFETIME_DAYS.targets;
  throw new TufError(`${roleName} is not a TUF role`);
}

/** The `expires` notary writes when it (re-)signs `roleName` at `now`: now + default lifetime, in UTC. */
export function defaultExpires(roleName: string, now: GoTime = GoTime.now()): GoTime {
  return expiresAfter(defaultLifetimeDays(roleName) * DAY_MS, now);
}

/** Notary warns about (and re-signs root when) a role expires within six calendar months. */
export const NEAR_EXPIRY_MONTHS = 6;

/** Notary's IsExpired: `expires` lies before now. */
export function isExpired(expires: GoTime, now: GoTime = GoTime.now()): boolean {
  return expires.isBefore(now);
}

/** Notary's nearExpiry: `expires.Before(now.AddDate(0, 6, 0))` (true for expired roles too). */
export function isNearExpiry(expires: GoTime, now: GoTime = GoTime.now()): boolean {
  return expires.isBefore(now.addDate(0, NEAR_EXPIRY_MONTHS, 0));
}

export type ExpiryState = 'expired' | 'expires-soon' | 'valid';

/** One word for a UI: expired, within the six-month warning window, or fine. */
export function expiryState(expires: GoTime, now: GoTime = GoTime.now()): ExpiryState {
  if (isExpired(expires, now)) return 'expired';
  return isNearExpiry(expires, now) ? 'expires-soon' : 'valid';
}

/**
 * expiryState for the metadata of `roleName`. The timestamp lives 14 days and the server re-signs
 * it, so its approaching end is nothing to act on: notary's warnRolesNearExpiry (client/client.go)
 * skips it. Only an expired timestamp is reported.
 */
export function roleExpiryState(roleName: string, expires: GoTime, now: GoTime = GoTime.now()): ExpiryState {
  const state = expiryState(expires, now);
  return roleName === 'timestamp' && state === 'expires-soon' ? 'valid' : state;
}

const DURATION_UNITS_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
  w: 7 * DAY_MS,
  // A year as notary counts it for lifetimes (365 days).
  y: 365 * DAY_MS,
};

/**
 * A lifetime or window as people write it: `30d`, `12h`, `2w`, `90m`, `45s`, `10y`, or a sum such as
 * `1d12h`. Returns milliseconds, or undefined for anything else (zero included).
 */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim().toLowerCase();
  if (!/^(\d+[smhdwy])+$/.test(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+)([smhdwy])/g)) total += Number(amount) * DURATION_UNITS_MS[unit!]!;
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

const TIME_LEFT_UNITS = [
  ['y', 365 * 86_400],
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
] as const;

/** Time left as a person reads it, largest unit and the next: `2y 41d`, `3d`, `12m 5s`, `expired 2h ago`. */
export function describeTimeLeft(ms: number): string {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const first = TIME_LEFT_UNITS.findIndex(([, size]) => seconds >= size);
  let text = '0s';
  if (first >= 0) {
    const [unit, size] = TIME_LEFT_UNITS[first]!;
    text = `${Math.floor(seconds / size)}${unit}`;
    const next = TIME_LEFT_UNITS[first + 1];
    const remainder = next ? Math.floor((seconds % size) / next[1]) : 0;
    if (next && remainder > 0) text += ` ${remainder}${next[0]}`;
  }
  return ms < 0 ? `expired ${text} ago` : text;
}
