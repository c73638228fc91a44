// Which repository names (GUNs) and role names the server accepts.
import { isBaseRole, isDelegationName } from '../tuf/delegation.js';

const MAX_GUN = 255;

/**
 * A usable GUN: notary matches `[^*]+`; this server also refuses names that could escape or confuse
 * a path (`..`, `.`, empty segments, backslashes) or a log line (control characters).
 */
export function isValidGun(gun: string): boolean {
  if (gun.length === 0 || gun.length > MAX_GUN) return false;
  if (/[*\\\u0000-\u001f\u007f]/.test(gun)) return false;
  return gun.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A role a client may upload or fetch: the four base roles or a delegation (`targets/…`). */
export function isValidRole(role: string): boolean {
  return isBaseRole(role) || isDelegationName(role);
}
