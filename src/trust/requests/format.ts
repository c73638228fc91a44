// The signing-request document: new role content frozen once (version = trusted + 1, its expiry),
// the base it was built on, and the signatures collected so far, all over the same canonical bytes.
// A detached signature is one signature of one role, to send back to whoever collects them.
import type { JsonObject } from '../../tuf/gojson.js';
import { signedDigest, type SignatureEntry } from '../../tuf/verification.js';
import { InputError } from '../errors.js';

export const REQUEST_TYPE = 'trust-tui/signing-request';
export const SIGNATURE_TYPE = 'trust-tui/signing-request-signature';
export const REQUEST_SCHEMA = 1;

export interface RequestSignature extends SignatureEntry {
  /** When it was added (informational). */
  at?: string;
}

export interface RequestRole {
  role: string;
  /** The trusted file this content replaces (null: the role has no file yet). */
  base: { version: number; sha256: string } | null;
  /** The base's `signed` content, so that the change can be replayed on a newer base (rebase). */
  baseSigned?: JsonObject;
  /** The exact `signed` object (notary's field set). Never edited once created. */
  signed: JsonObject;
  /** sha256 of the canonical JSON of `signed`. */
  signedDigest: string;
  /** Copied from the parent when created; informational only (always re-derived when verifying). */
  threshold: number;
  keyids: string[];
  signatures: RequestSignature[];
}

export interface SigningRequest {
  type: typeof REQUEST_TYPE;
  version: typeof REQUEST_SCHEMA;
  id: string;
  gun: string;
  server?: string;
  created: string;
  createdBy?: string;
  deadline: string;
  note: string;
  /** The stale request this one replaces (`request rebase`). */
  rebasedFrom?: string;
  /** Parents before children; submitted together in one upload. */
  roles: RequestRole[];
}

export interface DetachedSignature extends RequestSignature {
  type: typeof SIGNATURE_TYPE;
  request: string;
  gun: string;
  role: string;
  signedDigest: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(where: string, what: string): never {
  throw new InputError(`${where} is not a signing request: ${what}`);
}

function readSignature(v: unknown, where: string): RequestSignature {
  if (!isObject(v) || typeof v.keyid !== 'string' || typeof v.method !== 'string' || typeof v.sig !== 'string') bad(where, 'a signature needs keyid, method and sig');
  return { keyid: v.keyid, method: v.method, sig: v.sig, ...(typeof v.at === 'string' ? { at: v.at } : {}) };
}

/** Parses and checks a request or a detached signature (the digests are recomputed, never trusted). */
export function parseRequestDocument(text: string, where: string): SigningRequest | DetachedSignature {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad(where, `invalid JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) bad(where, 'expected a JSON object');
  if (doc.type === SIGNATURE_TYPE) {
    const sig = readSignature(doc, where);
    if (typeof doc.request !== 'string' || typeof doc.gun !== 'string' || typeof doc.role !== 'string' || typeof doc.signedDigest !== 'string') {
      bad(where, 'a detached signature needs request, gun, role and signedDigest');
    }
    return { type: SIGNATURE_TYPE, request: doc.request, gun: doc.gun, role: doc.role, signedDigest: doc.signedDigest, ...sig };
  }
  if (doc.type !== REQUEST_TYPE) bad(where, `type is ${JSON.stringify(doc.type)}, not ${REQUEST_TYPE}`);
  if (doc.version !== REQUEST_SCHEMA) bad(where, `schema version ${JSON.stringify(doc.version)} is not supported (this trust-tui reads version ${REQUEST_SCHEMA})`);
  for (const field of ['id', 'gun', 'created', 'deadline'] as const) if (typeof doc[field] !== 'string') bad(where, `${field} is missing`);
  if (!/^[0-9a-f]{8,64}$/.test(doc.id as string)) bad(where, 'id must be hex');
  if (Number.isNaN(Date.parse(doc.deadline as string))) bad(where, 'deadline is not a date');
  if (!Array.isArray(doc.roles) || doc.roles.length === 0) bad(where, 'roles is empty');
  const roles = doc.roles.map((r, i): RequestRole => {
    const at = `${where} roles[${i}]`;
    if (!isObject(r) || typeof r.role !== 'string' || !isObject(r.signed)) bad(at, 'role and signed are required');
    const base = r.base === null ? null : isObject(r.base) && typeof r.base.version === 'number' && typeof r.base.sha256 === 'string' ? { version: r.base.version, sha256: r.base.sha256 } : bad(at, 'base must be {version, sha256} or null');
    const digest = signedDigest(r.signed);
    if (r.signedDigest !== digest) bad(at, `signedDigest does not match its signed content (${digest})`);
    return {
      role: r.role,
      base,
      ...(isObject(r.baseSigned) ? { baseSigned: r.baseSigned as JsonObject } : {}),
      signed: r.signed as JsonObject,
      signedDigest: digest,
      threshold: typeof r.threshold === 'number' ? r.threshold : 1,
      keyids: Array.isArray(r.keyids) ? r.keyids.filter((k): k is string => typeof k === 'string') : [],
      signatures: Array.isArray(r.signatures) ? r.signatures.map((s, j) => readSignature(s, `${at} signatures[${j}]`)) : [],
    };
  });
  return {
    type: REQUEST_TYPE,
    version: REQUEST_SCHEMA,
    id: doc.id as string,
    gun: doc.gun as string,
    ...(typeof doc.server === 'string' ? { server: doc.server } : {}),
    created: doc.created as string,
    ...(typeof doc.createdBy === 'string' ? { createdBy: doc.createdBy } : {}),
    deadline: doc.deadline as string,
    note: typeof doc.note === 'string' ? doc.note : '',
    ...(typeof doc.rebasedFrom === 'string' ? { rebasedFrom: doc.rebasedFrom } : {}),
    roles,
  };
}

export function isDetached(doc: SigningRequest | DetachedSignature): doc is DetachedSignature {
  return doc.type === SIGNATURE_TYPE;
}

/**
 * Adds signatures to a role, skipping exact copies. Two different signatures under one key ID are
 * both kept: which one verifies is decided against the trusted keys (evaluate.ts), so a forged one
 * merged first never shuts out the signer's real one.
 */
export function withSignatures(role: RequestRole, added: readonly RequestSignature[]): RequestRole {
  const seen = new Set(role.signatures.map((s) => `${s.keyid} ${s.sig}`));
  const fresh = added.filter((s) => !seen.has(`${s.keyid} ${s.sig}`) && (seen.add(`${s.keyid} ${s.sig}`), true));
  return { ...role, signatures: [...role.signatures, ...fresh] };
}

/**
 * Two copies of one request: the union of their signatures. Copies whose content differs never
 * merge (a signature over other bytes would not count anyway, and mixing them hides that).
 */
export function mergeRequests(mine: SigningRequest, theirs: SigningRequest): SigningRequest {
  if (mine.id !== theirs.id) throw new InputError(`request ${theirs.id} is not request ${mine.id}`);
  const byRole = new Map(theirs.roles.map((r) => [r.role, r]));
  if (byRole.size !== mine.roles.length || mine.roles.some((r) => byRole.get(r.role)?.signedDigest !== r.signedDigest)) {
    throw new InputError(`the copy of request ${mine.id} has different content (a rebased or altered copy): not merged`, {
      hint: 'ask its sender for the current copy',
    });
  }
  return { ...mine, roles: mine.roles.map((r) => withSignatures(r, byRole.get(r.role)!.signatures)) };
}

export function serializeRequest(doc: SigningRequest | DetachedSignature): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
