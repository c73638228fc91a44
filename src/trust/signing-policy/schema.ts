// The signing policy file (`trust-policy.yaml`, JSON accepted): named signers and their keys, teams,
// and per repository pattern the roles, thresholds, paths, root pin, minimum remaining expiry and a
// deployability rule. Parsing is strict; every error names the line (and column) it comes from.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document } from 'yaml';
import { isDelegationName } from '../../tuf/delegation.js';
import { HintedError } from '../../tuf/errors.js';
import { parseDuration } from '../../tuf/expiry.js';

export const POLICY_SCHEMA_VERSION = 1;
export const DEFAULT_POLICY_FILE = 'trust-policy.yaml';

export interface PolicySigner {
  name: string;
  /** Canonical (certificate-independent) key IDs, 64 hex digits. */
  keys: string[];
  /** A public key or certificate file (relative to the policy file): lets `policy apply` add the key. */
  public?: string;
}

export interface PolicyRole {
  /** Full role name (`targets/releases`). */
  role: string;
  /** Signer names, teams expanded, in file order without duplicates. */
  signers: string[];
  /** Teams named by the rule (for display). */
  teams: string[];
  threshold: number;
  /** Notary's plain string prefixes (`""` = everything). */
  paths: string[];
}

export type DeployableRule =
  | { kind: 'released' }
  | { kind: 'all_of' | 'any_of'; roles: string[]; sameDigest: boolean }
  | { kind: 'k_of'; k: number; roles: string[]; sameDigest: boolean };

export interface MinimumExpiry {
  root?: number;
  targets?: number;
  delegations?: number;
}

export type UnknownKeys = 'error' | 'warn' | 'ignore';

export interface RepositoryRule {
  match: string;
  /** Canonical key IDs the root role must list (all of them, and only them). */
  rootKeys?: string[];
  /** Undefined: roles are not checked. */
  roles?: PolicyRole[];
  deployable: DeployableRule;
  minExpiry: MinimumExpiry;
  unknownKeys: UnknownKeys;
}

export interface SigningPolicy {
  version: 1;
  signers: Map<string, PolicySigner>;
  teams: Map<string, string[]>;
  repositories: RepositoryRule[];
  /** The file it was read from (messages name it). */
  source?: string;
}

const FIX_THE_FILE = 'fix the policy file (docs/policy.md describes every field)';

/** The policy file breaks the schema; `line` is 1-based (0 when unknown). */
export class PolicyFileError extends HintedError {
  override name = 'PolicyFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
    hint = FIX_THE_FILE,
  ) {
    super(`${file}${line ? `:${line}:${column}` : ''}: ${problem}`, { hint });
  }
}

/**
 * How far the aliases (`*name`) of a policy may expand, as the yaml package counts it: per anchor,
 * its uses times the aliases each use brings. One set of roles shared by every repository of a
 * large policy is one anchor used once per repository (yaml's default bound, 100, refused a
 * policy of 101 repositories). Nested aliases multiply (the "billion laughs" file: a list of nine
 * aliases of a list of nine aliases ...) and pass this bound after five levels, about 60,000
 * strings once expanded: refused long before they fill the memory.
 */
const MAX_ALIAS_EXPANSION = 10_000;

/** The document's data, with aliases that name no anchor or expand too far refused in our words. */
function documentData(doc: Document, file: string, lines: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (e) {
    // yaml raises a ReferenceError only for an alias it cannot or may not expand.
    if (!(e instanceof ReferenceError)) throw e;
    const unresolved = firstUnresolvedAlias(doc);
    if (unresolved !== undefined) {
      const pos = lines.linePos(unresolved.range?.[0] ?? 0);
      throw new PolicyFileError(file, pos.line, pos.col, `alias *${unresolved.source} names no anchor &${unresolved.source} before it`);
    }
    throw new PolicyFileError(
      file,
      0,
      0,
      'too many aliases: its aliases (*name) are nested or used so often that expanding them would multiply the data, as a "billion laughs" file does',
      'write the repeated parts out, or use fewer aliases and none inside an anchored list',
    );
  }
}

