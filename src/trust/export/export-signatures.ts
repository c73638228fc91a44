// `export cosign|notation REPO[:TAG]… --as SIGNER`: the DCT signatures of one signer, made again
// with the same key in the formats cosign and Notation verify, for every released tag this signer
// signed in DCT whose manifest in the registry is still the one signed (digest and size).
// - cosign: the legacy `.sig` layer AND the Sigstore bundle referrer (cosign v3 reads only
//   bundles once any exists for a digest, older verifiers only `.sig`);
// - notation: a JWS referrer with a self-signed certificate over the signer's key.
// A signature that is already there (verifying with one of the signer's keys, same tag and role)
// is not written again, and the key is unlocked only when something will be written (`--dry-run`
// stops before that). Every result is read back from the registry and verified before it is
// reported, and checked once more after a settle time (another writer may have dropped it).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseReference, type ImageReference } from '../../registry/reference.js';
import { RegistryRequestError } from '../../registry/errors.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import type { PublicKey } from '../../tuf/key.js';
import type { PrivateKey } from '../../tuf/private-key.js';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { InputError, TrustError } from '../errors.js';
import { openRepository } from '../repository.js';
import { registryClient } from '../sign.js';
import { dctSigners, provenanceRole, REPO_ADMIN, releasedTags, verificationKeys, type DctSigner, type ReleasedTag } from './dct-signers.js';
import {
  BUNDLE_MANIFEST_ANNOTATIONS,
  describe,
  JWS_ENVELOPE,
  NOTATION_ARTIFACT,
  NOTATION_THUMBPRINTS,
  provenanceAnnotations,
  referrerManifest,
  SIGSTORE_BUNDLE,
  thumbprintAnnotation,
  type Descriptor,
} from './formats.js';
import { notationCertificate, notationCertificatePath, notationSubject, storedNotationCertificate, type NotationCertificate } from './notation-certificate.js';
import { RegistrySignatures, WRITE_ATTEMPTS } from './registry-signatures.js';
import { exportSigningKey, signBundle, signNotation, signSimpleSigning } from './sign-signatures.js';
import { formatActions, type FormatAction } from './format-actions.js';
import { signatureStatus } from './signature-state.js';
import type { Expected, SignatureFormat } from './verify-signatures.js';

export const SIGNING_AGENT = 'trust-tui';

export type ExportTarget = 'cosign' | 'notation';

export const FORMATS_OF: Record<ExportTarget, SignatureFormat[]> = { cosign: ['sig', 'bundle'], notation: ['notation'] };

export interface ExportOptions extends ServerOptions {
  /** `--as NAME`: the signer whose signatures are exported. */
  signer?: string;
  /** `--admin`: the repository (targets) key, for tags no signer signed ("Repo Admin"). */
  admin?: boolean;
  /** `--dry-run`: say what would be written; unlock no key, write nothing. */
  dryRun?: boolean;
}

export type { FormatAction };

export interface TagExport {
  tag: string;
  digest: string;
  size: number;
  /** exported: every format verifies in the registry now; pending (dry run): something would be written; skipped: see `reason`. */
  state: 'exported' | 'pending' | 'skipped';
  /** Per format: written by this run, already there (verified either way), or to be written (dry run). */
  formats: { format: SignatureFormat; action: FormatAction }[];
  reason?: string;
}

export interface ExportCertificate {
  path: string;
  subject: string;
  /** Made by this run (false: the stored one was reused, or none was needed). */
  created: boolean;
  validTo?: string;
  /** Dry run: no usable certificate is stored, the export would make one. */
  wouldCreate?: boolean;
}

export interface RepositoryExport {
  gun: string;
  signer: string;
  role: string;
  /** The key that signed (when something was written), else the role's keys this host holds. */
  keyId: string;
  formats: SignatureFormat[];
  tags: TagExport[];
  /** The Notation certificate (notation only); the signatures carry it too, for the policy export. */
  certificate?: ExportCertificate;
}

export interface ExportOutcome {
  dryRun: boolean;
  repositories: RepositoryExport[];
  failures: { name: string; error: Error }[];
}

/** Arguments grouped by repository: a bare REPO means all its tags. */
export function groupByRepository(inputs: readonly string[]): { reference: ImageReference; tags: Set<string> | 'all'; name: string }[] {
  const groups = new Map<string, { reference: ImageReference; tags: Set<string> | 'all'; name: string }>();
  for (const input of inputs) {
    const reference = parseReference(input);
    if (reference.digest) throw new InputError(`${input}: give REPO or REPO:TAG, not a digest (the trust data says which digest each tag has)`);
    const { tag, ...repository } = reference;
    const group = groups.get(reference.gun) ?? { reference: repository, tags: new Set<string>(), name: reference.gun };
    if (tag === undefined) group.tags = 'all';
    else if (group.tags !== 'all') group.tags.add(tag);
    groups.set(reference.gun, group);
  }
  return [...groups.values()];
}

