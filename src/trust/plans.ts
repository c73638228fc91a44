// Destructive operations as one plan object: src/trust builds it (what changes, what the user types
// to confirm, why it would be refused), the UI shows exactly it, and executePlan carries out exactly
// it. Before changing anything, executePlan plans again from the server's current state and refuses
// when that differs from what was shown, so a stale preview can never stand for another change.
import { RepositoryEditor } from '../tuf/editor.js';
import type { PublishedRoleChange } from '../tuf/repository-diff.js';
import { hintOf } from '../tuf/errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { GoTime } from '../tuf/time.js';
import type { TrustContext } from './context.js';
import { changedSincePreview, TrustError } from './errors.js';
import { editableState } from './publish.js';
import { openRepository, type OpenedRepository } from './repository.js';
import { describePublishedChanges } from './published-changes.js';
import { carryOutRevocation, planRevokeTag, revocationImpact, splitBySigners } from './revoke.js';
import type { Impact } from './impact.js';
import { planRemoval, type RemovalPlan, type RemovalTarget, type RoleChange } from './signer-removal.js';
import { carryOut, describeRoleChange, heldKeys, needsReleasesRequest, releasesRefusal, removalImpact } from './signers.js';

/**
 * How carrying a plan out lands: published at once; held in a signing request until the other
 * signers sign (nothing is published now); or both, when this host can sign some roles alone.
 */
export type PlanDelivery = 'publish' | 'request' | 'publish-and-request';

interface PlanText {
  gun: string;
  /**
   * The repository's snapshot version when the preview was made. Any change published since (a tag
   * signed again with another digest, a signer added) gives a new snapshot: the plan is then refused.
   */
  snapshotVersion: number;
  /** "Revoke registry.example.com/app:v1" */
  title: string;
  /** What the user types to confirm. */
  confirmText: string;
  /** One sentence per change. */
  changes: string[];
  tagsLosingLastSignature: string[];
  /** What carrying it out does to docker pull (unset when it would be refused). */
  impact?: Impact;
  delivery: PlanDelivery;
  /** Set when carrying the plan out would be refused (nothing can be confirmed). */
  refusal?: string;
  /** The status line once it is done. */
  doneMessage: string;
}

export interface RevokeTagPlan extends PlanText {
  kind: 'revoke-tag';
  tag: string;
  /** Roles the tag is removed from (those this host can sign). */
  roles: string[];
  /** Roles that keep the tag (signed by keys this host does not hold). */
  remaining: string[];
}

export interface SignerRemovalPlan extends PlanText {
  kind: 'remove-signer' | 'remove-signer-key';
  signer: string;
  /** Canonical key ID (remove-signer-key). */
  keyId?: string;
  roleChanges: RoleChange[];
  skipped: { role: string; parent: string }[];
}

export type DestructivePlan = RevokeTagPlan | SignerRemovalPlan;


export async function planTagRevocation(ctx: TrustContext, gun: string, tag: string): Promise<RevokeTagPlan> {
  const { plan: result, repo, editor } = await planRevokeTag(ctx, `${gun}:${tag}`);
  const delivery = await revocationDelivery(ctx, editor, result.roles);
  return {
    kind: 'revoke-tag',
    gun: result.gun,
    snapshotVersion: snapshotVersionOf(repo),
    tag,
    roles: result.roles,
    remaining: result.remaining,
    title: `Revoke ${result.gun}:${tag}`,
    confirmText: tag,
    changes: [
      ...result.roles.map((role) => `${tag} is removed from ${role}`),
      ...result.remaining.map((role) => `${tag} stays in ${role} (this host holds none of its keys)`),
    ],
    tagsLosingLastSignature: result.staysReleased ? [] : [tag],
    delivery,
    impact: revocationImpact(repo, result),
    doneMessage: `Revoked ${result.gun}:${tag}`,
  };
}

/** How a revocation lands: roles this host signs alone are published, the others wait in a request. */
async function revocationDelivery(ctx: TrustContext, editor: RepositoryEditor, roles: readonly string[]): Promise<PlanDelivery> {
  const { alone, collect } = await splitBySigners(ctx, editor, roles);
  if (collect.length === 0) return 'publish';
  return alone.length === 0 ? 'request' : 'publish-and-request';
}

function removalTarget(signer: string, keyId: string | undefined): RemovalTarget {
  return keyId === undefined ? { signer } : { signer, keyIds: [keyId] };
}

async function openRemoval(ctx: TrustContext, gun: string, signer: string, keyId: string | undefined) {
  const repo = await openRepository(ctx, gun, { toPublish: true });
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  const removal = planRemoval(repo.state!.view, editor, await heldKeys(ctx), removalTarget(signer, keyId));
  return { repo, editor, removal };
}

function refusalOf(removal: RemovalPlan, what: string, gun: string): string | undefined {
  if (removal.changes.length === 0) return `this host can sign none of the roles that use ${what} in ${gun}: nothing would change`;
  const refusal = releasesRefusal(removal, what, gun, true);
  return refusal && `${refusal.message}; ${hintOf(refusal, 'ui')}`;
}

