// The default requirement: a tag is signed as `docker pull` with DOCKER_CONTENT_TRUST=1 accepts it.
// docker asks notary for the tag in `targets/releases` first, then in `targets`
// (docker/cli cli/command/image/trust.go getTrustedPullTargets -> notary client.GetTargetByName), and
// only a role that verified (threshold met, not expired) counts. Signer roles (`targets/<name>`)
// are never read by a pull; they only say who signed the released digest.
import { naturalCompare, RELEASES_ROLE, type DelegationInfo, type RepositoryView, type SignedTag } from '../../tuf/repository-view.js';
import type { Requirement, RequirementResult, Unsatisfied } from './requirement.js';

/** Order in which docker looks the tag up. */
const PULL_ORDER = [RELEASES_ROLE, 'targets'];
const REPOSITORY_KEY_HOLDER = 'the holder of the repository (targets) key';

export const releasedRequirement: Requirement = {
  name: 'released',
  evaluate(view, target) {
    return target.tag !== undefined ? evaluateTag(view, target.tag, target.digest) : evaluateDigest(view, target.digest!);
  },
};

const withPrefix = (hex: string) => `sha256:${hex}`;

/**
 * Distinct keys (canonical IDs) whose signatures verify on targets/releases. notary counts key IDs,
 * so one key listed twice (as a plain key and as a certificate) meets threshold 2 alone
 * (tuf/signed/verify.go); here it counts once, and such a release does not pass.
 */
function releaseSignatures(view: RepositoryView): { role: DelegationInfo; signedKeys: Set<string>; refused?: 'expired' | 'threshold' } | undefined {
  const role = releaseRole(view);
  const sigs = role ? view.signaturesOf(RELEASES_ROLE) : undefined;
  if (!role || !sigs) return undefined;
  const canonical = new Map(role.keys.map((k) => [k.id, k.canonicalId]));
  const signedKeys = new Set(sigs.validKeyIds.map((id) => canonical.get(id) ?? id));
  return { role, signedKeys, ...(sigs.refused ? { refused: sigs.refused } : {}) };
}

function releasesShortOfKeys(view: RepositoryView): boolean {
  const r = releaseSignatures(view);
  return r !== undefined && r.refused === undefined && r.signedKeys.size < r.role.threshold;
}

/** The row docker pull would use for `tag`: from targets/releases when it holds the tag, else targets. */
export function pulledRow(view: RepositoryView, tag: string): SignedTag | undefined {
  const rows = view.tag(tag);
  const shortOfKeys = releasesShortOfKeys(view);
  for (const role of PULL_ORDER) {
    if (role === RELEASES_ROLE && shortOfKeys) continue;
    const row = rows.find((r) => r.releasedBy.includes(role));
    if (row) return row;
  }
  return undefined;
}

function satisfied(view: RepositoryView, row: SignedTag): RequirementResult {
  const tags = view
    .releasedTags()
    .filter((t) => t.digest === row.digest)
    .map((t) => t.tag);
  return {
    satisfied: true,
    digest: withPrefix(row.digest),
    size: row.length,
    releasedBy: [...row.releasedBy],
    // docker names only the signers' own roles; a k-of-n release was also signed by its approvers.
    signers: view.whoSigned(row),
    tags: [...new Set(tags)],
  };
}

function evaluateTag(view: RepositoryView, tag: string, pinned: string | undefined): RequirementResult {
  const row = pulledRow(view, tag);
  if (row) {
    if (pinned === undefined || withPrefix(row.digest) === pinned) return satisfied(view, row);
    const other = view.releasedTags().filter((t) => withPrefix(t.digest) === pinned).map((t) => t.tag);
    return {
      satisfied: false,
      reason: 'digest-mismatch',
      message:
        `the pinned digest ${pinned} is not the one signed for ${tag} (${withPrefix(row.digest)})` +
        (other.length ? `; it is signed as ${other.join(', ')}` : '; no released tag has it'),
      missing: [],
      needed: 0,
      signedDigest: withPrefix(row.digest),
    };
  }
  return notReleased(view, tag, (t) => t === tag, `${tag}`);
}

function evaluateDigest(view: RepositoryView, digest: string): RequirementResult {
  const shortOfKeys = releasesShortOfKeys(view);
  const rows = view
    .releasedTags()
    .filter((t) => withPrefix(t.digest) === digest && (!shortOfKeys || t.releasedBy.includes('targets')));
  // docker pull by digest skips trust; signed here means: some released tag carries this digest.
  const row = rows.find((r) => r.releasedBy.includes(RELEASES_ROLE)) ?? rows[0];
  if (row) return satisfied(view, row);
  return notReleased(view, digest, undefined, `digest ${digest}`, digest);
}


