// `verify --policy FILE`: an image is signed as required when the deployability rule of the policy's
// most specific matching repository entry holds for its tag (src/trust/signing-policy/deployable.ts).
// Where the entry's rule is docker's own (`released`, or no entry matches), the precise release check
// of released.ts decides (thresholds over distinct keys, expiry), after the entry's root pin.
import type { RepositoryView } from '../../tuf/repository-view.js';
import { evaluateRule, rootPinMatches, tagNames, type DeployVerdict } from '../signing-policy/deployable.js';
import { rootAnchorFor, ruleFor } from '../signing-policy/match.js';
import { KeyNames } from '../signing-policy/names.js';
import type { SigningPolicy } from '../signing-policy/schema.js';
import { releasedRequirement } from './released.js';
import type { Requirement, RequirementResult, VerifyTarget } from './requirement.js';

export function policyRequirement(policy: SigningPolicy, file: string): Requirement {
  return {
    name: `policy ${file}`,
    // docker's rule then decides (below); said per image, so that a pattern with a typo is seen.
    nameFor: (gun) => (ruleFor(policy, gun) ? undefined : `released: no entry of ${file} matches ${gun}`),
    rootAnchor: (gun) => rootAnchorFor(policy, gun),
    evaluate(view: RepositoryView, target: VerifyTarget): RequirementResult {
      const rule = ruleFor(policy, view.gun);
      if (rootPinMatches(rule, view) === false) {
        return { satisfied: false, reason: 'policy-not-met', message: `the root key of ${view.gun} is not the one ${file} pins`, missing: [], needed: 0 };
      }
      if (!rule?.deployable || rule.deployable.kind === 'released') return releasedRequirement.evaluate(view, target);
      const names = new KeyNames(policy, view);
      if (target.tag === undefined) {
        // A digest alone: deployable when some tag that meets the rule has exactly this digest.
        const hex = target.digest!.replace(/^sha256:/, '');
        const verdicts = tagNames(view).map((tag) => evaluateRule(rule, view, tag, names));
        const meeting = verdicts.filter((v) => v.deployable && v.digest === hex);
        if (meeting.length > 0) return satisfied(view, meeting[0]!, meeting.map((v) => v.tag));
        return { satisfied: false, reason: 'not-signed', message: `no tag of ${view.gun} with digest ${target.digest} meets ${verdicts[0]?.rule ?? 'the policy'}`, missing: [], needed: 1 };
      }
      const verdict = evaluateRule(rule, view, target.tag, names);
      if (!verdict.deployable) return unsatisfied(verdict);
      if (target.digest !== undefined && `sha256:${verdict.digest}` !== target.digest) {
        return {
          satisfied: false,
          reason: 'digest-mismatch',
          message: `${target.tag} is signed for sha256:${verdict.digest}, not ${target.digest}`,
          missing: [],
          needed: 0,
          signedDigest: `sha256:${verdict.digest}`,
        };
      }
      return satisfied(view, verdict, [target.tag]);
    },
  };
}

function satisfied(view: RepositoryView, verdict: DeployVerdict, tags: string[]): RequirementResult {
  const holder = verdict.holders.find((h) => h.digest === verdict.digest)!;
  const entry = view.targetsByRole().get(holder.role)?.find((e) => e.name === verdict.tag);
  const roles = verdict.holders.filter((h) => h.digest === verdict.digest).map((h) => h.role);
  return {
    satisfied: true,
    digest: `sha256:${verdict.digest}`,
    size: entry?.meta.length ?? 0,
    releasedBy: roles,
    signers: roles.filter((r) => r.startsWith('targets/') && r !== 'targets/releases').map((r) => r.slice('targets/'.length)),
    tags,
  };
}

function unsatisfied(verdict: DeployVerdict): RequirementResult {
  const missing = [...new Set(verdict.missing.flatMap((m) => (m.signers.length ? m.signers : [m.role])))];
  return {
    satisfied: false,
    reason: verdict.holders.length === 0 ? 'not-signed' : 'policy-not-met',
    message: `${verdict.tag}: ${verdict.reason}`,
    missing,
    needed: Math.max(1, verdict.missing.length),
  };
}
