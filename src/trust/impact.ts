// What a change to a repository's role files does to `docker pull` with DOCKER_CONTENT_TRUST=1, per
// tag: which tags stop being pullable, which would pull a different image, which FROM lines of given
// Dockerfiles stop building, and who must sign what to make them pullable again.
//
// API (for every destructive command, and for `policy apply`): `impactOf(before, after)` where
// `before` is the verified state the change was planned from (RefreshResult: trusted set + view) and
// `after` the planned role files (a RepositoryEditor, or anything with `current(role)` and
// `editedRoles`). An edited role counts as signed to its threshold once the change lands: publish
// refuses to upload it otherwise (src/tuf/editor.ts build), and a signing request only lands when
// complete. An unedited role keeps its current file and signatures, checked against its parent's
// new declaration (a dropped key or raised threshold can leave it short: notary then skips it).
//
// docker resolves a tag from `targets/releases` first, then `targets` (docker/cli
// cli/command/image/trust.go getTrustedPullTargets -> notary client.GetTargetByName with
// ReleasesRole, CanonicalTargetsRole; a hit in any other role is refused), and a role below its
// threshold or expired contributes nothing (notary client/tufclient.go skips it).
import { isPathAllowed } from '../tuf/delegation.js';
import type { Targets } from '../tuf/metadata/index.js';
import { naturalCompare, RELEASES_ROLE, type RepositoryView } from '../tuf/repository-view.js';
import type { TrustedSet } from '../tuf/trusted-set.js';
import { canonicalIdOf, verificationResult } from '../tuf/verification.js';
import { parseReference } from '../registry/reference.js';
import { currentFile, signerNames } from './requests/evaluate.js';
import { pulledRow } from './verify/released.js';
import type { FromLine } from './verify/dockerfile.js';
import { DEFAULT_TAG } from './verify/verify.js';

/** The verified state a change is planned from. */
export interface ImpactBefore {
  trusted: TrustedSet;
  view: RepositoryView;
}

/** The role files after the change: edited copies, else the current files (RepositoryEditor fits). */
export interface PlannedRoleFiles {
  current(role: string): Targets | undefined;
  readonly editedRoles: readonly string[];
}

export interface TagChange {
  tag: string;
  /** `sha256:<hex>` docker pull resolves today (unset: not pullable). */
  before?: string;
  /** … and after the change. */
  after?: string;
}

/** Who must sign what to make tags pullable (again). */
export interface Repair {
  tags: string[];
  /** Signer names (or `key abc1234`) of whom `needed` must sign; empty when nobody can yet. */
  who: string[];
  needed: number;
  /** One sentence. */
  text: string;
}

/** A FROM line of a Dockerfile that names a tag of this repository and would stop building as it does. */
export interface DockerfileBreak {
  file: string;
  line: number;
  /** The FROM instruction as written. */
  text: string;
  image: string;
  tag: string;
  reason: 'not-pullable' | 'pinned-digest-mismatch' | 'different-image';
  message: string;
}

export interface Impact {
  gun: string;
  /** Tags docker pull could no longer pull with content trust. */
  lost: TagChange[];
  /** Tags that stay pullable but would resolve to another image. */
  changed: TagChange[];
  /** Tags that become pullable. */
  gained: TagChange[];
  /** Tags pulled exactly as today. */
  unchanged: string[];
  /** Who must sign what, for the lost (and changed) tags. */
  repair: Repair[];
  /** What it means for running containers and other nodes; empty when nothing is lost or changed. */
  running: string[];
  dockerfiles: DockerfileBreak[];
}

/** A Dockerfile's FROM lines, read and parsed by the caller (see readDockerfiles in impact-inputs.ts). */
export interface DockerfileInput {
  file: string;
  froms: readonly FromLine[];
}

export const RUNNING_SENTENCES = [
  'Images already pulled and containers already running keep running: content trust is checked only when an image is pulled.',
  'A container restarted or rescheduled on a node that does not have the image cannot pull it with DOCKER_CONTENT_TRUST=1, and builds on such a node cannot use it as a base.',
];

