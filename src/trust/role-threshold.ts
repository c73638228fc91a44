// `role threshold REPO ROLE K`: how many distinct keys of a delegation must sign each of its
// versions. Raising it never hides tags: the current file is re-signed in the same upload, or a
// signing request collects the missing signatures (see thresholds.ts).
import { requireWritableDir } from '../config/writable.js';
import { delegationNameProblem, parentRoleName } from '../tuf/delegation.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { diffRepository, type PublishedRoleChange } from '../tuf/repository-diff.js';
import { GoTime } from '../tuf/time.js';
import { distinctCanonicalKeys } from '../tuf/verification.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { InputError, TrustError } from './errors.js';
import { editableState, heldKeyIds } from './publish.js';
import { openRepository } from './repository.js';
import type { RequestEvaluation } from './requests/evaluate.js';
import { signerNames } from './requests/evaluate.js';
import { publishParentChange, roleArgument, type ChildImpact, type ParentChangeOptions } from './thresholds.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import type { Impact } from './impact.js';

export interface ThresholdResult {
  gun: string;
  role: string;
  from: number;
  to: number;
  /** The role's distinct keys, by signer name where docker's layout names them. */
  keys: string[];
  /** What happened: `published`, `request` (opened, waiting on signatures) or `dry-run`. */
  outcome: 'published' | 'request' | 'dry-run';
  /** Children re-signed in the same upload. */
  bundled: string[];
  /** Children hidden (only with --force). */
  unreleased: ChildImpact[];
  needSignatures: ChildImpact[];
  request?: { id: string; location: string; status: string; evaluation: RequestEvaluation };
  /** `--dry-run`: what the change would do to docker pull. */
  impact?: Impact;
  published: string[];
  changes: PublishedRoleChange[];
}

export async function setRoleThreshold(
  ctx: TrustContext,
  input: string,
  roleInput: string,
  threshold: number,
  options: ServerOptions & Omit<ParentChangeOptions, 'note'> = {},
): Promise<ThresholdResult> {
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new InputError(`threshold must be a whole number of at least 1, not ${threshold}`);
  const role = roleArgument(roleInput);
  const problem = delegationNameProblem(role);
  if (problem) throw new InputError(`${roleInput} is not a delegation name: ${problem}`);
  if (!options.dryRun) await requireWritableDir(ctx.trustDir);
  const repo = await openRepository(ctx, input, { ...options, toPublish: !options.dryRun });
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const parent = parentRoleName(role);
  const parentModel = editor.current(parent);
  const declared = parentModel?.getDelegation(role);
  if (!parentModel || !declared) throw new InputError(`${repo.gun} has no role ${role}`, { hint: { cli: `see trust-tui signer list ${repo.gun}`, ui: 'see the Signers screen (3)' } });
  const distinct = distinctCanonicalKeys(declared.keyIds, parentModel.delegationKeys);
  const names = signerNames(parentModel);
  const keyNames = distinct.map((id) => names.get(id) ?? shortKeyId(id));
  if (threshold > distinct.length) {
    throw new InputError(`threshold ${threshold} for ${role} of ${repo.gun} can never be met: it has ${distinct.length} distinct key(s) (${keyNames.join(', ')})`, {
      hint: { cli: `add signers first (trust-tui signer add ${repo.gun} NAME --key FILE)`, ui: 'add signers first' },
    });
  }
  if (threshold === declared.threshold) throw new InputError(`${role} of ${repo.gun} already needs ${threshold} of its ${distinct.length} key(s): nothing to change`);
  const { keys: parentKeys, threshold: parentThreshold } = editor.signingKeys(parent);
  if (!options.dryRun && (await heldKeyIds(ctx, editor, parent)).length < Math.min(parentThreshold, parentKeys.length)) {
    throw new InputError(`this host holds no ${parent} key of ${repo.gun}: only the repository's owner can change ${role}`);
  }
  editor.targets(parent).updateDelegation(role, { threshold });
  const outcome = await publishParentChange(ctx, repo, editor, { ...options, note: `${role}: threshold ${declared.threshold} → ${threshold}` });
  const base = { gun: repo.gun, role, from: declared.threshold, to: threshold, keys: keyNames, bundled: outcome.bundled, unreleased: outcome.unreleased, needSignatures: outcome.needSignatures };
  if (options.dryRun) return { ...base, outcome: 'dry-run', ...(outcome.impact ? { impact: outcome.impact } : {}), published: [], changes: [] };
  if (outcome.request) {
    const r = outcome.request;
    return { ...base, outcome: 'request', request: { id: r.request.id, location: r.location, status: r.evaluation.status, evaluation: r.evaluation }, published: [], changes: [] };
  }
  const published = outcome.published!;
  // Report what the server now serves.
  const now = published.state.view.delegations().find((d) => d.role === role);
  if (now?.threshold !== threshold) throw new TrustError(`published, but ${role} of ${repo.gun} does not declare threshold ${threshold}`);
  return { ...base, outcome: 'published', published: published.published, changes: diffRepository(repo.state!.view, published.state.view) };
}
