// A target's custom data (`sign --meta`, notary's `--custom`) as text, one definition for `info` and
// the UI's tag detail.
import type { JsonValue } from '../tuf/canonical.js';

/** One `NAME: JSON` line per entry of an object, or the whole value as JSON when it is not an object. */
export function customDataLines(custom: JsonValue | undefined): string[] {
  if (custom === undefined) return [];
  if (custom === null || typeof custom !== 'object' || Array.isArray(custom)) return [JSON.stringify(custom)];
  return Object.entries(custom).map(([name, value]) => `${name}: ${JSON.stringify(value)}`);
}

/** Roles recording custom data, grouped by equal value, so roles that agree are shown once. */
export function customDataGroups(entries: readonly { role: string; custom?: JsonValue }[]): { roles: string[]; lines: string[] }[] {
  const groups = new Map<string, { roles: string[]; lines: string[] }>();
  for (const { role, custom } of entries) {
    if (custom === undefined) continue;
    const key = JSON.stringify(custom);
    const group = groups.get(key) ?? { roles: [], lines: customDataLines(custom) };
    group.roles.push(role);
    groups.set(key, group);
  }
  return [...groups.values()];
}
