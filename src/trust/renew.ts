// `renew`: re-sign the roles whose keys this host holds with a new expiry (each role's default
// lifetime, or `--expires`), and replace a root certificate that is running out by a new self-signed
// certificate over the same root key (root v+1 signed under the old and the new certificate's key ID,
// so every client follows it as a rotation, TUF specification 5.3.4). Roles whose keys others hold
// are listed with who must run it; what the trust server re-signs by itself is said, not pretended.
//
// One plan object: `planRenewal` is the dry run and what the user confirms; `runRenewal` carries
// it out repository by repository after planning each one again and refusing when it changed.
import { X509Certificate } from 'node:crypto';
import { requireWritableDir } from '../config/writable.js';
import { createRootCertificate } from '../tuf/certificate-create.js';
import { certificateToKey } from '../tuf/certs.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { defaultLifetimeDays } from '../tuf/expiry.js';
import type { PublicKey } from '../tuf/key.js';
import { expiresAfter, GoTime } from '../tuf/time.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { InputError, problemAndHint, TrustError } from './errors.js';
import { allKnownRepositories, heldKeyIdSet, repositoryExpiries, ROOT_CERTIFICATE, type ExpiryItem } from './expiry.js';
import { editableState, publish } from './publish.js';
import { openRepository, type OpenedRepository } from './repository.js';
import { explainRootRefusal, heldRootSigners } from './rotate.js';
import type { Hint } from '../tuf/errors.js';
import { parseReference } from '../registry/reference.js';
import { notaryTrustPinnings, type NotaryTrustPinning } from '../config/notary-config.js';
import {
  pinBeside,
  pinFollowUpLine,
  pinFollowUps,
  pinPlanLine,
  pinRefusal,
  pinsOnCertificates,
  unpin,
  type PinFollowUp,
  type PinOnCertificate,
} from './renew-pins.js';

const DAY_MS = 86_400_000;

export interface RenewSelection {
  /** `--role`: only these roles (`root` includes its certificate). Default: every role. */
  roles?: readonly string[];
  /** `--within`: only what ends within this many milliseconds (or has ended). */
  withinMs?: number;
  /** `--expires`: the new lifetime of every renewed role instead of its default. */
  lifetimeMs?: number;
  /** `--update-pins`: go on when pins name a replaced certificate, moving trust-tui's own to the new one. */
  updatePins?: boolean;
}

export interface RoleRenewal {
  role: string;
  /** Current expiry (ISO 8601). */
  expires: string;
  /** The new lifetime in milliseconds (the role's default unless `--expires`). */
  lifetimeMs: number;
}

export interface CertificateRenewal {
  /** The certificate's TUF key ID in root.json now. */
  keyId: string;
  /** The root key it wraps (canonical ID): the new certificate wraps the same key. */
  canonicalId: string;
  notAfter: string;
}

export interface LeftToOthers {
  role: string;
  expires: string;
  who: string;
  keyIds: string[];
  command: string;
}

export interface RepositoryRenewal {
  gun: string;
  /** Roles this host re-signs, parents first. */
  roles: RoleRenewal[];
  /** Root certificates replaced (root is then re-signed too). */
  certificates: CertificateRenewal[];
  /** In the selection, but signed by keys held elsewhere. */
  others: LeftToOthers[];
  /** In the selection, re-signed by the trust server itself. */
  server: { role: string; expires: string; note: string }[];
  /** Read from the cache: nothing can be published until the server is reachable. */
  offline: boolean;
  /** Pins (trust-tui's, notary configurations') on the certificates replaced: they stop matching. */
  pins: PinOnCertificate[];
  /** Why this repository is not renewed (a pin the replacement breaks), and what to do. */
  refused?: { problem: string; hint: Hint };
}

export interface RenewPlan {
  selection: RenewSelection;
  repositories: RepositoryRenewal[];
  unreadable: { gun: string; problem: string; hint?: Hint }[];
  /** The notary client configurations whose pins were checked. */
  notaryConfigs: NotaryTrustPinning[];
}

export interface RenewedRole {
  role: string;
  version: number;
  /** The expiry the server now serves, read back and verified. */
  expires: string;
}

export interface RenewOutcome {
  gun: string;
  status: 'renewed' | 'nothing' | 'failed' | 'skipped' | 'refused';
  /** What the read-back shows for each renewed role. */
  renewed: RenewedRole[];
  /** New root certificates: TUF key ID and end of validity, from the read-back. */
  certificates: { keyId: string; notAfter: string }[];
  /** Pins on the replaced certificates: trust-tui's now name the new one; notary configurations' are for their owners to change. */
  pins?: PinFollowUp[];
  message?: string;
  hint?: Hint;
}

const BASE_ORDER = ['root', 'targets'];

