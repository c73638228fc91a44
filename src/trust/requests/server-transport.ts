// Signing requests in the pending area of `trust-tui server` (routes under `/v2/<gun>/_trust/requests/`,
// see src/server/pending.ts): every signer sees the same live copy. The server checks each
// signature before storing it; this side still trusts nothing it reads but the `signed` content and
// the signatures that verify over it (parseRequestDocument recomputes every digest, and evaluate.ts
// verifies against the repository this host verified itself).
import type { NotaryClient } from '../../notary/http-client.js';
import { InputError, TrustError } from '../errors.js';
import { isDetached, parseRequestDocument, serializeRequest, type SigningRequest } from './format.js';
import type { RequestTransport } from './transport.js';

export class ServerRequestTransport implements RequestTransport {
  readonly kind = 'server';

  constructor(
    readonly client: NotaryClient,
    /** The pending area holds one repository's requests. */
    readonly gun: string,
  ) {}

  locationOf(request: SigningRequest): string {
    return this.client.pendingRequestUrl(request.gun, request.id);
  }

  /** The pending area itself, for messages. */
  get areaUrl(): string {
    return this.client.pendingRequestUrl(this.gun, '');
  }

  #read(doc: unknown, where: string): SigningRequest | undefined {
    const parsed = parseRequestDocument(JSON.stringify(doc), where);
    return isDetached(parsed) || parsed.gun !== this.gun ? undefined : parsed;
  }

  async list(gun?: string): Promise<SigningRequest[]> {
    if (gun !== undefined && gun !== this.gun) return [];
    const docs = await this.client.listPendingRequests(this.gun);
    if (docs === undefined) throw new TrustError(`the trust server at ${this.client.baseUrl} no longer has a pending area for ${this.gun}`);
    return docs.flatMap((d) => this.#read(d, this.areaUrl) ?? []);
  }

  async get(id: string): Promise<SigningRequest | undefined> {
    if (/^[0-9a-f]{8,64}$/.test(id)) {
      const doc = await this.client.getPendingRequest(this.gun, id);
      if (doc !== undefined) return this.#read(doc, this.client.pendingRequestUrl(this.gun, id));
    }
    const all = (await this.list()).filter((r) => r.id.startsWith(id));
    if (all.length > 1) throw new InputError(`request ID ${id} is ambiguous (${all.map((r) => r.id).join(', ')})`, { hint: 'give more digits' });
    return all[0];
  }

  /**
   * A new request is staged; for one the server holds, only the signatures it lacks are sent (the
   * server appends them to its copy, so signers approving at the same time never erase each other).
   */
  async put(request: SigningRequest): Promise<string> {
    if (request.gun !== this.gun) throw new InputError(`request ${request.id} is for ${request.gun}, not ${this.gun}`);
    const stored = await this.client.getPendingRequest(this.gun, request.id);
    if (stored === undefined) {
      await this.client.stagePendingRequest(this.gun, Buffer.from(serializeRequest(request), 'utf8'));
      return this.locationOf(request);
    }
    const current = this.#read(stored, this.locationOf(request));
    if (!current || current.roles.length !== request.roles.length || current.roles.some((r, i) => r.signedDigest !== request.roles[i]!.signedDigest)) {
      throw new InputError(`the server holds request ${request.id} with other content (a rebased or altered copy): not changed`, {
        hint: { cli: `see trust-tui request show ${request.id} --repo ${request.gun}`, ui: 'refresh the list' },
      });
    }
    const missing = request.roles.flatMap((r, i) => {
      const have = new Set(current.roles[i]!.signatures.map((s) => s.keyid));
      return r.signatures.filter((s) => !have.has(s.keyid)).map((s) => ({ role: r.role, keyid: s.keyid, method: s.method, sig: s.sig, ...(s.at ? { at: s.at } : {}) }));
    });
    if (missing.length > 0) await this.client.addPendingSignatures(this.gun, request.id, missing);
    return this.locationOf(request);
  }

  async remove(request: SigningRequest): Promise<void> {
    await this.client.cancelPendingRequest(this.gun, request.id);
  }
}
