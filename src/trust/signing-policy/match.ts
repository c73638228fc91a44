// Which repository rule of a policy applies to a GUN: `*` matches within one path segment, `**`
// across segments; an exact name beats every pattern, and otherwise the pattern with the most
// literal characters wins (the most specific one), the earlier one on a tie.
import type { RepositoryRule, SigningPolicy } from './schema.js';

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split('**')
    .map((part) => part.split('*').map(escape).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function isPattern(match: string): boolean {
  return match.includes('*');
}

export function matchesGun(match: string, gun: string): boolean {
  return isPattern(match) ? patternRegExp(match).test(gun) : match === gun;
}

export function ruleFor(policy: SigningPolicy, gun: string): RepositoryRule | undefined {
  let best: RepositoryRule | undefined;
  let bestScore = -1;
  for (const rule of policy.repositories) {
    if (!matchesGun(rule.match, gun)) continue;
    const score = isPattern(rule.match) ? rule.match.replace(/\*/g, '').length : Number.MAX_SAFE_INTEGER;
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/** The root keys the policy pins for `gun`, as the trust anchor of a first contact (src/notary/root-pinning.ts). */
export function rootAnchorFor(policy: SigningPolicy, gun: string): { keyIds: string[]; source: string } | undefined {
  const keys = ruleFor(policy, gun)?.rootKeys;
  return keys?.length ? { keyIds: keys, source: policy.source ?? 'the signing policy' } : undefined;
}