function selected(item: ExpiryItem, selection: RenewSelection): boolean {
  const role = item.kind === 'certificate' ? 'root' : item.role;
  if (selection.roles?.length && !selection.roles.includes(role)) return false;
  if (selection.withinMs !== undefined) return item.msLeft <= selection.withinMs;
  // A certificate is only replaced when notary warns about it (six months), so pinned certificate IDs
  // do not change without need; roles are re-signed whenever asked.
  if (item.kind === 'certificate') return item.state !== 'valid';
  return true;
}

function checkSelection(selection: RenewSelection): void {
  for (const role of selection.roles ?? []) {
    if (role === ROOT_CERTIFICATE || role === 'root-certificate') {
      throw new InputError(`"${role}" is renewed with --role root`, { hint: 'the root certificate is replaced together with root when it runs out' });
    }
    if (!['root', 'targets', 'snapshot', 'timestamp'].includes(role) && !/^targets\/[^/].*/.test(role)) {
      throw new InputError(`"${role}" is not a role`, { hint: 'use root, targets, snapshot, timestamp or targets/<signer>' });
    }
  }
}

/** One repository's part of the plan, from its current verified state and the pins that apply to it. */
function planRepository(
  ctx: TrustContext,
  repo: OpenedRepository,
  selection: RenewSelection,
  held: ReadonlySet<string>,
  notaryConfigs: readonly NotaryTrustPinning[],
): RepositoryRenewal {
  const { items } = repositoryExpiries(repo.gun, repo.state!, held, new Date());
  const plan: RepositoryRenewal = { gun: repo.gun, roles: [], certificates: [], others: [], server: [], offline: repo.state!.offline, pins: [] };
  const root = repo.state!.trusted.root.signed;
  for (const item of items.filter((i) => selected(i, selection))) {
    const r = item.renewer;
    if (r.kind === 'server') plan.server.push({ role: item.role, expires: item.expires, note: r.note });
    else if (r.kind === 'others') plan.others.push({ role: item.role, expires: item.expires, who: r.who, keyIds: r.keyIds, command: r.command });
    else if (item.kind === 'certificate') plan.certificates.push({ keyId: item.keyId!, canonicalId: root.keys.get(item.keyId!)!.canonicalId, notAfter: item.expires });
    else plan.roles.push({ role: item.role, expires: item.expires, lifetimeMs: selection.lifetimeMs ?? defaultLifetimeDays(item.role) * DAY_MS });
  }
  // A new certificate means a new root: re-sign it even when root's own date was not selected.
  if (plan.certificates.length > 0 && !plan.roles.some((r) => r.role === 'root')) {
    const expires = root.expires.toDate().toISOString();
    plan.roles.push({ role: 'root', expires, lifetimeMs: selection.lifetimeMs ?? defaultLifetimeDays('root') * DAY_MS });
  }
  const rank = (role: string) => (BASE_ORDER.includes(role) ? BASE_ORDER.indexOf(role) : role === 'snapshot' ? 99 : 2 + role.split('/').length);
  plan.roles.sort((a, b) => rank(a.role) - rank(b.role) || (a.role < b.role ? -1 : 1));
  const oldIds = plan.certificates.map((c) => c.keyId);
  plan.pins = pinsOnCertificates(ctx.settings.reload(), notaryConfigs, repo.gun, oldIds);
  const refused = pinRefusal(repo.gun, plan.pins, selection.updatePins === true);
  if (refused) plan.refused = refused;
  return plan;
}

function openForRenewal(ctx: TrustContext, gun: string, options: ServerOptions, toPublish: boolean): Promise<OpenedRepository> {
  return openRepository(ctx, gun, { ...options, tolerateExpiry: true, ...(toPublish ? { toPublish: true } : {}) });
}

export async function planRenewal(
  ctx: TrustContext,
  repositories: readonly string[] | 'all',
  selection: RenewSelection,
  options: ServerOptions & {
    /** notary client configurations whose `trust_pinning` to check (notary's default one is checked when it exists). */
    notaryConfigs?: readonly string[];
    onProgress?: (p: { index: number; total: number; gun: string }) => void;
  } = {},
): Promise<RenewPlan> {
  checkSelection(selection);
  if (repositories !== 'all') {
    if (repositories.length === 0) throw new InputError('name at least one repository, or --all');
    for (const input of repositories) {
      const reference = parseReference(input);
      if (reference.tag || reference.digest) throw new InputError(`${input} names an image, not a repository`, { hint: 'give the repository alone' });
    }
  }
  const guns = repositories === 'all' ? await allKnownRepositories(ctx) : [...new Set(repositories)];
  const held = await heldKeyIdSet(ctx);
  const notaryConfigs = await notaryTrustPinnings(options.notaryConfigs ?? [], {
    env: ctx.env,
    onDefaultProblem: (e) => ctx.warn(`notary's pins were not checked: ${e.message}`),
  });
  const plan: RenewPlan = { selection, repositories: [], unreadable: [], notaryConfigs };
  for (const [index, gun] of guns.entries()) {
    options.onProgress?.({ index: index + 1, total: guns.length, gun });
    try {
      plan.repositories.push(planRepository(ctx, await openForRenewal(ctx, gun, options, false), selection, held, notaryConfigs));
    } catch (e) {
      plan.unreadable.push({ gun, ...problemAndHint(e) });
    }
  }
  return plan;
}

