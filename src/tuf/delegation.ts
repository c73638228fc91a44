// Role names and delegation path rules of notary 0.7 (tuf/data/roles.go), which differ from the TUF
// spec: paths are plain string prefixes, not globs, and there are no path_hash_prefixes.

export const BASE_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type BaseRoleName = (typeof BASE_ROLES)[number];

export function isBaseRole(name: string): name is BaseRoleName {
  return (BASE_ROLES as readonly string[]).includes(name);
}

const DELEGATION_CHARS = /^[-a-z0-9_/]+$/;

/** Go's path.Clean for the characters a delegation name may contain: no `//`, no trailing `/`. */
function isPathClean(name: string): boolean {
  return !name.includes('//') && !name.endsWith('/');
}

/**
 * notary's IsDelegation: `^[-a-z0-9_/]+$`, shorter than 256 characters (database column limit),
 * path-clean, and below `targets/`.
 */
export function isDelegationName(name: string): boolean {
  return name.startsWith('targets/') && name.length < 256 && DELEGATION_CHARS.test(name) && isPathClean(name);
}

/** Why `name` is not a valid delegation name, or undefined when it is. */
export function delegationNameProblem(name: string): string | undefined {
  if (!name.startsWith('targets/')) return `${JSON.stringify(name)} does not start with "targets/"`;
  if (name.length >= 256) return `${JSON.stringify(name.slice(0, 40))}… is longer than 255 characters`;
  if (!DELEGATION_CHARS.test(name)) return `${JSON.stringify(name)} may only contain a-z, 0-9, "-", "_" and "/"`;
  if (!isPathClean(name)) return `${JSON.stringify(name)} has an empty path segment or a trailing "/"`;
  return undefined;
}

/** `targets` or a valid delegation: the names a Targets file may have. */
export function isTargetsRoleName(name: string): boolean {
  return name === 'targets' || isDelegationName(name);
}

/** The role whose file declares `name` (Go's path.Dir): `targets/a/b` → `targets/a`, `targets/a` → `targets`. */
export function parentRoleName(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? '' : name.slice(0, slash);
}

/** A delegation may only be declared in its direct parent's file (`targets/a/b` only in `targets/a`). */
export function isDirectChild(parent: string, child: string): boolean {
  return isDelegationName(child) && parentRoleName(child) === parent;
}

/** The base role and every delegation above `name`, nearest last: `targets/a/b` → [targets, targets/a]. */
export function ancestorRoleNames(name: string): string[] {
  const out: string[] = [];
  for (let p = parentRoleName(name); p; p = parentRoleName(p)) out.unshift(p);
  return out;
}

/** The paths of the top-level targets role: the empty prefix, which matches every name. */
export const ALL_PATHS: readonly string[] = [''];

/** A target may be signed by a role when one of its paths is a plain prefix of the name (`""` = all). */
export function isPathAllowed(targetName: string, paths: readonly string[]): boolean {
  return paths.some((p) => targetName.startsWith(p));
}

/**
 * notary's RestrictDelegationPathPrefixes: a child keeps only the paths that one of its parent's
 * (already restricted) paths is a prefix of. A child cannot widen what its parent may sign.
 */
export function restrictPaths(childPaths: readonly string[], parentPaths: readonly string[]): string[] {
  return childPaths.filter((p) => parentPaths.some((parent) => p.startsWith(parent)));
}
