// Trust pinning and TOFU for a root (notary trustpinning/trustpin.go, NewTrustPinChecker):
// exactly ONE mechanism decides which root certificates may vouch for a root —
//   1. pinned certificate IDs (TUF key IDs of the x509 root keys),
//   2. else a pinned CA that must have issued the leaf,
//   3. else TOFU (any valid certificate over TLS), unless TOFU is disabled and no root is cached yet.
// The chosen certificates must then meet the root's threshold (checked by the TrustedSet).
import { type UsableRootKey } from '../tuf/root-keys.js';
import { matchesPinnedCerts, verifiedByCA } from '../tuf/trust-pinning.js';
import type { RootKeyFilter } from '../tuf/trusted-set.js';
import { TufError } from '../tuf/errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { canonicalIdOf } from '../tuf/verification.js';

export interface TrustPolicy {
  /** Trust on first use: accept a root nobody pinned when it arrives over verified TLS. */
  tofu: boolean;
  /** TUF key IDs of the pinned root certificates (the `*-x509` IDs). */
  pinnedCerts?: readonly string[];
  /** PEM text of the pinned CA bundle. */
  pinnedCa?: string;
  /**
   * Root keys a signing policy pins (canonical or certificate TUF IDs): on first contact they are the
   * trust anchor — the root's threshold is counted over them only, so a root they do not sign is
   * refused before anything of it is cached. A root already trusted here is checked by the caller.
   */
  rootAnchor?: { keyIds: readonly string[]; source: string };
}

/** notary's message when no certificate satisfies the pins. */
export class RootPinningError extends TufError {
  override name = 'RootPinningError';
}

/**
 * The filter a TrustedSet applies to a root's usable keys when trust is first established (from the
 * cache or the server) and on every rotation. It throws RootPinningError when nothing is left.
 */
export function rootKeyFilter(policy: TrustPolicy): RootKeyFilter {
  const pins = pinFilter(policy);
  const anchor = policy.rootAnchor;
  if (!anchor) return pins;
  const ids = new Set(anchor.keyIds);
  return (usable, context) => {
    if (context.alreadyTrusted) return pins(usable, context);
    // The anchor stands in for TOFU: a first contact needs no trust-on-first-use when the key is pinned.
    const accepted = pins(usable, { ...context, alreadyTrusted: true }).filter((k) => ids.has(k.key.id) || ids.has(canonicalIdOf(k.key)));
    if (accepted.length === 0) {
      throw new RootPinningError(
        `the root of ${context.gun} is not signed by the root key ${anchor.source} pins (pinned: ${anchor.keyIds.map(shortKeyId).join(', ')}); nothing from it was used or cached`,
        {
          hint: {
            cli: `if the repository's root key was rotated on purpose, put its ID in root.keys of ${anchor.source}; otherwise this server does not serve the repository the policy describes`,
            ui: `check root.keys in ${anchor.source}`,
          },
        },
      );
    }
    return accepted;
  };
}

/** The pins of trust-tui's settings (certificates or a CA), else TOFU. */
function pinFilter(policy: TrustPolicy): RootKeyFilter {
  return (usable, { gun, now, alreadyTrusted }) => {
    if (policy.pinnedCerts && policy.pinnedCerts.length > 0) {
      const pinned = matchesPinnedCerts(usable, policy.pinnedCerts);
      if (pinned.length === 0) {
        throw new RootPinningError(
          `the root of ${gun} is not signed by a pinned certificate (pinned: ${policy.pinnedCerts.map(shortKeyId).join(', ')})`,
          { hint: { cli: 'check `trust-tui config pin` or ask the repository owner which root key they use', ui: 'check the pins on the Config screen (5) or ask the repository owner which root key they use' } },
        );
      }
      return pinned;
    }
    if (policy.pinnedCa) {
      const problems: string[] = [];
      const issued = usable.filter((key: UsableRootKey) => {
        const result = verifiedByCA(key.leaf, key.intermediates, [policy.pinnedCa!], { now });
        if (!result.verified && result.problem) problems.push(result.problem);
        return result.verified;
      });
      if (issued.length === 0) {
        throw new RootPinningError(
          `the root certificate of ${gun} was not issued by the pinned CA${problems.length ? ` (${problems[0]})` : ''}`,
          { hint: { cli: 'check `trust-tui config pin`', ui: 'check the pins on the Config screen (5)' } },
        );
      }
      return issued;
    }
    // notary: with TOFU disabled, only a root that is already cached may be used.
    if (!policy.tofu && !alreadyTrusted) {
      throw new RootPinningError(
        `no trusted root for ${gun}: trust on first use is disabled and no pin applies to it`,
        {
          hint: {
            cli: 'pin its root certificate or CA with `trust-tui config pin`, or run `trust-tui config tofu enable`',
            ui: 'pin its root certificate or CA, or enable trust on first use, on the Config screen (5)',
          },
        },
      );
    }
    return usable;
  };
}
