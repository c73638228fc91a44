// `export status REPO…`: the migration report. Per released tag, each signer that signed it in DCT
// and whether that signer's exported signatures are in the registry and verify with the signer's
// keys from the verified trust data ("2 of 3 exported — waiting on carol").
import { RegistryRequestError } from '../../registry/errors.js';
import type { ImageReference } from '../../registry/reference.js';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { InputError } from '../errors.js';
import { openRepository } from '../repository.js';
import { registryClient } from '../sign.js';
import { dctSigners, provenanceRole, releasedTags, verificationKeys, type UnexportableTag } from './dct-signers.js';
import { groupByRepository } from './export-signatures.js';
import type { Descriptor } from './formats.js';
import { RegistrySignatures } from './registry-signatures.js';
import { signatureStatus, type FormatStatus } from './signature-state.js';
import type { SignatureFormat } from './verify-signatures.js';

export interface StatusOptions extends ServerOptions {
  /** Count Notation signatures as required too (default: the two cosign formats). */
  notation?: boolean;
}

export interface SignerExportStatus {
  signer: string;
  role: string;
  formats: FormatStatus[];
  /** Every required format verifies. */
  exported: boolean;
}

export interface TagExportStatus {
  tag: string;
  digest: string;
  size: number;
  /** What the registry serves under the tag: the signed manifest, another one, or nothing. */
  registry: 'matches' | 'moved' | 'missing';
  /** The digest the registry serves when the tag moved. */
  registryDigest?: string;
  signers: SignerExportStatus[];
  exported: string[];
  missing: string[];
  /** `2 of 3 exported — waiting on carol` */
  summary: string;
  complete: boolean;
}

export interface RepositoryExportStatus {
  gun: string;
  required: SignatureFormat[];
  tags: TagExportStatus[];
  unexportable: UnexportableTag[];
  /** Every tag has every signer's signatures in every required format. */
  complete: boolean;
  /** Signers (REPO_ADMIN for the repository key) whose key this host holds: who can export from here. */
  held: string[];
}

export interface StatusOutcome {
  repositories: RepositoryExportStatus[];
  failures: { name: string; error: Error }[];
}

const ALL_FORMATS: SignatureFormat[] = ['sig', 'bundle', 'notation'];

export function summaryLine(exported: readonly string[], missing: readonly string[]): string {
  const total = exported.length + missing.length;
  const head = `${exported.length} of ${total} exported`;
  return missing.length === 0 ? head : `${head} — waiting on ${missing.join(', ')}`;
}

export async function exportStatus(ctx: TrustContext, inputs: readonly string[], options: StatusOptions = {}): Promise<StatusOutcome> {
  if (inputs.length === 0) throw new InputError('name at least one repository (REPO or REPO:TAG)');
  const outcome: StatusOutcome = { repositories: [], failures: [] };
  for (const group of groupByRepository(inputs)) {
    try {
      outcome.repositories.push(await repositoryStatus(ctx, group.reference, group.tags, options));
    } catch (e) {
      outcome.failures.push({ name: group.name, error: e as Error });
    }
  }
  return outcome;
}

