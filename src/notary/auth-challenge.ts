// WWW-Authenticate challenges as the docker distribution auth library reads them (RFC 7235 syntax):
// `Bearer realm="https://auth/token",service="notary",scope="repository:x:pull"` or `Basic realm="x"`.

export interface AuthChallenge {
  /** Lower-cased scheme: 'bearer', 'basic', … */
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

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

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Parses every challenge in a WWW-Authenticate header value; unparsable text is skipped. */
export function parseChallenges(header: string | undefined): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let rest = (header ?? '').trim();
  let current: AuthChallenge | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    rest = rest.slice(name.length).replace(/^\s+/, '');
    if (rest.startsWith('=') && current) {
      rest = rest.slice(1).replace(/^\s+/, '');
      let value: string;
      if (rest.startsWith('"')) {
        // quoted-string with backslash escapes
        const m = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
        if (!m) break;
        value = m[1]!.replace(/\\(.)/g, '$1');
        rest = rest.slice(m[0].length);
      } else {
        value = TOKEN.exec(rest)?.[0] ?? '';
        rest = rest.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}
