// Answers the questions users ask about a repository, from a TrustedSet only (pure): which tags are
// released and who signed them, what each role holds, who may sign, which keys administer the
// repository, when each role expires, and what breaks if a key or a signer goes.
//
// Rules reproduced (notary client/client.go ListTargets, docker/cli cli/command/trust/inspect.go):
// * Walk: `targets`, then delegations breadth-first in file order, each restricted to its parents'
//   paths (plain string prefixes); a role that is not trusted is skipped with its subtree.
// * A role only counts for names inside its (restricted) paths.
// * `notary list`: the first role in walk order that holds a name wins (shadowing).
// * docker: a tag is released when `targets` or `targets/releases` holds it; its signers are the
//   other roles holding the same name AND sha256 (none = "Repo Admin").
import { compareUtf8 } from './canonical.js';
import { certificateValidity, parseCertificateBundle, validityOf, type CertificateValidity } from './certs.js';
import { isPathAllowed, restrictPaths } from './delegation.js';
import { roleExpiryState, type ExpiryState } from './expiry.js';
import { shortKeyId } from './short-key-id.js';
import type { Envelope, FileMeta, Targets } from './metadata/index.js';
import { GoTime } from './time.js';
import type { TrustedSet } from './trusted-set.js';

/** The base role and docker's shared release role: the only roles that make a tag pullable. */
/** The role every signer also writes to (docker's `releases`); it is not a signer itself. */
export const RELEASES_ROLE = 'targets/releases';
export const RELEASE_ROLES: readonly string[] = ['targets', RELEASES_ROLE];
/** What docker prints for a tag signed by no individual signer. */
export const REPO_ADMIN = 'Repo Admin';

/** docker's notaryRoleToSigner: `targets/alice` -> `alice`. */
export function signerName(role: string): string {
  return role.startsWith('targets/') ? role.slice('targets/'.length) : role;
}

export interface TargetEntry {
  name: string;
  role: string;
  meta: FileMeta;
  /** Hex sha256 ('' when the entry has none, which notary's `addhash --sha512` allows). */
  digest: string;
}

export interface SignedTag {
  tag: string;
  /** Hex sha256 of the manifest, without `sha256:` (docker's "Digest"). */
  digest: string;
  length: number;
  meta: FileMeta;
  /** Which release roles hold it: `targets` (repository key) and/or `targets/releases`. */
  releasedBy: string[];
  /** Other roles holding the same name and digest, in walk order, as signer names (`alice`). */
  signers: string[];
  /** False only for rows taken from a release role that was refused (shown on request). */
  verified: boolean;
  /** Why it does not verify. */
  problem?: string;
}

export type SignerState = 'trusted' | 'refused' | 'absent';

export interface RoleKeyInfo {
  /** TUF key ID as listed in the metadata (x509 IDs for certificates). */
  id: string;
  /** notary's certificate-independent ID: key file names, `docker trust inspect`, `--key` arguments. */
  canonicalId: string;
  keytype: string;
}

export interface DelegationInfo {
  role: string;
  /** `targets/` stripped. */
  name: string;
  parent: string;
  keys: RoleKeyInfo[];
  threshold: number;
  /** As declared (not yet restricted by the parents). */
  paths: readonly string[];
  /** Cut down to the parents' paths: the names this role may really sign. */
  effectivePaths: readonly string[];
  /** trusted: loaded and verified; refused: expired or below threshold; absent: no file on the server. */
  state: SignerState;
  problem?: string;
  expires?: GoTime;
}

export interface RoleExpiry {
  role: string;
  version: number;
  expires: GoTime;
  state: ExpiryState;
}

/** The validity period of a root certificate (a second expiry next to root.json's own). */
export interface RootCertificateExpiry {
  /** TUF key ID of the certificate (as root.json lists it). */
  keyId: string;
  notBefore: Date;
  notAfter: Date;
  state: CertificateValidity;
}

export interface RoleImpact {
  role: string;
  /** The whole role goes (signer removal). */
  deleted: boolean;
  validBefore: boolean;
  validAfter: boolean;
  /** Keys the role would still list, so the caller can re-sign with one it holds. */
  remainingKeys: RoleKeyInfo[];
  threshold: number;
}