const withPrefix = (hex: string) => `sha256:${hex}`;
const short = (digest: string | undefined) => (digest ? digest.slice(0, 'sha256:'.length + 12) : '-');

interface ReleasesAfter {
  declared: boolean;
  valid: boolean;
  /** The file's entries within the role's paths (the served file, edited or not). */
  entries: Map<string, string>;
  threshold: number;
  /** Signer names (or `key abc1234`) of the role's keys, one per distinct key holder. */
  names: string[];
}

function entriesOf(targets: Targets | undefined, paths: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, meta] of targets?.targets ?? []) if (isPathAllowed(name, paths)) out.set(name, withPrefix(meta.hex('sha256') ?? ''));
  return out;
}

/** No `targets/releases` declared: only `targets` releases tags. */
const NO_RELEASES: ReleasesAfter = { declared: false, valid: false, entries: new Map(), threshold: 0, names: [] };

function releasesAfter(before: ImpactBefore, after: PlannedRoleFiles, targets: Targets): ReleasesAfter {
  const declaration = targets.getDelegation(RELEASES_ROLE);
  if (!declaration) return NO_RELEASES;
  const names = signerNames(targets);
  const keys = targets.delegationKeysOf(declaration);
  const nameOf = (id: string) => names.get(id) ?? `key ${id.slice(0, 7)}`;
  const allNames = [...new Set(keys.map((k) => nameOf(canonicalIdOf(k))))].sort();
  const base = { declared: true, threshold: declaration.threshold, names: allNames };
  if (after.editedRoles.includes(RELEASES_ROLE)) {
    return { ...base, valid: true, entries: entriesOf(after.current(RELEASES_ROLE), declaration.paths) };
  }
  const file = currentFile(before.trusted, RELEASES_ROLE);
  if (!file) return { ...base, valid: false, entries: new Map() };
  const result = verificationResult(file.signedCanonicalBytes(), file.signatures, { keyids: declaration.keyIds, threshold: declaration.threshold }, targets.delegationKeys);
  const expired = !before.trusted.delegations.has(RELEASES_ROLE) && before.trusted.refusedDelegations.get(RELEASES_ROLE)?.error.reason === 'expired';
  return { ...base, valid: result.verified && !expired, entries: entriesOf(file.signed, declaration.paths) };
}

/** What docker pull resolves for every tag after the change (tag -> `sha256:…`). */
function pulledAfter(releases: ReleasesAfter, targets: Targets): Map<string, string> {
  const out = new Map<string, string>();
  if (releases.valid) for (const [tag, digest] of releases.entries) out.set(tag, digest);
  for (const [tag, meta] of targets.targets) if (!out.has(tag)) out.set(tag, withPrefix(meta.hex('sha256') ?? ''));
  return out;
}

/** What docker pull resolves for every tag today. */
function pulledBefore(view: RepositoryView): Map<string, string> {
  const out = new Map<string, string>();
  for (const tag of new Set(view.releasedTags().map((t) => t.tag))) {
    const row = pulledRow(view, tag);
    if (row) out.set(tag, withPrefix(row.digest));
  }
  return out;
}

const anyOf = (names: readonly string[], needed: number) =>
  names.length === 0
    ? 'a holder of a targets/releases key'
    : names.length === 1
      ? names[0]!
      : needed <= 1
        ? names.join(' or ')
        : `${needed} of ${names.join(', ')}`;

/**
 * The `trust-tui sign` that re-signs targets/releases for these tags. Signing one tag re-signs the
 * whole role file (a new version over every entry, see src/trust/publish.ts editableState), so one
 * command brings them all back; several would only race as signing requests on one base.
 */
function signCommand(gun: string, tags: readonly string[]): string {
  const [first, ...rest] = tags;
  return `trust-tui sign ${gun}:${first}${rest.length ? ` — it re-signs the whole role, ${rest.join(', ')} included` : ''}`;
}