function chooseSigner(signers: readonly DctSigner[], gun: string, options: ExportOptions): DctSigner {
  if (options.admin && options.signer) throw new InputError('give either --as NAME or --admin, not both');
  if (options.admin) return signers.find((s) => s.name === REPO_ADMIN)!;
  if (!options.signer) throw new InputError('say whose signatures to export with --as NAME (or --admin for the repository key)');
  const found = signers.find((s) => s.name === options.signer && s.name !== REPO_ADMIN);
  if (!found) {
    const names = signers.filter((s) => s.name !== REPO_ADMIN).map((s) => s.name);
    throw new InputError(`${gun} has no signer ${options.signer} whose trust data verifies`, {
      hint: names.length > 0 ? `its signers: ${names.join(', ')}` : 'it has no signers: use --admin for tags signed with the repository key',
    });
  }
  return found;
}

const whoOf = (signer: DctSigner, gun: string) => (signer.name === REPO_ADMIN ? `the repository key of ${gun}` : `signer ${signer.name} of ${gun}`);

/** The role's keys whose key files this host holds (nothing is unlocked); none is an error. */
async function heldKeys(ctx: TrustContext, signer: DctSigner, gun: string): Promise<PublicKey[]> {
  const held: PublicKey[] = [];
  for (const key of signer.keys) if (!held.some((k) => k.canonicalId === key.canonicalId) && (await ctx.keys.has(key.canonicalId))) held.push(key);
  if (held.length === 0) {
    const ids = [...new Set(signer.keys.map((k) => k.canonicalId))];
    throw new InputError(`this host holds no key of ${whoOf(signer, gun)} (its keys: ${ids.map(shortKeyId).join(', ')})`, {
      hint: { cli: 'run the export where that key is, or import it with `trust-tui key load`', ui: 'run the export where that key is, or import it on the Keys screen (4)' },
    });
  }
  return held;
}

/** The signer's key from the keystore (passphrase as for signing); it must be one of the role's keys. */
async function signingKey(ctx: TrustContext, signer: DctSigner, gun: string, held: readonly PublicKey[]): Promise<PrivateKey> {
  const roleKeyIds = new Set(signer.keys.map((k) => k.canonicalId));
  const who = whoOf(signer, gun);
  let refusal: Error | undefined;
  for (const { canonicalId } of held) {
    const key = await ctx.keys.unlock(canonicalId, ctx.passphrases);
    if (!roleKeyIds.has(key.publicKey.canonicalId)) continue;
    try {
      exportSigningKey(key, who);
      return key;
    } catch (e) {
      refusal = e as Error;
    }
  }
  throw refusal ?? new InputError(`no key of ${who} on this host matches its trust data`);
}

export async function exportSignatures(ctx: TrustContext, target: ExportTarget, inputs: readonly string[], options: ExportOptions = {}): Promise<ExportOutcome> {
  if (inputs.length === 0) throw new InputError('name at least one repository (REPO or REPO:TAG)');
  if (options.admin && options.signer) throw new InputError('give either --as NAME or --admin, not both');
  if (!options.admin && !options.signer) throw new InputError('say whose signatures to export with --as NAME (or --admin for the repository key)');
  const groups = groupByRepository(inputs);
  const outcome: ExportOutcome = { dryRun: options.dryRun === true, repositories: [], failures: [] };
  for (const group of groups) {
    try {
      outcome.repositories.push(await exportRepository(ctx, target, group.reference, group.tags, options));
    } catch (e) {
      outcome.failures.push({ name: group.name, error: e as Error });
    }
  }
  return outcome;
}

/** One tag whose registry manifest is the signed one, and the formats still to be written for it. */
interface TagWork {
  tag: ReleasedTag;
  expected: Expected;
  annotations: Record<string, string>;
  formats: { format: SignatureFormat; present: boolean }[];
}

/** A signature written by this run: how to check it is still there, and how to add it again. */
interface Written {
  tag: string;
  format: SignatureFormat;
  expected: Expected;
  write: () => Promise<void>;
}