/** The first alias used before any anchor of its name, in one pass (YAML: an anchor precedes its aliases). */
function firstUnresolvedAlias(doc: Document): Alias | undefined {
  const anchors = new Set<string>();
  let found: Alias | undefined;
  visit(doc, {
    Node: (_key, node) => {
      if (!isAlias(node)) {
        if (node.anchor !== undefined) anchors.add(node.anchor);
        return undefined;
      }
      if (anchors.has(node.source)) return undefined;
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

type Path = (string | number)[];

const KEY_ID = /^[0-9a-f]{64}$/;
const NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/** `releases` and `targets/releases` name the same role. */
export function fullRoleName(name: string): string {
  return name === 'targets' || name.startsWith('targets/') ? name : `targets/${name}`;
}

class Reader {
  readonly #doc: Document | undefined;
  readonly #lines: LineCounter;
  constructor(
    readonly file: string,
    doc: Document | undefined,
    lines: LineCounter,
  ) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** An error located at the value under `path` (or the nearest ancestor that has a position). */
  fail(path: Path, problem: string): never {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.#doc?.contents : this.#doc?.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) {
        const { line, col } = this.#lines.linePos(range[0]);
        throw new PolicyFileError(this.file, line, col, problem);
      }
    }
    throw new PolicyFileError(this.file, 0, 0, problem);
  }

  /** The line of the value under `path` (for messages about a rule). */
  lineOf(path: Path): number {
    const node = this.#doc?.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? this.#lines.linePos(node.range[0]).line : 0;
  }
}

const where = (path: Path) => path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');

function object(r: Reader, value: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) r.fail(path, `${where(path) || 'the file'} must be a mapping`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) r.fail([...path, key], `unknown field ${where([...path, key])} (expected one of: ${allowed.join(', ')})`);
  }
  return record;
}

function stringList(r: Reader, value: unknown, path: Path, check?: (s: string, p: Path) => void): string[] {
  if (!Array.isArray(value)) r.fail(path, `${where(path)} must be a list`);
  return value.map((item, i) => {
    if (typeof item !== 'string') r.fail([...path, i], `${where([...path, i])} must be a string`);
    check?.(item, [...path, i]);
    return item;
  });
}

function keyId(r: Reader, value: unknown, path: Path): string {
  if (typeof value !== 'string' || !KEY_ID.test(value.toLowerCase())) {
    r.fail(path, `${where(path)} must be a full canonical key ID (64 hex digits, as \`trust-tui inspect\` prints it)`);
  }
  return value.toLowerCase();
}

function positiveInt(r: Reader, value: unknown, path: Path): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) r.fail(path, `${where(path)} must be a whole number of at least 1`);
  return value;
}

function parseSigners(r: Reader, value: unknown): Map<string, PolicySigner> {
  const out = new Map<string, PolicySigner>();
  if (value === undefined) return out;
  const record = object(r, value, ['signers'], Object.keys((value ?? {}) as object));
  for (const [name, spec] of Object.entries(record)) {
    const path = ['signers', name];
    if (!NAME.test(name)) r.fail(path, `signer name ${JSON.stringify(name)} must be lower case letters, digits, '.', '_' or '-'`);
    const s = object(r, spec, path, ['key', 'keys', 'public']);
    if ((s.key === undefined) === (s.keys === undefined)) r.fail(path, `signer ${name} needs exactly one of key or keys`);
    const keys = s.key !== undefined ? [keyId(r, s.key, [...path, 'key'])] : stringList(r, s.keys, [...path, 'keys']).map((k, i) => keyId(r, k, [...path, 'keys', i]));
    if (keys.length === 0) r.fail(path, `signer ${name} has no key`);
    if (s.public !== undefined && (typeof s.public !== 'string' || s.public.trim() === '')) r.fail([...path, 'public'], `signer ${name}: public must be the path of a public key or certificate file`);
    out.set(name, { name, keys: [...new Set(keys)], ...(typeof s.public === 'string' ? { public: s.public } : {}) });
  }
  // One key belongs to one signer: otherwise a name in the plan would be a guess.
  const owner = new Map<string, string>();
  for (const s of out.values()) {
    for (const k of s.keys) {
      const other = owner.get(k);
      if (other) r.fail(['signers', s.name], `key ${k.slice(0, 7)} is listed for both ${other} and ${s.name}`);
      owner.set(k, s.name);
    }
  }
  return out;
}