/** What must still hold for a confirmed plan to stand for a repository. */
const shape = (r: RepositoryRenewal) =>
  JSON.stringify([r.roles.map((x) => [x.role, x.expires, x.lifetimeMs]), r.certificates.map((c) => [c.keyId, c.notAfter]), r.pins]);

/** The new certificate over the same root key, valid from now until the new root expires. */
async function newCertificate(ctx: TrustContext, gun: string, cert: CertificateRenewal, now: GoTime, lifetimeMs: number): Promise<PublicKey> {
  const privateKey = await ctx.keys.unlock(cert.canonicalId, ctx.passphrases);
  const pem = await createRootCertificate(privateKey, gun, now.toDate(), lifetimeMs / (365 * DAY_MS));
  return certificateToKey(new X509Certificate(pem));
}

async function renewRepository(ctx: TrustContext, plan: RenewPlan, planned: RepositoryRenewal, options: ServerOptions): Promise<RenewOutcome> {
  const gun = planned.gun;
  if (planned.roles.length === 0) return { gun, status: 'nothing', renewed: [], certificates: [] };
  if (planned.refused) return { gun, status: 'refused', renewed: [], certificates: [], message: planned.refused.problem, hint: planned.refused.hint };
  const selection = plan.selection;
  const repo = await openForRenewal(ctx, gun, options, true);
  const now = planRepository(ctx, repo, selection, await heldKeyIdSet(ctx), plan.notaryConfigs);
  if (shape(now) !== shape(planned) || now.refused) {
    throw new TrustError(`${gun} changed since the dry run, so nothing was changed there`, { hint: 'run renew again to see its new plan' });
  }
  const signedAt = GoTime.now();
  const editor = new RepositoryEditor(editableState(repo.state), signedAt);
  const lifetime = new Map(planned.roles.map((r) => [r.role, r.lifetimeMs]));
  let extraRootSigners;
  /** Old certificate key ID to the new one's. */
  const replacements = new Map<string, string>();
  for (const { role } of planned.roles) {
    if (role === 'root') editor.root();
    else if (role !== 'snapshot') editor.targets(role); // re-signed as it is: version + 1, new expiry
  }
  if (planned.certificates.length > 0) {
    const root = editor.root();
    const replaced = new Map<string, PublicKey>();
    for (const cert of planned.certificates) {
      const key = await newCertificate(ctx, gun, cert, signedAt, lifetime.get('root')!);
      replaced.set(cert.keyId, key);
      replacements.set(cert.keyId, key.id);
    }
    const keys = root.roleKeys('root').map((k) => replaced.get(k.id) ?? k);
    root.replaceRoleKeys('root', keys, root.role('root').threshold);
    // The old certificates sign too: clients accept root v+1 only under the root they trust.
    extraRootSigners = await heldRootSigners(ctx, repo);
  }
  // trust-tui's pins name the new certificate beside the old one while publishing (the read-back
  // applies them), and only the new one once the server serves it; on failure, only the old one.
  await pinBeside(ctx, planned.pins, replacements);
  let result: Awaited<ReturnType<typeof publish>>;
  try {
    result = await publish(ctx, repo, editor, {
      expires: (role) => (lifetime.has(role) ? expiresAfter(lifetime.get(role)!, signedAt) : undefined),
      ...(extraRootSigners ? { extraRootSigners } : {}),
      tolerateExpiry: true,
    });
  } catch (e) {
    await unpin(ctx, planned.pins, new Set(replacements.values()));
    throw explainRootRefusal(repo, e, 'the update');
  }
  await unpin(ctx, planned.pins, new Set(replacements.keys()));
  // The result comes from the read-back: what the server now serves, verified.
  const view = result.state.view;
  const served = new Map(view.expiries().map((e) => [e.role, e]));
  const renewed: RenewedRole[] = [];
  const stale: string[] = [];
  for (const { role } of planned.roles) {
    const e = served.get(role);
    if (e?.expires.equals(expiresAfter(lifetime.get(role)!, signedAt))) renewed.push({ role, version: e.version, expires: e.expires.toDate().toISOString() });
    else stale.push(role);
  }
  const replacedIds = new Set(planned.certificates.map((c) => c.keyId));
  const certificates =
    planned.certificates.length === 0
      ? []
      : view
          .rootCertificates()
          .filter((c) => !replacedIds.has(c.keyId))
          .map((c) => ({ keyId: c.keyId, notAfter: c.notAfter.toISOString() }));
  const pins = pinFollowUps(planned.pins, replacements);
  const withPins = pins.length ? { pins } : {};
  if (stale.length > 0) {
    return { gun, status: 'failed', renewed, certificates, ...withPins, message: `published, but the server does not serve the renewed ${stale.join(', ')}` };
  }
  return { gun, status: 'renewed', renewed, certificates, ...withPins };
}

