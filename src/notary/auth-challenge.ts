// Notary's authorisation scopes, and the challenge type shared with the registry client (which parses
// WWW-Authenticate headers for both: src/registry/auth.ts).
import type { AuthChallenge } from '../registry/auth.js';

export { parseChallenges, type AuthChallenge } from '../registry/auth.js';

/** Notary's token scopes: `pull` to read, `push,pull` to publish, `*` to delete or rotate server keys. */
export type ScopeActions = 'pull' | 'push,pull' | '*';

/** What the caller is asked to authorise: the repository (GUN) and the actions. */
export interface AuthScope {
  gun: string;
  actions: ScopeActions;
  /** The token scope string, `repository:<gun>:<actions>`. */
  scope: string;
}

/**
 * Turns a challenge into an `Authorization` header value (e.g. `Bearer <token>` after a token
 * request, or `Basic <b64>`), or undefined when there are no credentials to offer.
 */
export type Authorize = (challenge: AuthChallenge, scope: AuthScope) => Promise<string | undefined>;

export function authScope(gun: string, actions: ScopeActions): AuthScope {
  return { gun, actions, scope: `repository:${gun}:${actions}` };
}