function parseTeams(r: Reader, value: unknown, signers: Map<string, PolicySigner>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (value === undefined) return out;
  const record = object(r, value, ['teams'], Object.keys((value ?? {}) as object));
  for (const [name, members] of Object.entries(record)) {
    const list = stringList(r, members, ['teams', name], (m, p) => {
      if (!signers.has(m)) r.fail(p, `team ${name}: ${m} is not one of the signers`);
    });
    if (list.length === 0) r.fail(['teams', name], `team ${name} has no members`);
    out.set(name, [...new Set(list)]);
  }
  return out;
}

function parseRole(r: Reader, name: string, value: unknown, path: Path, policy: Pick<SigningPolicy, 'signers' | 'teams'>): PolicyRole {
  const role = fullRoleName(name);
  if (!isDelegationName(role)) r.fail(path, `${name} is not a delegation role name (targets/<name>)`);
  const spec = object(r, value ?? {}, path, ['signers', 'team', 'teams', 'threshold', 'paths']);
  const names: string[] = [];
  if (spec.signers !== undefined) {
    names.push(
      ...stringList(r, spec.signers, [...path, 'signers'], (s, p) => {
        if (!policy.signers.has(s)) r.fail(p, `${role}: ${s} is not one of the signers`);
      }),
    );
  }
  const teams = spec.team !== undefined ? [spec.team] : spec.teams !== undefined ? stringList(r, spec.teams, [...path, 'teams']) : [];
  teams.forEach((t, i) => {
    const p = spec.team !== undefined ? [...path, 'team'] : [...path, 'teams', i];
    if (typeof t !== 'string' || !policy.teams.has(t)) r.fail(p, `${role}: ${String(t)} is not one of the teams`);
    names.push(...policy.teams.get(t)!);
  });
  const signers = [...new Set(names)];
  if (signers.length === 0) r.fail(path, `${role} names no signers (give signers:, team: or teams:)`);
  const threshold = spec.threshold === undefined ? 1 : positiveInt(r, spec.threshold, [...path, 'threshold']);
  const keyCount = new Set(signers.flatMap((s) => policy.signers.get(s)!.keys)).size;
  if (threshold > keyCount) {
    r.fail([...path, 'threshold'], `${role}: threshold ${threshold} can never be met: its signers hold ${keyCount} distinct key${keyCount === 1 ? '' : 's'}`);
  }
  const paths = spec.paths === undefined ? [''] : stringList(r, spec.paths, [...path, 'paths']);
  if (paths.length === 0) r.fail([...path, 'paths'], `${role}: paths is empty (use [""] for every tag)`);
  return { role, signers, teams: teams as string[], threshold, paths: [...new Set(paths)].sort() };
}

function parseDeployable(r: Reader, value: unknown, path: Path, roles: PolicyRole[] | undefined): DeployableRule {
  if (value === undefined || value === 'released') return { kind: 'released' };
  const spec = object(r, value, path, ['all_of', 'any_of', 'k_of', 'same_digest']);
  const kinds = ['all_of', 'any_of', 'k_of'].filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) r.fail(path, 'deployable needs exactly one of all_of, any_of, k_of');
  const sameDigest = spec.same_digest === undefined ? true : spec.same_digest;
  if (typeof sameDigest !== 'boolean') r.fail([...path, 'same_digest'], 'same_digest must be true or false');
  const checkRoles = (list: string[], p: Path) => {
    const full = list.map(fullRoleName);
    if (full.length === 0) r.fail(p, 'the rule names no roles');
    if (roles) {
      full.forEach((role, i) => {
        if (role !== 'targets' && !roles.some((x) => x.role === role)) r.fail([...p, i], `${role} is not one of this repository's roles`);
      });
    }
    return [...new Set(full)];
  };
  if (spec.k_of !== undefined) {
    const kp = [...path, 'k_of'];
    const k = object(r, spec.k_of, kp, ['k', 'roles']);
    const list = checkRoles(stringList(r, k.roles, [...kp, 'roles']), [...kp, 'roles']);
    const n = positiveInt(r, k.k, [...kp, 'k']);
    if (n > list.length) r.fail([...kp, 'k'], `k_of: k is ${n} but only ${list.length} roles are listed`);
    return { kind: 'k_of', k: n, roles: list, sameDigest };
  }
  const kind = kinds[0] as 'all_of' | 'any_of';
  return { kind, roles: checkRoles(stringList(r, spec[kind], [...path, kind]), [...path, kind]), sameDigest };
}