async function repositoryStatus(ctx: TrustContext, reference: ImageReference, wanted: Set<string> | 'all', options: StatusOptions): Promise<RepositoryExportStatus> {
  const repo = await openRepository(ctx, reference, options);
  const state = repo.state!;
  const required: SignatureFormat[] = options.notation ? ALL_FORMATS : ['sig', 'bundle'];
  const signers = new Map(dctSigners(state).map((s) => [s.name, s]));
  const { tags, unexportable } = releasedTags(state);
  if (wanted !== 'all') {
    const unknown = [...wanted].filter((t) => !tags.some((r) => r.tag === t) && !unexportable.some((u) => u.tag === t));
    if (unknown.length > 0) throw new InputError(`${repo.gun}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not released in the trust data`);
  }
  const client = registryClient(ctx);
  const store = new RegistrySignatures(client, repo.reference);
  const rows: TagExportStatus[] = [];
  for (const t of tags) {
    if (wanted !== 'all' && !wanted.has(t.tag)) continue;
    const { registry, registryDigest, subject } = await servedManifest(client, repo.reference, t);
    const perSigner: SignerExportStatus[] = [];
    for (const name of t.signers) {
      const signer = signers.get(name);
      const keys = verificationKeys(signer?.keys ?? []);
      const formats: FormatStatus[] = [];
      for (const format of ALL_FORMATS) {
        formats.push(
          subject && signer
            ? await signatureStatus(store, format, keys, { repository: repo.gun, subject, provenance: { gun: repo.gun, tag: t.tag, role: provenanceRole(state, signer, t) } })
            : { format, state: 'missing' },
        );
      }
      const exported = required.every((f) => formats.find((s) => s.format === f)?.state === 'verified');
      perSigner.push({ signer: name, role: signer?.role ?? `targets/${name}`, formats, exported });
    }
    const exported = perSigner.filter((s) => s.exported).map((s) => s.signer);
    const missing = perSigner.filter((s) => !s.exported).map((s) => s.signer);
    const note = registry === 'moved' ? ` (the registry's ${t.tag} moved to ${registryDigest})` : registry === 'missing' ? ` (${t.tag} is not in the registry)` : '';
    rows.push({
      tag: t.tag,
      digest: t.digest,
      size: t.size,
      registry,
      ...(registryDigest ? { registryDigest } : {}),
      signers: perSigner,
      exported,
      missing,
      summary: summaryLine(exported, missing) + note,
      complete: missing.length === 0 && registry === 'matches',
    });
  }
  const shownUnexportable = unexportable.filter((u) => wanted === 'all' || wanted.has(u.tag));
  const held: string[] = [];
  for (const signer of signers.values()) {
    if (await someKeyHeld(ctx, signer.keys.map((k) => k.canonicalId))) held.push(signer.name);
  }
  return { gun: repo.gun, required, tags: rows, unexportable: shownUnexportable, complete: rows.every((r) => r.complete) && shownUnexportable.length === 0, held };
}

async function someKeyHeld(ctx: TrustContext, ids: readonly string[]): Promise<boolean> {
  for (const id of ids) if (await ctx.keys.has(id)) return true;
  return false;
}

const FORMAT_LABEL: Record<SignatureFormat, string> = { sig: '.sig', bundle: 'bundle', notation: 'notation' };
const STATE_LABEL = { verified: 'verified', invalid: 'INVALID', missing: 'missing' } as const;

/** The report as lines (the UI's view): per tag its summary, then each signer's formats. */
export function statusLines(status: RepositoryExportStatus): string[] {
  const lines = [`Required formats: ${status.required.map((f) => FORMAT_LABEL[f]).join(', ')}`];
  if (status.tags.length === 0) lines.push('No released tags.');
  for (const t of status.tags) {
    lines.push('', `${t.tag} (${t.digest.slice(0, 19)}…): ${t.summary}`);
    for (const s of t.signers) {
      lines.push(`  ${s.signer}: ${s.formats.map((f) => `${FORMAT_LABEL[f.format]} ${STATE_LABEL[f.state]}`).join(', ')}`);
      for (const f of s.formats) if (f.problem) lines.push(`    ${FORMAT_LABEL[f.format]}: ${f.problem}`);
    }
  }
  for (const u of status.unexportable) lines.push('', `${u.tag}: cannot be exported: ${u.reason}`);
  return lines;
}

/** Tags `signer` still has to export (registry matches, some required format missing). */
export function pendingTags(status: RepositoryExportStatus, signer: string, formats: readonly SignatureFormat[]): string[] {
  return status.tags
    .filter((t) => t.registry === 'matches' && t.signers.some((s) => s.signer === signer && formats.some((f) => s.formats.find((x) => x.format === f)?.state !== 'verified')))
    .map((t) => t.tag);
}

/** The registry's manifest for the tag, and the signed manifest's descriptor when the registry still has it. */
async function servedManifest(
  client: ReturnType<typeof registryClient>,
  reference: ImageReference,
  t: { tag: string; digest: string; size: number },
): Promise<{ registry: TagExportStatus['registry']; registryDigest?: string; subject?: Descriptor }> {
  const lookup = async (ref: ImageReference) => {
    try {
      return await client.resolve(ref);
    } catch (e) {
      if (e instanceof RegistryRequestError && e.status === 404) return undefined;
      throw e;
    }
  };
  const served = await lookup({ ...reference, tag: t.tag });
  if (served && served.digest === t.digest && served.size === t.size) {
    return { registry: 'matches', subject: { mediaType: served.mediaType, digest: served.digest, size: served.size } };
  }
  // Signatures made before the tag moved still name the signed digest.
  const signed = await lookup({ ...reference, digest: t.digest });
  const subject = signed && signed.size === t.size ? { mediaType: signed.mediaType, digest: signed.digest, size: signed.size } : undefined;
  return served ? { registry: 'moved', registryDigest: served.digest, ...(subject ? { subject } : {}) } : { registry: 'missing', ...(subject ? { subject } : {}) };
}
