// The pending area of `trust-tui server`: signing requests staged under `/v2/<gun>/_trust/requests/`,
// next to notary's API and outside `/_trust/tuf/`, so stock notary and docker clients never see them
// and keep reading the last fully signed version (docs/team-signing.md, "Pending area").
//
// The server stores requests and checks what it is given; it does not decide a request's status
// (waiting, ready, stale): every client verifies the repository itself and evaluates the request
// against it (src/trust/requests/evaluate.ts). What the server enforces:
//   * a document that parses, whose `signedDigest`s match their content, for this repository;
//   * every signature it is given verifies, over the role's content, by a key of the role as the
//     server trusts it now (the stored parent, or the root for `targets`) or as the request's own
//     bundled parent declares it (a threshold or signer change), so junk never reaches other signers;
//   * one open request per set of roles and bases (a second one is refused, naming the first);
//   * a size limit per request and a cap of open requests per repository.
import { canonicalBytes } from '../tuf/canonical.js';
import { parentRoleName } from '../tuf/delegation.js';
import type { PublicKey } from '../tuf/key.js';
import { parseMetadata } from '../tuf/metadata/parse.js';
import { Targets } from '../tuf/metadata/targets.js';
import { signedDigest, verificationResult } from '../tuf/verification.js';
import { ApiError } from '../notary/api-errors.js';
import { isValidRole } from '../notary/names.js';
import type { MetadataReader, PendingRequestRecord, Storage, StorageTransaction } from './stores/storage.js';

export const REQUEST_DOCUMENT_TYPE = 'trust-tui/signing-request';

export interface PendingLimits {
  /** Largest request document (and signatures body) accepted, in bytes. */
  maxRequestBytes: number;
  /** Open (not expired) requests per repository. */
  maxOpenRequests: number;
}

/** A releases file of 10,000 tags is about 1.5 MB; a request carries it plus its base. */
export const PENDING_LIMITS_DEFAULT: PendingLimits = { maxRequestBytes: 8 * 1024 * 1024, maxOpenRequests: 50 };

/** Requests past their deadline for longer than this are deleted when the repository's next one is staged. */
const EXPIRED_KEPT_MS = 24 * 3600_000;

interface Signature {
  keyid: string;
  method: string;
  sig: string;
  at?: string;
}

interface RoleEntry {
  role: string;
  base: { version: number; sha256: string } | null;
  signed: Record<string, unknown>;
  signedDigest: string;
  signatures: Signature[];
}

/** What the server reads of a request document; the rest is kept as it came. */
interface RequestDocument {
  id: string;
  gun: string;
  deadline: Date;
  roles: RoleEntry[];
  raw: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (what: string) => new ApiError('REQUEST_INVALID', what);

function readSignature(v: unknown, where: string): Signature {
  if (!isObject(v) || typeof v.keyid !== 'string' || typeof v.method !== 'string' || typeof v.sig !== 'string') {
    throw invalid(`${where}: a signature needs keyid, method and sig`);
  }
  return { keyid: v.keyid, method: v.method, sig: v.sig, ...(typeof v.at === 'string' ? { at: v.at } : {}) };
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw invalid(`${what} is not JSON (${(e as Error).message})`);
  }
}

function readDocument(value: unknown): RequestDocument {
  if (!isObject(value) || value.type !== REQUEST_DOCUMENT_TYPE) throw invalid(`expected a document of type ${REQUEST_DOCUMENT_TYPE}`);
  if (value.version !== 1) throw invalid(`request schema version ${JSON.stringify(value.version)} is not supported (this server reads version 1)`);
  const { id, gun, deadline } = value;
  if (typeof id !== 'string' || !/^[0-9a-f]{8,64}$/.test(id)) throw invalid('id must be 8 to 64 hex digits');
  if (typeof gun !== 'string') throw invalid('gun is missing');
  if (typeof deadline !== 'string' || Number.isNaN(Date.parse(deadline))) throw invalid('deadline is not a date');
  if (!Array.isArray(value.roles) || value.roles.length === 0) throw invalid('roles is empty');
  const seen = new Set<string>();
  const roles = value.roles.map((r, i): RoleEntry => {
    const at = `roles[${i}]`;
    if (!isObject(r) || typeof r.role !== 'string' || !isObject(r.signed)) throw invalid(`${at}: role and signed are required`);
    if (!(r.role === 'targets' || r.role.startsWith('targets/')) || !isValidRole(r.role)) throw invalid(`${at}: ${r.role} is not a targets role`);
    if (seen.has(r.role)) throw invalid(`${at}: ${r.role} appears twice`);
    seen.add(r.role);
    let base: RoleEntry['base'];
    if (r.base === null) base = null;
    else if (isObject(r.base) && Number.isSafeInteger(r.base.version) && typeof r.base.sha256 === 'string' && /^[0-9a-f]{64}$/.test(r.base.sha256)) {
      base = { version: r.base.version as number, sha256: r.base.sha256 };
    } else throw invalid(`${at}: base must be {version, sha256} or null`);
    const digest = signedDigest(r.signed);
    if (r.signedDigest !== digest) throw invalid(`${at}: signedDigest does not match the content of ${r.role}`);
    const signatures = Array.isArray(r.signatures) ? r.signatures.map((s, j) => readSignature(s, `${at}.signatures[${j}]`)) : [];
    return { role: r.role, base, signed: r.signed, signedDigest: digest, signatures };
  });
  return { id, gun, deadline: new Date(Date.parse(deadline)), roles, raw: value };
}

