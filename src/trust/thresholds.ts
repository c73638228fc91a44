// Publishing a parent change safely. notary-server validates only the roles in an upload, so a
// parent that raises a child's threshold (or drops a key whose signature the child's file needed)
// is accepted while the stored child stops verifying: `docker pull` and `notary list` then hide all
// its tags with exit 0 (notary client/tufclient.go skips a delegation below threshold). So a child
// that would fall short is re-signed in the same upload when this host holds enough of its keys
// (one POST is atomic), else collected through a signing request carrying parent and child, else
// — only with --force, after listing the tags — the parent goes alone.
import { parentRoleName } from '../tuf/delegation.js';
import type { RepositoryEditor } from '../tuf/editor.js';
import { canonicalIdOf, verificationResult } from '../tuf/verification.js';
import type { TrustContext } from './context.js';
import { impactLines, impactOf, type DockerfileInput, type Impact } from './impact.js';
import { CancelledError, InputError } from './errors.js';
import { publish, uniformExpiry, type PublishResult } from './publish.js';
import type { OpenedRepository } from './repository.js';
import { currentFile } from './requests/evaluate.js';
import { openRequest, type OpenedRequest, type RequestPorts } from './requests/operations.js';

export interface ChildImpact {
  role: string;
  parent: string;
  threshold: number;
  /** Valid signatures its current file keeps under the new declaration. */
  validAfter: number;
  /** Keys of the child this host holds (under the new declaration). */
  held: number;
  /** Tags its current file signs: hidden from stock clients if the parent goes alone. */
  tags: string[];
}

export interface ParentChangeOptions extends RequestPorts {
  /** Publish the parent alone even when a child stops verifying (asks first unless `yes`). */
  force?: boolean;
  yes?: boolean;
  /** Never open a signing request: bundle or refuse. */
  noRequest?: boolean;
  /** Describe only. */
  dryRun?: boolean;
  /** The request's note. */
  note: string;
  /** `--expires`: how long the published roles live (each role's default otherwise). */
  lifetimeMs?: number;
  /** Dockerfiles whose FROM lines the impact checks. */
  dockerfiles?: readonly DockerfileInput[];
}

export interface ParentChangeOutcome {
  /** Children re-signed by this host in the same upload. */
  bundled: string[];
  /** Children that stop verifying (only with --force, or in a dry run). */
  unreleased: ChildImpact[];
  /** Children that need more signatures than this host holds. */
  needSignatures: ChildImpact[];
  published?: PublishResult;
  request?: OpenedRequest;
  /** What the change does to docker pull (in a dry run, and behind --force's question). */
  impact?: Impact;
}

/** Children of the edited roles whose CURRENT file, valid now, would not verify under the edited parent. */
export async function childrenFallingShort(ctx: TrustContext, repo: OpenedRepository, editor: RepositoryEditor): Promise<ChildImpact[]> {
  const trusted = repo.state!.trusted;
  const edited = new Set(editor.editedRoles);
  const out: ChildImpact[] = [];
  for (const parent of editor.editedRoles) {
    if (parent === 'root') continue;
    const model = editor.current(parent)!;
    for (const d of model.delegations) {
      if (edited.has(d.name) || !trusted.delegations.has(d.name)) continue; // re-signed anyway, or not valid today
      const file = currentFile(trusted, d.name)!;
      const result = verificationResult(file.signedCanonicalBytes(), file.signatures, { keyids: d.keyIds, threshold: d.threshold }, model.delegationKeys);
      if (result.verified) continue;
      let held = 0;
      for (const key of model.delegationKeysOf(d)) if (await ctx.keys.has(canonicalIdOf(key))) held++;
      out.push({ role: d.name, parent, threshold: d.threshold, validAfter: result.signed.length, held, tags: [...file.signed.targets.keys()].sort() });
    }
  }
  return out;
}

function hiddenTags(impacts: readonly ChildImpact[]): string {
  return impacts.map((i) => `${i.role}: ${i.tags.length} tag(s)${i.tags.length ? ` (${i.tags.join(', ')})` : ''}`).join('; ');
}

/** Publishes the editor's changes without ever silently un-releasing a child (see the top of this file). */
export async function publishParentChange(ctx: TrustContext, repo: OpenedRepository, editor: RepositoryEditor, options: ParentChangeOptions): Promise<ParentChangeOutcome> {
  const impacts = await childrenFallingShort(ctx, repo, editor);
  const bundled = impacts.filter((i) => i.held >= i.threshold);
  const short = impacts.filter((i) => i.held < i.threshold);
  for (const b of bundled) editor.targets(b.role); // re-signed (same content, version + 1) in the same upload
  if (options.dryRun) {
    // Without --force, a child falling short travels re-signed in a signing request: once it lands, nothing hides.
    if (!options.force && !options.noRequest) for (const s of short) editor.targets(s.role);
    const impact = impactOf(repo.state!, editor, options.dockerfiles);
    return { bundled: bundled.map((b) => b.role), unreleased: options.force ? short : [], needSignatures: short, impact };
  }
  if (short.length > 0) {
    if (options.force) {
      const impact = impactOf(repo.state!, editor, options.dockerfiles);
      const question = [
        `Publishing ${editor.editedRoles.join(', ')} of ${repo.gun} without the re-signed child hides from docker pull and notary list ${hiddenTags(short)}.`,
        ...impactLines(impact).map((l) => `  ${l}`),
        'Continue?',
      ].join('\n');
      if (!options.yes && !(await ctx.confirm(question))) throw new CancelledError('nothing was changed');
    } else if (options.noRequest) {
      const s = short[0]!;
      throw new InputError(
        `publishing ${s.parent} alone would leave ${s.role} below its threshold (${s.validAfter} of ${s.threshold} valid signatures; this host holds ${s.held} of its keys) and hide ${hiddenTags(short)} from docker pull`,
        { hint: { cli: 'drop --no-request to collect the signatures in a signing request, or pass --force to hide them', ui: 'collect the signatures in a signing request' } },
      );
    } else {
      for (const s of short) editor.targets(s.role);
      const roles = editor.editedRoles.filter((r) => r !== 'root');
      const request = await openRequest(ctx, repo, editor, roles, { ...options, note: options.note });
      return { bundled: bundled.map((b) => b.role), unreleased: [], needSignatures: short, request };
    }
  }
  const published = await publish(ctx, repo, editor, uniformExpiry(options.lifetimeMs));
  return { bundled: bundled.map((b) => b.role), unreleased: options.force ? short : [], needSignatures: [], published };
}

/** `targets/releases` for `releases`; delegation names as given otherwise. */
export function roleArgument(role: string): string {
  return role.startsWith('targets/') ? role : `targets/${role}`;
}

export { parentRoleName };