function repairsFor(gun: string, lost: readonly TagChange[], changed: readonly TagChange[], releases: ReleasesAfter): Repair[] {
  const out: Repair[] = [];
  const tags = (list: readonly TagChange[]) => list.map((t) => t.tag);
  if (lost.length > 0) {
    if (!releases.declared) {
      out.push({
        tags: tags(lost),
        who: [],
        needed: 1,
        text: `the repository owner must add a signer (trust-tui signer add ${gun} NAME --key FILE) who then signs ${tags(lost).join(', ')} again, or sign them into targets with the repository key`,
      });
    } else if (!releases.valid) {
      // Signing it again makes a new version (the server takes only a higher one), whose bytes nobody
      // has signed: the threshold counts afresh, over all of the role's keys.
      const needed = Math.max(1, releases.threshold);
      const who = releases.names;
      out.push({
        tags: tags(lost),
        who,
        needed,
        text:
          who.length >= needed
            ? `${anyOf(who, needed)} must sign targets/releases again (${signCommand(gun, tags(lost))}, or approve its signing request) to release ${tags(lost).join(', ')}`
            : `targets/releases would need ${releases.threshold} signatures and only ${who.length} of its keys are left: its keys or threshold must change before ${tags(lost).join(', ')} can be released`,
      });
    } else {
      // Releases verifies but no longer holds the tag (revoked): its signers sign it again, as many
      // as its threshold (the first one's sign opens a signing request the others approve).
      const needed = Math.max(1, releases.threshold);
      for (const t of lost) {
        out.push({
          tags: [t.tag],
          who: releases.names,
          needed,
          text: `${anyOf(releases.names, needed)} must sign ${t.tag} (${short(t.before)}) into targets/releases (trust-tui sign ${gun}:${t.tag}${needed > 1 ? ', then the others approve its signing request' : ''})`,
        });
      }
    }
  }
  for (const t of changed) {
    // Signing the tag into releases again makes a new version: its threshold counts afresh, over all
    // of the role's keys.
    const needed = releases.declared ? Math.max(1, releases.threshold) : 1;
    out.push({
      tags: [t.tag],
      who: releases.names,
      needed,
      text: releases.declared
        ? `to pull ${short(t.before)} for ${t.tag} again, ${anyOf(releases.names, needed)} must sign it into targets/releases`
        : `to pull ${short(t.before)} for ${t.tag} again, the repository owner must sign it into targets (or add a signer who signs it)`,
    });
  }
  return out;
}

function dockerfileBreaks(gun: string, inputs: readonly DockerfileInput[], before: Map<string, string>, after: Map<string, string>): DockerfileBreak[] {
  const out: DockerfileBreak[] = [];
  for (const { file, froms } of inputs) {
    for (const from of froms) {
      if (from.base.kind !== 'image') continue;
      let ref;
      try {
        ref = parseReference(from.base.reference);
      } catch {
        continue; // `verify --dockerfile` reports unparsable references
      }
      // A digest alone is pulled without trust data: no tag of this repository decides it.
      if (ref.gun !== gun || (ref.tag === undefined && ref.digest !== undefined)) continue;
      const tag = ref.tag ?? DEFAULT_TAG;
      const was = before.get(tag);
      const will = after.get(tag);
      if (was === undefined || was === will) continue;
      const pinned = ref.digest?.toLowerCase();
      if (pinned !== undefined && pinned !== was) continue; // already does not build: not this change's doing
      const where = { file, line: from.line, text: from.text, image: from.base.reference, tag };
      if (will === undefined) {
        out.push({ ...where, reason: 'not-pullable', message: `${tag} would no longer be pullable with content trust` });
      } else if (pinned !== undefined) {
        out.push({ ...where, reason: 'pinned-digest-mismatch', message: `the pinned ${short(pinned)} would no longer be the signed digest of ${tag} (${short(will)})` });
      } else {
        out.push({ ...where, reason: 'different-image', message: `would build from a different image: ${tag} would pull ${short(will)} instead of ${short(was)}` });
      }
    }
  }
  return out;
}