/** `role@version:sha256` of every role, sorted: two requests with the same value change the same files. */
function baseKeyOf(doc: RequestDocument): string {
  return doc.roles
    .map((r) => `${r.role}@${r.base ? `${r.base.version}:${r.base.sha256}` : 'new'}`)
    .sort()
    .join(',');
}

function serialize(doc: RequestDocument): Buffer {
  const roles = (doc.raw.roles as Record<string, unknown>[]).map((raw, i) => ({ ...raw, signatures: doc.roles[i]!.signatures }));
  return Buffer.from(JSON.stringify({ ...doc.raw, roles }), 'utf8');
}

interface KeyCandidates {
  keyids: string[];
  keys: ReadonlyMap<string, PublicKey>;
}

export interface PendingAreaOptions {
  storage: Storage;
  limits?: Partial<PendingLimits>;
  /** The time (tests move it). */
  clock?: () => Date;
}

export class PendingArea {
  readonly limits: PendingLimits;
  readonly #storage: Storage;
  readonly #clock: () => Date;

  constructor(options: PendingAreaOptions) {
    this.#storage = options.storage;
    this.limits = { ...PENDING_LIMITS_DEFAULT, ...options.limits };
    this.#clock = options.clock ?? (() => new Date());
  }

  /** The repository's requests (those past their deadline too: clients report them as expired). */
  async list(gun: string): Promise<unknown[]> {
    return (await this.#storage.listPending(gun)).map((r) => JSON.parse(r.document.toString('utf8')) as unknown);
  }

  async get(gun: string, id: string): Promise<unknown> {
    const record = await this.#storage.getPending(gun, id);
    if (!record) throw new ApiError('REQUEST_NOT_FOUND', `no request ${id} for ${gun}`);
    return JSON.parse(record.document.toString('utf8')) as unknown;
  }

  /**
   * Stages a new request. Its own signatures are checked like appended ones. The same ID again with
   * the same content adds the signatures it carries; with other content it is refused.
   */
  async stage(gun: string, body: Buffer): Promise<unknown> {
    const doc = readDocument(parseJson(body, 'the request'));
    if (doc.gun !== gun) throw invalid(`the request is for ${doc.gun}, not ${gun}`);
    return this.#storage.transaction(async (tx) => {
      if (!(await tx.getCurrent(gun, 'root'))) throw invalid(`${gun} has no trust data on this server: publish it before opening requests`);
      const now = this.#clock().getTime();
      const records = await tx.listPending(gun);
      for (const r of records) {
        if (r.deadline.getTime() + EXPIRED_KEPT_MS < now) await tx.deletePending(gun, r.id);
      }
      const existing = records.find((r) => r.id === doc.id);
      if (existing) {
        const stored = readDocument(JSON.parse(existing.document.toString('utf8')));
        if (baseKeyOf(stored) !== baseKeyOf(doc) || stored.roles.some((r, i) => r.signedDigest !== doc.roles[i]?.signedDigest)) {
          throw new ApiError('REQUEST_CONFLICT', `request ${doc.id} is already staged with other content: rebase makes a new ID`);
        }
        const added = doc.roles.flatMap((r) => r.signatures.map((s) => ({ role: r.role, ...s })));
        return this.#append(tx, stored, added);
      }
      for (const r of doc.roles) await this.#checkSignatures(tx, doc, r, r.signatures);
      const baseKey = baseKeyOf(doc);
      const current = await tx.getCurrentAll(gun);
      const isOpen = (r: PendingRequestRecord) => r.deadline.getTime() > now;
      // Open and still on the current files: a request whose base moved is stale and blocks nothing.
      const onCurrentBase = (r: PendingRequestRecord) =>
        r.baseKey.split(',').every((entry) => {
          const [role, base] = entry.split('@') as [string, string];
          const file = current.get(role);
          return base === 'new' ? !file : file !== undefined && base === `${file.version}:${file.sha256}`;
        });
      const rival = records.find((r) => r.baseKey === baseKey && isOpen(r) && onCurrentBase(r));
      if (rival) {
        throw new ApiError(
          'REQUEST_CONFLICT',
          `request ${rival.id} is already open for ${doc.roles.map((r) => r.role).join(', ')} on the same base: approve or cancel it, or open this change once it has landed`,
        );
      }
      const open = records.filter(isOpen).length;
      if (open >= this.limits.maxOpenRequests) {
        throw new ApiError(
          'TOO_MANY_REQUESTS',
          `${gun} already has ${open} open signing request${open === 1 ? '' : 's'}, the most this server allows (--max-open-requests ${this.limits.maxOpenRequests}): submit or cancel some first`,
        );
      }
      await tx.putPending({ gun, id: doc.id, baseKey, deadline: doc.deadline, document: serialize(doc) });
      return JSON.parse(serialize(doc).toString('utf8')) as unknown;
    });
  }

  /** Appends signatures (`{"signatures":[{role, keyid, method, sig, at?}]}`); each must verify. */
  async addSignatures(gun: string, id: string, body: Buffer): Promise<unknown> {
    const parsed = parseJson(body, 'the signatures');
    if (!isObject(parsed) || !Array.isArray(parsed.signatures) || parsed.signatures.length === 0) throw invalid('expected {"signatures": [{role, keyid, method, sig}, …]}');
    const added = parsed.signatures.map((s, i) => {
      if (!isObject(s) || typeof s.role !== 'string') throw invalid(`signatures[${i}]: role is missing`);
      return { role: s.role, ...readSignature(s, `signatures[${i}]`) };
    });
    return this.#storage.transaction(async (tx) => {
      const record = await tx.getPending(gun, id);
      if (!record) throw new ApiError('REQUEST_NOT_FOUND', `no request ${id} for ${gun}`);
      return this.#append(tx, readDocument(JSON.parse(record.document.toString('utf8'))), added);
    });
  }

  async cancel(gun: string, id: string): Promise<void> {
    const removed = await this.#storage.transaction((tx) => tx.deletePending(gun, id));
    if (!removed) throw new ApiError('REQUEST_NOT_FOUND', `no request ${id} for ${gun}`);
  }

  async #append(tx: StorageTransaction, doc: RequestDocument, added: (Signature & { role: string })[]): Promise<unknown> {
    for (const s of added) {
      const entry = doc.roles.find((r) => r.role === s.role);
      if (!entry) throw invalid(`request ${doc.id} has no role ${s.role}`);
      const { role: _role, ...signature } = s;
      await this.#checkSignatures(tx, doc, entry, [signature]);
      // One signature per key ID, as the client's withSignatures: a later copy is ignored.
      if (!entry.signatures.some((x) => x.keyid === signature.keyid)) entry.signatures.push(signature);
    }
    const document = serialize(doc);
    await tx.putPending({ gun: doc.gun, id: doc.id, baseKey: baseKeyOf(doc), deadline: doc.deadline, document });
    return JSON.parse(document.toString('utf8')) as unknown;
  }

  /** Throws REQUEST_INVALID unless each signature verifies over the role's content by one of its keys. */
  async #checkSignatures(reader: MetadataReader, doc: RequestDocument, entry: RoleEntry, signatures: readonly Signature[]): Promise<void> {
    if (signatures.length === 0) return;
    const candidates = await this.#roleKeys(reader, doc, entry.role);
    const message = canonicalBytes(entry.signed);
    for (const s of signatures) {
      const reasons = candidates.map((c) => verificationResult(message, [s], { keyids: c.keyids, threshold: 1 }, c.keys));
      if (reasons.some((r) => r.signed.length === 1)) continue;
      const reason = reasons.flatMap((r) => r.ignored.map((x) => x.reason))[0] ?? 'no key of the role is known';
      throw invalid(`the signature by key ${s.keyid} on ${entry.role} of request ${doc.id} was refused: ${reason}`);
    }
  }

  /** Who may sign `role`: the stored parent (root for `targets`), and the request's bundled parent if any. */
  async #roleKeys(reader: MetadataReader, doc: RequestDocument, role: string): Promise<KeyCandidates[]> {
    const out: KeyCandidates[] = [];
    if (role === 'targets') {
      const root = await reader.getCurrent(doc.gun, 'root');
      if (root) {
        const signed = parseMetadata(root.data, 'root').signed;
        out.push({ keyids: [...signed.role('targets').keyIds], keys: signed.keys });
      }
      return out;
    }
    const parentName = parentRoleName(role);
    const stored = await reader.getCurrent(doc.gun, parentName);
    const parents: Targets[] = [];
    if (stored) parents.push(parseMetadata(stored.data, parentName as 'targets').signed);
    const bundled = doc.roles.find((r) => r.role === parentName);
    if (bundled) {
      try {
        parents.push(Targets.fromJSON(bundled.signed, parentName));
      } catch (e) {
        throw invalid(`the content of ${parentName} in request ${doc.id} is not valid targets metadata: ${(e as Error).message}`);
      }
    }
    for (const parent of parents) {
      const delegation = parent.getDelegation(role);
      if (delegation) out.push({ keyids: [...delegation.keyIds], keys: parent.delegationKeys });
    }
    return out;
  }
}