async function exportRepository(
  ctx: TrustContext,
  target: ExportTarget,
  reference: ImageReference,
  wanted: Set<string> | 'all',
  options: ExportOptions,
): Promise<RepositoryExport> {
  const repo = await openRepository(ctx, reference, options);
  const state = repo.state!;
  const signer = chooseSigner(dctSigners(state), repo.gun, options);
  const held = await heldKeys(ctx, signer, repo.gun);
  // "Already there" means: verifies with one of the signer's keys, as the migration report counts it.
  const signerKeys = verificationKeys(signer.keys);
  const formats = FORMATS_OF[target];
  const now = new Date();

  const { tags: released, unexportable } = releasedTags(state);
  const results: TagExport[] = [];
  const chosen: ReleasedTag[] = [];
  const skip = (t: { tag: string; digest?: string; size?: number }, reason: string) =>
    results.push({ tag: t.tag, digest: t.digest ?? '', size: t.size ?? 0, state: 'skipped', formats: [], reason });
  for (const u of unexportable) if (wanted === 'all' || wanted.has(u.tag)) skip(u, u.reason);
  for (const tag of wanted === 'all' ? [] : wanted) {
    if (!released.some((t) => t.tag === tag) && !unexportable.some((u) => u.tag === tag)) skip({ tag }, 'not a released tag in the trust data');
  }
  for (const t of released) {
    if (wanted !== 'all' && !wanted.has(t.tag)) continue;
    if (!t.signers.includes(signer.name)) {
      // Only explicitly named tags are worth a line: the others are simply someone else's.
      if (wanted !== 'all') skip(t, `${describeSigner(signer)} did not sign it in DCT (signed by ${t.signers.join(', ')})`);
      continue;
    }
    chosen.push(t);
  }

  // First what is there, with public keys only: a run with nothing to write unlocks no key.
  const client = registryClient(ctx);
  const store = new RegistrySignatures(client, repo.reference);
  const work: TagWork[] = [];
  for (const t of chosen) {
    // The registry must still serve, under this tag, exactly what DCT signed.
    let subject: Descriptor;
    try {
      const served = await client.resolve({ ...repo.reference, tag: t.tag });
      if (served.digest !== t.digest || served.size !== t.size) {
        skip(t, `the registry's ${t.tag} is ${served.digest} (${served.size} bytes), not the signed ${t.digest} (${t.size} bytes): the tag moved`);
        continue;
      }
      subject = { mediaType: served.mediaType, digest: served.digest, size: served.size };
    } catch (e) {
      if (e instanceof RegistryRequestError && e.status === 404) {
        skip(t, `${t.tag} is not in the registry`);
        continue;
      }
      throw e;
    }
    const provenance = { gun: repo.gun, tag: t.tag, role: provenanceRole(state, signer, t) };
    const expected: Expected = { repository: repo.gun, subject, provenance };
    const present: TagWork['formats'] = [];
    for (const format of formats) present.push({ format, present: (await signatureStatus(store, format, signerKeys, expected)).state === 'verified' });
    const formatsDone = (action: (p: boolean) => FormatAction) => present.map((f) => ({ format: f.format, action: action(f.present) }));
    if (present.every((f) => f.present)) {
      results.push({ tag: t.tag, digest: t.digest, size: t.size, state: 'exported', formats: formatsDone(() => 'already-present') });
    } else if (options.dryRun) {
      results.push({ tag: t.tag, digest: t.digest, size: t.size, state: 'pending', formats: formatsDone((p) => (p ? 'already-present' : 'would-write')) });
    } else {
      work.push({ tag: t, expected, annotations: provenanceAnnotations(provenance), formats: present });
    }
  }

  const certificateSubject = { gun: repo.gun, signer: signer.name };
  const heldSpkis = verificationKeys(held).map((k) => k.export({ type: 'spki', format: 'der' }));
  let certificate: ExportCertificate | undefined;
  let keyId = held[0]!.canonicalId;
  if (work.length > 0) {
    const privateKey = await signingKey(ctx, signer, repo.gun, held);
    keyId = privateKey.publicKey.canonicalId;
    const key = exportSigningKey(privateKey, signer.name);
    const publicSpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    let notation: NotationCertificate | undefined;
    const written: Written[] = [];
    for (const w of work) {
      const { subject } = w.expected;
      const actions: TagExport['formats'] = [];
      for (const { format, present } of w.formats) {
        if (present) {
          actions.push({ format, action: 'already-present' });
          continue;
        }
        let write: () => Promise<void>;
        if (format === 'sig') {
          const { payload, layer } = signSimpleSigning(key, repo.gun, subject.digest, w.annotations);
          write = () => store.addSignatureLayer(subject.digest, layer, payload);
        } else if (format === 'bundle') {
          const bundle = signBundle(key, subject.digest, w.annotations);
          const manifest = referrerManifest(SIGSTORE_BUNDLE, describe(bundle, SIGSTORE_BUNDLE), subject, { ...BUNDLE_MANIFEST_ANNOTATIONS }, now);
          write = () => store.addReferrer(subject, manifest, bundle, SIGSTORE_BUNDLE, JSON.parse(manifest.toString()).annotations);
        } else {
          notation ??= await notationCertificate(ctx.trustDir, key, publicSpki, certificateSubject, now, (m) => ctx.warn(m));
          const envelope = signNotation(key, subject, w.annotations, [notation.der], now, SIGNING_AGENT);
          const manifest = referrerManifest(NOTATION_ARTIFACT, describe(envelope, JWS_ENVELOPE), subject, { [NOTATION_THUMBPRINTS]: thumbprintAnnotation([notation.der]) }, now);
          write = () => store.addReferrer(subject, manifest, envelope, NOTATION_ARTIFACT, JSON.parse(manifest.toString()).annotations);
        }
        await write();
        // Reported only once it is read back from the registry and verifies. Missing (another
        // writer replaced the image or index just now) is left to the final check, which adds it again.
        const after = await signatureStatus(store, format, signerKeys, w.expected);
        if (after.state === 'invalid') {
          throw new TrustError(`wrote the ${format} signature of ${repo.gun}:${w.tag.tag}, but reading it back it does not verify${after.problem ? ` (${after.problem})` : ''}`);
        }
        written.push({ tag: w.tag.tag, format, expected: w.expected, write });
        actions.push({ format, action: 'written' });
      }
      results.push({ tag: w.tag.tag, digest: w.tag.digest, size: w.tag.size, state: 'exported', formats: actions });
    }
    await confirmWritten(store, written, signerKeys, repo.gun);
    if (notation) certificate = { path: notation.path, subject: notation.subject, created: notation.created, validTo: notation.validTo };
  }
  if (formats.includes('notation') && !certificate && chosen.length > 0) {
    // Nothing was signed with Notation here: still say which certificate the signer hands out.
    const stored = await storedNotationCertificate(ctx.trustDir, heldSpkis, certificateSubject, now);
    if (stored) certificate = { path: stored.path, subject: stored.subject, created: false, validTo: stored.validTo };
    else if (options.dryRun && results.some((r) => r.formats.some((f) => f.action === 'would-write'))) {
      certificate = { path: notationCertificatePath(ctx.trustDir, certificateSubject), subject: notationSubject(certificateSubject), created: false, wouldCreate: true };
    }
  }
  results.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return { gun: repo.gun, signer: signer.name, role: signer.role, keyId, formats, tags: results, ...(certificate ? { certificate } : {}) };
}