function parseExpiry(r: Reader, value: unknown, path: Path): MinimumExpiry {
  if (value === undefined) return {};
  const spec = object(r, value, path, ['min_remaining']);
  const min = object(r, spec.min_remaining ?? {}, [...path, 'min_remaining'], ['root', 'targets', 'delegations']);
  const out: MinimumExpiry = {};
  for (const k of ['root', 'targets', 'delegations'] as const) {
    if (min[k] === undefined) continue;
    const ms = typeof min[k] === 'string' ? parseDuration(min[k]) : undefined;
    if (ms === undefined) r.fail([...path, 'min_remaining', k], `${k}: expected a duration such as 30d, 12w or 1y`);
    out[k] = ms;
  }
  return out;
}

function parseRepository(r: Reader, value: unknown, index: number, policy: Pick<SigningPolicy, 'signers' | 'teams'>): RepositoryRule {
  const path: Path = ['repositories', index];
  const spec = object(r, value, path, ['match', 'root', 'roles', 'deployable', 'expiry', 'unknown_keys']);
  if (typeof spec.match !== 'string' || spec.match.trim() === '') r.fail([...path, 'match'], 'match must be a repository name or pattern (registry.example.com/team/*)');
  let rootKeys: string[] | undefined;
  if (spec.root !== undefined) {
    const root = object(r, spec.root, [...path, 'root'], ['keys']);
    rootKeys = stringList(r, root.keys, [...path, 'root', 'keys']).map((k, i) => keyId(r, k, [...path, 'root', 'keys', i]));
  }
  let roles: PolicyRole[] | undefined;
  if (spec.roles !== undefined) {
    const record = object(r, spec.roles, [...path, 'roles'], Object.keys((spec.roles ?? {}) as object));
    roles = Object.entries(record).map(([name, v]) => parseRole(r, name, v, [...path, 'roles', name], policy));
    const seen = new Set<string>();
    for (const role of roles) {
      if (seen.has(role.role)) r.fail([...path, 'roles'], `${role.role} is listed twice`);
      seen.add(role.role);
    }
  }
  const unknownKeys = spec.unknown_keys ?? 'error';
  if (unknownKeys !== 'error' && unknownKeys !== 'warn' && unknownKeys !== 'ignore') r.fail([...path, 'unknown_keys'], 'unknown_keys must be error, warn or ignore');
  return {
    match: spec.match.trim(),
    ...(rootKeys ? { rootKeys } : {}),
    ...(roles ? { roles } : {}),
    deployable: parseDeployable(r, spec.deployable, [...path, 'deployable'], roles),
    minExpiry: parseExpiry(r, spec.expiry, [...path, 'expiry']),
    unknownKeys,
  };
}

/** Parses policy text (YAML or JSON). `file` names the source in errors. */
export function parsePolicy(text: string, file = DEFAULT_POLICY_FILE): SigningPolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  let data: unknown;
  let r = new Reader(file, doc, lines);
  if (doc.errors.length > 0) {
    // JSON indented with tabs is not YAML; accept it as JSON (without positions).
    try {
      data = JSON.parse(text);
      r = new Reader(file, undefined, lines);
    } catch {
      const e = doc.errors[0]!;
      const pos = lines.linePos(e.pos[0]);
      throw new PolicyFileError(file, pos.line, pos.col, `not valid YAML or JSON: ${e.message.split('\n')[0]}`);
    }
  } else {
    data = documentData(doc, file, lines);
    if (!isMap(doc.contents) && !(isScalar(doc.contents) || isSeq(doc.contents))) r.fail([], 'the file is empty');
  }
  const top = object(r, data ?? null, [], ['version', 'signers', 'teams', 'repositories']);
  if (top.version !== POLICY_SCHEMA_VERSION) {
    r.fail(['version'], `version must be ${POLICY_SCHEMA_VERSION} (this trust-tui reads policy schema version ${POLICY_SCHEMA_VERSION})`);
  }
  const signers = parseSigners(r, top.signers);
  const teams = parseTeams(r, top.teams, signers);
  if (!Array.isArray(top.repositories) || top.repositories.length === 0) r.fail(['repositories'], 'repositories must be a list with at least one entry');
  const repositories = (top.repositories as unknown[]).map((v, i) => parseRepository(r, v, i, { signers, teams }));
  return { version: 1, signers, teams, repositories, source: file };
}
