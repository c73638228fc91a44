// What a settings value must look like: one rule per field, used by `trust-tui config` (which refuses
// with the message) and by the UI's forms (which show the message as the user types). Pure: no IO.
import { ReferenceError } from '../registry/errors.js';
import { parseReference } from '../registry/reference.js';
import { normaliseServerUrl, TrustServerError } from '../notary/endpoint.js';
import { hintOf } from '../tuf/errors.js';

/** distribution/reference NameTotalLengthMax: no GUN, and so no useful scope, is longer. */
export const SCOPE_MAX_LENGTH = 255;
/** Far beyond any real trust server URL; a longer value is a slip of the clipboard. */
export const URL_MAX_LENGTH = 1024;
/** A file path, as Linux allows it (PATH_MAX). */
export const PATH_MAX_LENGTH = 4096;

/** The answer of a rule: the value to store, or why it cannot be stored. */
export type Checked = { ok: true; value: string } | { ok: false; problem: string };

const tooLong = (what: string, value: string, max: number): Checked => ({
  ok: false,
  problem: `${what} is ${value.length} characters long; at most ${max} are allowed`,
});

/**
 * A repository name as docker reads it, stored fully qualified (`alpine` is
 * `docker.io/library/alpine`, the GUN its trust data has). No tag or digest.
 */
export function checkRepositoryName(input: string): Checked {
  const name = input.trim();
  if (!name) return { ok: false, problem: 'enter a repository such as registry.example.com/team/app' };
  if (name.length > SCOPE_MAX_LENGTH) return tooLong('the repository name', name, SCOPE_MAX_LENGTH);
  try {
    const ref = parseReference(name);
    if (ref.tag !== undefined || ref.digest !== undefined) {
      return { ok: false, problem: `"${name}" names a tag or digest; give the repository only (${ref.gun})` };
    }
    return { ok: true, value: ref.gun };
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    return { ok: false, problem: `"${name}" is not a repository name (${e.message}), e.g. registry.example.com/team/app` };
  }
}

/**
 * A scope of pins and servers: an exact GUN, or a prefix ending in `*` (notary's trust_pinning
 * rule) such as `registry.example.com/team/*`. A name ending in `/` matches nothing, so it is refused
 * with the prefix it was meant to be.
 */
export function checkScope(input: string): Checked {
  const scope = input.trim();
  if (!scope) return { ok: false, problem: 'enter a repository (GUN) or a prefix ending in *, e.g. registry.example.com/team/*' };
  if (scope.length > SCOPE_MAX_LENGTH) return tooLong('the scope', scope, SCOPE_MAX_LENGTH);
  if (/\s/.test(scope)) return { ok: false, problem: `"${scope}" contains a space; a scope is a repository (GUN) or a prefix ending in *` };
  if (scope.includes('*')) {
    if (scope.indexOf('*') !== scope.length - 1) {
      return { ok: false, problem: `"${scope}": * may only end a prefix, as in registry.example.com/team/*` };
    }
    return { ok: true, value: scope };
  }
  if (scope.endsWith('/')) {
    return { ok: false, problem: `"${scope}" matches no repository: use ${scope}* for all under it` };
  }
  const repo = checkRepositoryName(scope);
  if (!repo.ok) return { ok: false, problem: `${repo.problem}; or a prefix ending in *` };
  return repo;
}

/** A trust server URL: https only (http would let anyone on the path change trust data). */
export function checkServerUrl(input: string): Checked {
  const url = input.trim();
  if (!url) return { ok: false, problem: 'enter the trust server URL, e.g. https://notary.example.com:4443' };
  if (url.length > URL_MAX_LENGTH) return tooLong('the URL', url, URL_MAX_LENGTH);
  try {
    return { ok: true, value: normaliseServerUrl(url) };
  } catch (e) {
    if (!(e instanceof TrustServerError)) throw e;
    const hint = hintOf(e, 'ui');
    return { ok: false, problem: hint ? `${e.message}: ${hint}` : e.message };
  }
}

/** A file path (whether it exists and what it holds is checked when the change is made). */
export function checkFilePath(input: string, what: string): Checked {
  const path = input.trim();
  if (!path) return { ok: false, problem: `enter the path of ${what}` };
  if (path.length > PATH_MAX_LENGTH) return tooLong('the path', path, PATH_MAX_LENGTH);
  if (/[\u0000-\u001f]/.test(path)) return { ok: false, problem: 'the path contains control characters' };
  return { ok: true, value: path };
}

/** The message of a failed rule, or undefined when the value is fine (what a form shows as you type). */
export function problemOf(checked: Checked): string | undefined {
  return checked.ok ? undefined : checked.problem;
}