/**
 * The final check of what this run wrote: after a settle time, each signature must still be in
 * the registry (another writer may have replaced the `.sig` image or the fallback index with a
 * copy read before our write). A lost one is added again, and checked again.
 */
async function confirmWritten(store: RegistrySignatures, written: readonly Written[], keys: readonly KeyObject[], gun: string): Promise<void> {
  let unconfirmed = written;
  for (let round = 0; unconfirmed.length > 0; round++) {
    await new Promise((resolve) => setTimeout(resolve, store.settleTimeMs()));
    store.forgetAll();
    const lost: Written[] = [];
    for (const w of unconfirmed) if ((await signatureStatus(store, w.format, keys, w.expected)).state !== 'verified') lost.push(w);
    if (lost.length === 0) return;
    if (round === WRITE_ATTEMPTS - 1) {
      throw new RegistryRequestError(`${gun}: another writer kept removing the ${lost.map((l) => `${l.format} signature of ${l.tag}`).join(', ')}`, undefined, {
        hint: 'run the export again: what is already there is kept',
      });
    }
    for (const w of lost) await w.write();
    unconfirmed = lost;
  }
}

export function describeSigner(signer: { name: string }): string {
  return signer.name === REPO_ADMIN ? 'the repository key' : signer.name;
}

/** The result as lines (the UI's view): per tag what was written, already there or skipped. */
export function exportLines(r: RepositoryExport): string[] {
  const label: Record<SignatureFormat, string> = { sig: '.sig', bundle: 'bundle', notation: 'notation' };
  const lines = r.tags.length === 0 ? [`No released tag signed by ${describeSigner({ name: r.signer })}.`] : [];
  for (const t of r.tags) {
    if (t.state === 'skipped') lines.push(`${t.tag}: skipped: ${t.reason}`);
    else lines.push(`${t.tag}: ${formatActions(t.formats, (f) => label[f])}`);
  }
  if (r.certificate && !r.certificate.wouldCreate) {
    lines.push('', `Notation certificate: ${r.certificate.path}`, 'The signatures carry it: the Notation policy export finds it in the registry.');
  }
  return lines;
}
