// How a Notary client's requests get their credentials: the server's challenge (learnt from a 401
// or from the `/v2/` ping, as docker and notary ask it) and one Authorization header per token
// scope, reused until the server refuses it.
import type { TransportResponse } from './transport.js';
import { authScope, parseChallenges, type AuthChallenge, type Authorize, type ScopeActions } from './auth-challenge.js';

/** What one request needs authorised: its repository and actions; none for the ping itself. */
export type RequestScope = { gun: string; actions: ScopeActions } | undefined;

/** Sends the request once, with `authorization` as its header when given. */
export type SendWith = (authorization: string | undefined) => Promise<TransportResponse>;

export class AuthSession {
  #challenge?: Promise<AuthChallenge | undefined>;
  /** Authorization header per scope string, reused until the server answers 401 again. */
  readonly #authorizations = new Map<string, string | undefined>();

  /**
   * @param ping sends `GET /v2/` without credentials
   * @param shared the challenges already learnt by the command's other clients, by base URL
   */
  constructor(
    private readonly baseUrl: string,
    private readonly ping: () => Promise<TransportResponse>,
    private readonly authorize?: Authorize,
    private readonly shared?: Map<string, Promise<unknown>>,
  ) {}

  /** The server's challenge, asking the `/v2/` ping when none is known yet (undefined: no auth). */
  challenge(): Promise<AuthChallenge | undefined> {
    const known = this.#known();
    if (known) return known;
    const asked = this.ping().then((res) => (res.status === 401 ? preferredChallenge(res) : undefined));
    this.#remember(asked);
    // A failed ping must not be remembered: the next command may find the server back.
    asked.catch(() => {
      if (this.#challenge === asked) this.#challenge = undefined;
      if (this.shared?.get(this.baseUrl) === asked) this.shared.delete(this.baseUrl);
    });
    return asked;
  }

  /**
   * Sends a request with the credentials its scope needs; the answer, 401 included (the caller
   * words it). Reads go out at once: a server that wants credentials answers 401 with its
   * challenge, remembered from then on, so a read costs no ping (one round trip less per command
   * on a server that needs none). Writes ask the ping first, as docker and notary do, so that a
   * body is never sent only to be refused for want of credentials.
   */
  async send(read: boolean, scope: RequestScope, sendWith: SendWith): Promise<TransportResponse> {
    const challenge = read ? await this.#known() : await this.challenge();
    if (!scope) return sendWith(undefined);
    const { scope: key } = authScope(scope.gun, scope.actions);
    let authorization = await this.#authorizationFor(challenge, scope);
    let res = await sendWith(authorization);
    if (res.status === 401 && this.authorize) {
      // The server's first challenge, a token that expired, or a scope that needs more: ask once
      // more with the challenge of this answer (a 401 without one: the ping's).
      const answered = preferredChallenge(res) ?? challenge ?? (await this.challenge());
      if (answered && challenge === undefined) this.#remember(Promise.resolve(answered));
      this.#authorizations.delete(key);
      authorization = await this.#authorizationFor(answered, scope);
      if (authorization) res = await sendWith(authorization);
    }
    return res;
  }

  /** The challenge this client (or another of the same command) already learnt, without asking. */
  #known(): Promise<AuthChallenge | undefined> | undefined {
    this.#challenge ??= this.shared?.get(this.baseUrl) as Promise<AuthChallenge | undefined> | undefined;
    return this.#challenge;
  }

  #remember(challenge: Promise<AuthChallenge | undefined>): void {
    this.#challenge = challenge;
    this.shared?.set(this.baseUrl, challenge);
  }

  async #authorizationFor(challenge: AuthChallenge | undefined, request: NonNullable<RequestScope>): Promise<string | undefined> {
    if (!challenge || !this.authorize) return undefined;
    const scope = authScope(request.gun, request.actions);
    if (!this.#authorizations.has(scope.scope)) this.#authorizations.set(scope.scope, await this.authorize(challenge, scope));
    return this.#authorizations.get(scope.scope);
  }
}

/** The Bearer challenge when offered (docker prefers token auth), else the first one. */
function preferredChallenge(res: TransportResponse): AuthChallenge | undefined {
  const all = parseChallenges(res.headers['www-authenticate'] ?? '');
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic') ?? all[0];
}
