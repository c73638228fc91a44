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