export interface RemovalImpact {
  roles: RoleImpact[];
  /** Released tags that no remaining valid release role would hold: they would stop being pullable. */
  tagsLosingRelease: SignedTag[];
}

/** Keys (everywhere, or only from some roles) or a signer to remove. Key IDs may be TUF or canonical IDs. */
export type RemovalSelector = { keyIds: readonly string[] } | { signer: string } | { keysByRole: ReadonlyMap<string, readonly string[]> };

const isDigitCode = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * The order of UTF-8 bytes from UTF-16 code units (as compareUtf8): surrogates move above
 * U+E000..U+FFFF, so comparing the results orders code points, i.e. UTF-8 byte strings.
 */
const utf8Rank = (c: number) => (c < 0xd800 ? c : c <= 0xdfff ? c + 0x2000 : c - 0x800);

/**
 * docker's sortorder.NaturalLess: digit runs compare as numbers, other bytes bytewise. Walks the
 * strings' code units rather than their UTF-8 bytes (no copies while sorting 10,000 tags): digits
 * are ASCII in both, and the first differing code point orders as the first differing UTF-8 byte.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const dx = isDigitCode(ca);
    const dy = isDigitCode(cb);
    if (dx !== dy) return dx ? -1 : 1; // digits before other characters
    if (!dx) {
      if (ca !== cb) return utf8Rank(ca) - utf8Rank(cb);
      i++;
      j++;
      continue;
    }
    while (i < a.length && a.charCodeAt(i) === 0x30) i++;
    while (j < b.length && b.charCodeAt(j) === 0x30) j++;
    const si = i;
    const sj = j;
    while (i < a.length && isDigitCode(a.charCodeAt(i))) i++;
    while (j < b.length && isDigitCode(b.charCodeAt(j))) j++;
    if (i - si !== j - sj) return i - si - (j - sj);
    for (let k = 0; k < i - si; k++) {
      const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
      if (d !== 0) return d;
    }
    if (si !== sj) return si - sj; // fewer leading zeros first
  }
  return a.length - i - (b.length - j);
}

interface WalkedRole {
  role: string;
  envelope: Envelope<Targets>;
  paths: readonly string[];
}

function keyInfo(envelope: Envelope<Targets>, keyIds: readonly string[]): RoleKeyInfo[] {
  return keyIds.flatMap((id) => {
    const key = envelope.signed.delegationKeys.get(id);
    if (!key) return [];
    let canonicalId = id;
    try {
      canonicalId = key.canonicalId;
    } catch {
      // an unparsable certificate keeps its TUF ID; it cannot verify anything anyway
    }
    return [{ id, canonicalId, keytype: key.keytype }];
  });
}

export class RepositoryView {
  readonly #set: TrustedSet;
  #walk?: WalkedRole[];

  constructor(set: TrustedSet) {
    this.#set = set;
  }

  get gun(): string {
    return this.#set.gun;
  }

  /** Trusted targets roles in notary's walk order (breadth-first), with their restricted paths. */
  walk(): readonly WalkedRole[] {
    if (this.#walk) return this.#walk;
    const out: WalkedRole[] = [];
    const queue = ['targets'];
    while (queue.length > 0) {
      const role = queue.shift()!;
      const envelope = this.#set.targetsOf(role);
      const paths = this.#set.pathsOf(role);
      if (!envelope || !paths) continue; // not trusted: skipped with its subtree
      out.push({ role, envelope, paths });
      queue.push(...envelope.signed.delegations.map((d) => d.name));
    }
    return (this.#walk = out);
  }

  /** Every target of every trusted role that lies within the role's paths, in walk order. */
  targetsByRole(): Map<string, TargetEntry[]> {
    const out = new Map<string, TargetEntry[]>();
    for (const { role, envelope, paths } of this.walk()) {
      const entries: TargetEntry[] = [];
      for (const [name, meta] of envelope.signed.targets) {
        if (isPathAllowed(name, paths)) entries.push({ name, role, meta, digest: meta.hex('sha256') ?? '' });
      }
      out.set(role, entries);
    }
    return out;
  }

  /** `notary list`: one entry per name, from the first role in walk order that holds it. */
  resolvedTargets(): TargetEntry[] {
    const seen = new Map<string, TargetEntry>();
    for (const entries of this.targetsByRole().values()) {
      for (const entry of entries) if (!seen.has(entry.name)) seen.set(entry.name, entry);
    }
    return [...seen.values()].sort((a, b) => compareUtf8(a.name, b.name)); // Go string order, as `notary list`
  }

  /** Every trusted role holding `name` (within its paths), in walk order. */
  rolesHolding(name: string): TargetEntry[] {
    return [...this.targetsByRole().values()].flatMap((entries) => entries.filter((e) => e.name === name));
  }

  /**
   * docker's released tags: one row per (tag, sha256) held by `targets` or `targets/releases`,
   * natural-sorted by tag. With `includeUnverified`, rows of a refused `targets/releases` are added
   * with `verified: false` (docker itself never shows them).
   */
  releasedTags(options: { includeUnverified?: boolean } = {}): SignedTag[] {
    const walk = this.walk();
    // Rows by tag (more than one only when roles disagree on the digest): no per-entry keys or copies.
    const rows = new Map<string, SignedTag[]>();
    for (const role of RELEASE_ROLES) {
      const walked = walk.find((w) => w.role === role);
      if (!walked) continue;
      const paths = walked.paths;
      walked.envelope.signed.targets.forEach((meta, name) => {
        if (!isPathAllowed(name, paths)) return;
        const digest = meta.hex('sha256') ?? '';
        const same = rows.get(name);
        if (same) {
          for (const row of same) {
            if (row.digest !== digest) continue;
            row.releasedBy.push(role);
            return;
          }
        }
        const added: SignedTag = { tag: name, digest, length: meta.length, meta, releasedBy: [role], signers: [], verified: true };
        if (same) same.push(added);
        else rows.set(name, [added]);
      });
    }
    for (const { role, envelope, paths } of walk) {
      if (RELEASE_ROLES.includes(role)) continue;
      const signer = signerName(role);
      envelope.signed.targets.forEach((meta, name) => {
        const same = rows.get(name);
        if (!same || !isPathAllowed(name, paths)) return;
        const digest = meta.hex('sha256') ?? '';
        for (const row of same) if (row.digest === digest) row.signers.push(signer);
      });
    }
    if (options.includeUnverified) this.#addRefusedReleases(rows);
    const all: SignedTag[] = [];
    for (const same of rows.values()) for (const row of same) all.push(row);
    return all.sort((a, b) => naturalCompare(a.tag, b.tag) || compareUtf8(a.digest, b.digest));
  }

  #addRefusedReleases(rows: Map<string, SignedTag[]>): void {
    const refused = this.#set.refusedDelegations.get('targets/releases');
    if (refused?.parent !== 'targets') return;
    const paths = this.#set.targets?.signed.getDelegation('targets/releases')?.paths ?? [];
    for (const [name, meta] of refused.envelope.signed.targets) {
      const digest = meta.hex('sha256') ?? '';
      const same = rows.get(name);
      if (!isPathAllowed(name, paths) || same?.some((r) => r.digest === digest)) continue;
      const added: SignedTag = {
        tag: name,
        digest,
        length: meta.length,
        meta,
        releasedBy: ['targets/releases'],
        signers: [],
        verified: false,
        problem: refused.error.message,
      };
      if (same) same.push(added);
      else rows.set(name, [added]);
    }
  }

  /** The released rows of one tag (several when roles disagree on the digest). */
  tag(name: string): SignedTag[] {
    return this.releasedTags().filter((t) => t.tag === name);
  }

  /**
   * Every delegation declared by a trusted role, in walk order, with its keys (canonical IDs) and
   * state. Declared roles whose file is missing or was refused are listed too.
   */
  delegations(): DelegationInfo[] {
    const out: DelegationInfo[] = [];
    for (const { role: parent, envelope, paths: parentPaths } of this.walk()) {
      for (const d of envelope.signed.delegations) {
        const trusted = this.#set.delegations.get(d.name);
        const refused = this.#set.refusedDelegations.get(d.name);
        out.push({
          role: d.name,
          name: signerName(d.name),
          parent,
          keys: keyInfo(envelope, d.keys.distinctKeyIds),
          threshold: d.threshold,
          paths: d.paths,
          effectivePaths: restrictPaths(d.paths, parentPaths),
          state: trusted ? 'trusted' : refused ? 'refused' : 'absent',
          ...(refused && !trusted ? { problem: refused.error.message } : {}),
          expires: (trusted?.envelope ?? refused?.envelope)?.signed.expires,
        });
      }
    }
    return out;
  }

  /** The version of a targets role's file, trusted or refused (undefined when there is none). */
  roleVersion(role: string): number | undefined {
    return (this.#set.targetsOf(role) ?? this.#set.refusedDelegations.get(role)?.envelope)?.signed.version;
  }

  /**
   * Whose signatures verify on a delegation's file (TUF key IDs), and why it was refused if it was:
   * for saying who is still missing. Undefined when the role has no file.
   */
  signaturesOf(role: string): { validKeyIds: readonly string[]; refused?: 'expired' | 'threshold' } | undefined {
    const trusted = this.#set.delegations.get(role);
    if (trusted) return { validKeyIds: trusted.validKeyIds };
    const refused = this.#set.refusedDelegations.get(role);
    return refused ? { validKeyIds: refused.validKeyIds, refused: refused.error.reason } : undefined;
  }

  /**
   * Everyone who signed `row`: the signers whose own role holds it (docker's list for the tag) and,
   * for a tag of a k-of-n targets/releases, the signers whose keys' signatures verify on that file:
   * approvers of such a release sign targets/releases alone (a signing request), and it takes k of
   * them for the tag to be pulled. With one signature needed, that signature only says who published
   * the file last (any tag's signer), so it names nobody. A key of no signer is `key <short ID>`.
   */
  whoSigned(row: SignedTag): string[] {
    const names = new Set(row.signers);
    const releases = row.releasedBy.includes(RELEASES_ROLE) ? this.delegations().find((d) => d.role === RELEASES_ROLE && d.parent === 'targets') : undefined;
    const signatures = releases && releases.threshold > 1 ? this.signaturesOf(RELEASES_ROLE) : undefined;
    if (releases && signatures) {
      const canonical = new Map(releases.keys.map((k) => [k.id, k.canonicalId]));
      const owners = this.keyOwners();
      for (const id of new Set(signatures.validKeyIds.map((k) => canonical.get(k) ?? k))) for (const name of owners(id)) names.add(name);
    }
    return [...names].sort(naturalCompare);
  }

  /** A key's signers by name (canonical ID), else `key <short ID>`. */
  keyOwners(): (canonicalId: string) => string[] {
    const signers = this.signers();
    return (id) => {
      const names = signers.filter((s) => s.keys.some((k) => k.canonicalId === id)).map((s) => s.name);
      return names.length ? names : [`key ${shortKeyId(id)}`];
    };
  }

  /** docker's signers: every delegation except `targets/releases`, in natural order of name (s2 before s10). */
  signers(): DelegationInfo[] {
    return this.delegations()
      .filter((d) => d.role !== RELEASES_ROLE)
      .sort((a, b) => naturalCompare(a.name, b.name));
  }

  /**
   * docker's AdministrativeKeys: Root = the TUF IDs of root.json's root keys (x509; they differ from the
   * private key file's canonical ID), Repository = the targets keys.
   */
  administrativeKeys(): { root: RoleKeyInfo[]; repository: RoleKeyInfo[] } {
    const root = this.#set.root.signed;
    const info = (ids: readonly string[]): RoleKeyInfo[] =>
      ids.flatMap((id) => {
        const key = root.keys.get(id);
        if (!key) return [];
        let canonicalId = id;
        try {
          canonicalId = key.canonicalId;
        } catch {
          // keep the TUF ID
        }
        return [{ id, canonicalId, keytype: key.keytype }];
      });
    return { root: info(root.role('root').keyIds), repository: info(root.role('targets').keyIds) };
  }

  /** Version and expiry of every loaded role, trusted or refused. */
  /** Validity of every root certificate the root role lists (plain keys and unreadable ones are left out). */
  rootCertificates(): RootCertificateExpiry[] {
    const root = this.#set.root.signed;
    const now = this.#set.now();
    return [...new Set(root.role('root').keyIds)].flatMap((keyId) => {
      const key = root.keys.get(keyId);
      if (!key?.isX509) return [];
      try {
        const leaf = parseCertificateBundle(key.publicBytes).find((c) => !c.ca);
        return leaf ? [{ keyId, ...validityOf(leaf), state: certificateValidity(leaf, now) }] : [];
      } catch {
        return [];
      }
    });
  }

  expiries(): RoleExpiry[] {
    const now = GoTime.fromDate(this.#set.now());
    const entry = (role: string, env: Envelope | undefined): RoleExpiry[] =>
      env ? [{ role, version: env.signed.version, expires: env.signed.expires, state: roleExpiryState(role, env.signed.expires, now) }] : [];
    return [
      ...entry('root', this.#set.root),
      ...entry('targets', this.#set.targets),
      ...entry('snapshot', this.#set.snapshot),
      ...entry('timestamp', this.#set.timestamp),
      ...[...this.#set.delegations.values()].flatMap((d) => entry(d.name, d.envelope)),
      ...[...this.#set.refusedDelegations.values()]
        .filter((r) => !this.#set.delegations.has(r.name))
        .flatMap((r) => entry(r.name, r.envelope)),
    ];
  }

  /**
   * What removing keys (from every delegation) or a signer (its role `targets/<name>`, and its keys
   * from `targets/releases`, reversing `signer add`) would do: which roles stop verifying, and which
   * released tags would lose their last valid release signature.
   */
  impactOfRemoving(selector: RemovalSelector): RemovalImpact {
    const all = this.delegations();
    let deletedRole: string | undefined;
    let removedFrom: (role: string) => ReadonlySet<string>;
    if ('signer' in selector) {
      const signerRole = selector.signer.startsWith('targets/') ? selector.signer : `targets/${selector.signer}`;
      deletedRole = signerRole;
      const removed = new Set(all.find((d) => d.role === signerRole)?.keys.flatMap((k) => [k.id, k.canonicalId]) ?? []);
      removedFrom = (role) => (role === 'targets/releases' || role === signerRole ? removed : new Set());
    } else if ('keysByRole' in selector) {
      removedFrom = (role) => new Set(selector.keysByRole.get(role) ?? []);
    } else {
      const removed = new Set(selector.keyIds);
      removedFrom = () => removed;
    }

    const roles: RoleImpact[] = [];
    for (const d of all) {
      const deleted = d.role === deletedRole;
      const removed = removedFrom(d.role);
      const hit = (k: RoleKeyInfo) => removed.has(k.id) || removed.has(k.canonicalId);
      if (!deleted && !d.keys.some(hit)) continue;
      const trusted = this.#set.delegations.get(d.role);
      const removedTufIds = new Set(d.keys.filter(hit).map((k) => k.id));
      const stillValid = (trusted?.validKeyIds ?? []).filter((id) => !removedTufIds.has(id));
      roles.push({
        role: d.role,
        deleted,
        validBefore: d.state === 'trusted',
        validAfter: !deleted && d.state === 'trusted' && stillValid.length >= d.threshold,
        remainingKeys: deleted ? [] : d.keys.filter((k) => !hit(k)),
        threshold: d.threshold,
      });
    }

    const invalid = new Set(roles.filter((r) => !r.validAfter).map((r) => r.role));
    const released = this.releasedTags();
    const lost = (t: SignedTag) => t.releasedBy.every((role) => invalid.has(role));
    // A tag that another release role still holds (with another digest) stays pullable: not lost.
    const surviving = new Set(released.filter((t) => !lost(t)).map((t) => t.tag));
    const tagsLosingRelease = released.filter((t) => lost(t) && !surviving.has(t.tag));
    return { roles, tagsLosingRelease };
  }
}