/** Removing a whole signer (`keyId` unset), or one key of that signer only. */
export async function planSignerRemoval(ctx: TrustContext, gun: string, signer: string, keyId?: string): Promise<SignerRemovalPlan> {
  const { repo, removal } = await openRemoval(ctx, gun, signer, keyId);
  const what = keyId === undefined ? `signer ${signer}` : `key ${shortKeyId(keyId)} of signer ${signer}`;
  const refusal = refusalOf(removal, what, repo.gun);
  return {
    kind: keyId === undefined ? 'remove-signer' : 'remove-signer-key',
    gun: repo.gun,
    snapshotVersion: snapshotVersionOf(repo),
    signer,
    ...(keyId !== undefined ? { keyId } : {}),
    roleChanges: removal.changes,
    skipped: removal.skipped,
    title: keyId === undefined ? `Remove signer ${signer} from ${repo.gun}` : `Remove key ${shortKeyId(keyId)} from signer ${signer} of ${repo.gun}`,
    confirmText: keyId === undefined ? signer : shortKeyId(keyId),
    changes: [
      ...removal.changes.map(describeRoleChange),
      ...removal.skipped.map((s) => `${s.role} is left unchanged: this host cannot sign its parent ${s.parent}`),
    ],
    tagsLosingLastSignature: removal.tagsLosingRelease.map((t) => t.tag),
    // A request carries the parent and the re-signed releases together (signers.ts carryOut).
    delivery: needsReleasesRequest(removal) ? 'request' : 'publish',
    ...(refusal ? { refusal } : { impact: removalImpact(repo.state!, removal, needsReleasesRequest(removal)) }),
    doneMessage: keyId === undefined ? `Removed signer ${signer} from ${repo.gun}` : `Removed key ${shortKeyId(keyId)} from signer ${signer}`,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const snapshotVersionOf = (repo: OpenedRepository): number => repo.state?.trusted.snapshot?.signed.version ?? 0;

/** What a carried-out plan did, as read back and verified from the server after publishing. */
export interface PlanOutcome {
  plan: DestructivePlan;
  /** One sentence per role the publish changed. */
  changes: string[];
  /** Tags docker can no longer pull with content trust. */
  tagsNoLongerReleased: string[];
  /** The status line: the plan's done message and every role it changed. */
  message: string;
  /** The change waits in a signing request (nothing was published). */
  request?: { id: string; location: string; status: string };
}

function outcomeOf(plan: DestructivePlan, changes: readonly PublishedRoleChange[], tagsNoLongerReleased: string[]): PlanOutcome {
  const lines = describePublishedChanges(changes);
  const lost = tagsNoLongerReleased.length ? [`no longer released: ${tagsNoLongerReleased.join(', ')}`] : [];
  const details = [...lines, ...lost];
  return { plan, changes: lines, tagsNoLongerReleased, message: details.length ? `${plan.doneMessage}: ${details.join('; ')}` : plan.doneMessage };
}

/** Carries out exactly `plan` (the user has confirmed it), or changes nothing. */
export async function executePlan(ctx: TrustContext, plan: DestructivePlan): Promise<PlanOutcome> {
  if (plan.refusal) throw new TrustError(`${plan.refusal}; nothing was changed`);
  if (plan.kind === 'revoke-tag') {
    const { repo, editor, plan: now } = await planRevokeTag(ctx, `${plan.gun}:${plan.tag}`);
    if (snapshotVersionOf(repo) !== plan.snapshotVersion) throw changedSincePreview(plan.gun);
    const delivery = await revocationDelivery(ctx, editor, now.roles);
    if (!same([now.roles, now.remaining, delivery], [plan.roles, plan.remaining, plan.delivery])) throw changedSincePreview(plan.gun);
    const done = await carryOutRevocation(ctx, repo, editor, now);
    return outcomeOf(plan, done.changes, done.released ? [] : [plan.tag]);
  }
  const { repo, editor, removal } = await openRemoval(ctx, plan.gun, plan.signer, plan.keyId);
  if (snapshotVersionOf(repo) !== plan.snapshotVersion) throw changedSincePreview(plan.gun);
  if (!same([removal.changes, removal.skipped], [plan.roleChanges, plan.skipped])) throw changedSincePreview(plan.gun);
  const what = plan.keyId === undefined ? `signer ${plan.signer}` : `key ${shortKeyId(plan.keyId)} of signer ${plan.signer}`;
  // The tags that lose their last signature were in the confirmed preview: nothing more to ask.
  const done = await carryOut(ctx, repo, editor, removal, what, plan.keyId ?? plan.signer, { yes: true });
  if (done.request) {
    const message = `Signing request ${done.request.id} opened (${done.request.status}): ${done.request.location}`;
    return { plan, changes: [], tagsNoLongerReleased: [], message, request: done.request };
  }
  return outcomeOf(plan, done.changes, done.tagsNoLongerReleased);
}