/** The impact of publishing `after` over `before` (see the top of this file). */
export function impactOf(before: ImpactBefore, after: PlannedRoleFiles, dockerfiles: readonly DockerfileInput[] = []): Impact {
  const gun = before.view.gun;
  const targets = after.current('targets');
  const releases = targets ? releasesAfter(before, after, targets) : NO_RELEASES;
  const was = pulledBefore(before.view);
  const will = targets ? pulledAfter(releases, targets) : new Map<string, string>();
  const lost: TagChange[] = [];
  const changed: TagChange[] = [];
  const gained: TagChange[] = [];
  const unchanged: string[] = [];
  // docker's order (natural: v2 before v10), as `docker trust inspect` lists tags.
  for (const tag of [...new Set([...was.keys(), ...will.keys()])].sort(naturalCompare)) {
    const b = was.get(tag);
    const a = will.get(tag);
    if (b === a) unchanged.push(tag);
    else if (a === undefined) lost.push({ tag, before: b });
    else if (b === undefined) gained.push({ tag, after: a });
    else changed.push({ tag, before: b, after: a });
  }
  return {
    gun,
    lost,
    changed,
    gained,
    unchanged,
    repair: repairsFor(gun, lost, changed, releases),
    running: lost.length + changed.length > 0 ? [...RUNNING_SENTENCES] : [],
    dockerfiles: dockerfileBreaks(gun, dockerfiles, was, will),
  };
}

/** Whether the change touches what docker pulls at all. */
export function impactIsHarmless(impact: Impact): boolean {
  return impact.lost.length === 0 && impact.changed.length === 0 && impact.dockerfiles.length === 0;
}

/** The impact in words, for the CLI and the UI alike (one line per item, no trailing blank). */
export function impactLines(impact: Impact): string[] {
  const lines: string[] = [];
  if (impact.lost.length > 0) {
    lines.push(`Tags that stop being pullable with content trust: ${impact.lost.map((t) => t.tag).join(', ')}`);
  }
  for (const t of impact.changed) lines.push(`${t.tag} would pull a different image: ${short(t.after)} instead of ${short(t.before)}`);
  if (impact.gained.length > 0) lines.push(`Tags that become pullable: ${impact.gained.map((t) => t.tag).join(', ')}`);
  if (impact.lost.length === 0 && impact.changed.length === 0) {
    lines.push(impact.unchanged.length > 0 ? `Every pullable tag stays pullable as it is (${impact.unchanged.length}).` : 'No tag is pullable before or after.');
  }
  lines.push(...impact.running);
  if (impact.dockerfiles.length > 0) {
    lines.push('Dockerfile lines that would stop building as they do:');
    for (const d of impact.dockerfiles) lines.push(`  ${d.file}:${d.line}  ${d.text}  — ${d.message}`);
  }
  if (impact.repair.length > 0) {
    lines.push('To make them pullable again:');
    for (const r of impact.repair) lines.push(`  ${r.text}`);
  }
  return lines;
}

/**
 * Several repositories' impacts in words (a sweep): only those that change what docker pulls, each
 * line prefixed with its repository, and the running-containers sentences once at the end.
 */
export function combinedImpactLines(impacts: readonly { gun: string; impact: Impact }[]): string[] {
  const harmful = impacts.filter(({ impact }) => !impactIsHarmless(impact));
  if (harmful.length === 0) return impacts.length > 0 ? ['Every pullable tag stays pullable as it is, in every repository.'] : [];
  const lines = harmful.flatMap(({ gun, impact }) =>
    impactLines({ ...impact, running: [] })
      .filter((l) => !l.startsWith('Every pullable tag'))
      .map((l) => `${gun}: ${l.trimStart()}`),
  );
  return [...lines, ...RUNNING_SENTENCES];
}