export interface RenewRunOptions extends ServerOptions {
  signal?: AbortSignal;
  onProgress?: (p: { index: number; total: number; gun: string }) => void;
}

/** Carries out a confirmed plan, repository by repository; a failure does not stop the others. */
export async function runRenewal(ctx: TrustContext, plan: RenewPlan, options: RenewRunOptions = {}): Promise<RenewOutcome[]> {
  await requireWritableDir(ctx.trustDir);
  const outcomes: RenewOutcome[] = [];
  const work = plan.repositories.filter((r) => r.roles.length > 0);
  for (const [index, planned] of work.entries()) {
    if (options.signal?.aborted) {
      outcomes.push({ gun: planned.gun, status: 'skipped', renewed: [], certificates: [], message: 'stopped before this repository' });
      continue;
    }
    options.onProgress?.({ index: index + 1, total: work.length, gun: planned.gun });
    try {
      outcomes.push(await renewRepository(ctx, plan, planned, options));
    } catch (e) {
      const { problem, hint } = problemAndHint(e);
      outcomes.push({ gun: planned.gun, status: 'failed', renewed: [], certificates: [], message: problem, ...(hint ? { hint } : {}) });
    }
  }
  return outcomes;
}

const when = (iso: string) => iso.replace(/\.\d+Z$/, 'Z').replace('T', ' ');

export function lifetimeText(ms: number): string {
  const days = ms / DAY_MS;
  if (days >= 365 && Number.isInteger(days / 365)) return `${days / 365} year${days === 365 ? '' : 's'}`;
  if (days >= 1 && Number.isInteger(days)) return `${days} day${days === 1 ? '' : 's'}`;
  const seconds = Math.round(ms / 1000);
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** One sentence per change and per role left to others: what the UI's confirmation shows. */
export function renewPlanLines(plan: RenewPlan): string[] {
  const lines: string[] = [];
  for (const r of plan.repositories) {
    for (const c of r.certificates) lines.push(`${r.gun}: root certificate (ends ${when(c.notAfter)}) is replaced by a new one for the same root key`);
    for (const role of r.roles) lines.push(`${r.gun}: ${role.role} (expires ${when(role.expires)}) is re-signed, valid for ${lifetimeText(role.lifetimeMs)}`);
    for (const pin of r.pins) lines.push(pinPlanLine(r.gun, pin, plan.selection.updatePins === true));
    if (r.refused) lines.push(`${r.gun} is not renewed: ${r.refused.problem}; ${r.refused.hint.ui}`);
  }
  if (lines.length === 0) lines.push('Nothing this host can renew.');
  for (const r of plan.repositories) {
    for (const o of r.others) lines.push(`${r.gun}: ${o.role} (expires ${when(o.expires)}) is left to its key holders: ${o.who} must run \`${o.command}\``);
    if (r.offline && r.roles.length) lines.push(`${r.gun}: read from the cache; its trust server must be reachable to renew`);
  }
  const server = new Map(plan.repositories.flatMap((r) => r.server.map((x) => [x.role, x.note] as const)));
  for (const [role, note] of server) lines.push(`${role} is not renewed here: ${note}.`);
  for (const u of plan.unreadable) lines.push(`Could not read ${u.gun}: ${u.problem}`);
  return lines;
}

/** The status line for carried-out renewals, from their verified read-back. */
export function renewOutcomeLine(outcome: RenewOutcome): string {
  if (outcome.status === 'renewed') {
    const parts = [
      ...outcome.certificates.map((c) => `root certificate until ${when(c.notAfter)}`),
      ...outcome.renewed.map((r) => `${r.role} v${r.version} until ${when(r.expires)}`),
    ];
    return `Renewed ${outcome.gun}: ${[...parts, ...(outcome.pins ?? []).map(pinFollowUpLine)].join('; ')}`;
  }
  if (outcome.status === 'nothing') return `${outcome.gun}: nothing to renew`;
  return `${outcome.gun}: ${outcome.status}${outcome.message ? `: ${outcome.message}` : ''}`;
}