function releaseRole(view: RepositoryView): DelegationInfo | undefined {
  return view.delegations().find((d) => d.role === RELEASES_ROLE && d.parent === 'targets');
}

/** Who may release: the keys of targets/releases (as signer names), else the repository key holder. */
function releasers(view: RepositoryView, releases: DelegationInfo | undefined): string[] {
  if (!releases) return [REPOSITORY_KEY_HOLDER];
  const owners = view.keyOwners();
  return [...new Set(releases.keys.flatMap((k) => owners(k.canonicalId)))].sort(naturalCompare);
}

/** `alice`, `one of alice, bob`, `2 of alice, bob, carol`, `alice and bob` (k of the names must sign). */
function whoMust(names: string[], k = 1): string {
  if (names.length === 1) return names[0]!;
  if (k >= names.length) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${k === 1 ? 'one' : k} of ${names.join(', ')}`;
}

/** Signatures a new version of targets/releases needs (its threshold; 1 without the role). */
const releaseThreshold = (releases: DelegationInfo | undefined) => Math.max(1, releases?.threshold ?? 1);

function notReleased(
  view: RepositoryView,
  subject: string,
  matchesTag: ((tag: string) => boolean) | undefined,
  label: string,
  digest?: string,
): Unsatisfied {
  const matches = (t: { tag: string; digest: string }) => (matchesTag ? matchesTag(t.tag) : withPrefix(t.digest) === digest);
  const releases = releaseRole(view);
  const who = releasers(view, releases);
  const sigs = releaseSignatures(view);
  const inReleases = view.releasedTags({ includeUnverified: true }).some((t) => t.releasedBy.includes(RELEASES_ROLE) && matches(t));

  if (releases && sigs && inReleases && (sigs.refused !== undefined || sigs.signedKeys.size < releases.threshold)) {
    if (sigs.refused === 'expired') {
      return {
        satisfied: false,
        reason: 'expired',
        message: `${label} is in ${RELEASES_ROLE}, which has expired; ${whoMust(who, releaseThreshold(releases))} must re-sign it`,
        missing: who,
        needed: releaseThreshold(releases),
      };
    }
    const signedKeys = sigs.signedKeys;
    const owners = view.keyOwners();
    const signed = [...new Set([...signedKeys].flatMap(owners))].sort(naturalCompare);
    const unsigned = [...new Set(releases.keys.filter((k) => !signedKeys.has(k.canonicalId)).map((k) => k.canonicalId))];
    const missing = [...new Set(unsigned.flatMap(owners))].filter((n) => !signed.includes(n)).sort(naturalCompare);
    const needed = Math.max(1, releases.threshold - signedKeys.size);
    return {
      satisfied: false,
      reason: 'below-threshold',
      message:
        `${label} is in ${RELEASES_ROLE}, which has ${signedKeys.size} of ${releases.threshold} required signatures` +
        `${signed.length ? ` (${signed.join(', ')})` : ''}; ` +
        (missing.length === 0
          ? 'no other key of it is left to sign (a key listed under two IDs counts once): its keys or threshold must change'
          : `waiting on ${needed === missing.length ? missing.join(', ') : `${needed} more: ${missing.join(' or ')}`}`),
      missing,
      needed,
    };
  }

  const signerRoles = matchesTag
    ? view.rolesHolding(subject).filter((e) => !PULL_ORDER.includes(e.role))
    : [...view.targetsByRole().entries()].filter(([role]) => !PULL_ORDER.includes(role)).flatMap(([, entries]) => entries.filter((e) => withPrefix(e.digest) === digest));
  if (signerRoles.length > 0) {
    const by = [...new Set(signerRoles.map((e) => e.role))];
    return {
      satisfied: false,
      reason: 'signer-only',
      message: `${label} is signed only by ${by.join(', ')}, which docker pull does not read; not released: ${whoMust(who, releaseThreshold(releases))} must sign it into ${releases ? RELEASES_ROLE : 'targets'}`,
      missing: who,
      needed: releaseThreshold(releases),
    };
  }
  return {
    satisfied: false,
    reason: 'not-signed',
    message: `${label} is not signed; ${whoMust(who, releaseThreshold(releases))} must sign it`,
    missing: who,
    needed: releaseThreshold(releases),
  };
}
