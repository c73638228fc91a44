// `export cosign|notation REPO[:TAG]… --as SIGNER`: the DCT signatures of one signer, made again
// with the same key in the formats cosign and Notation verify, for every released tag this signer
// signed in DCT whose manifest in the registry is still the one signed (digest and size).
// - cosign: the legacy `.sig` layer AND the Sigstore bundle referrer (cosign v3 reads only
//   bundles once any exists for a digest, older verifiers only `.sig`);
// - notation: a JWS referrer with a self-signed certificate over the signer's key.
// A signature that is already there (verifying with this key, same tag and role) is not written
// again; every result is read back from the registry and verified before it is reported.
import { createPublicKey } from 'node:crypto';
import { parseReference, type ImageReference } from '../../registry/reference.js';
import { RegistryRequestError } from '../../registry/errors.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import type { PrivateKey } from '../../tuf/private-key.js';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { InputError, TrustError } from '../errors.js';
import { openRepository } from '../repository.js';
import { registryClient } from '../sign.js';
import { dctSigners, REPO_ADMIN, releasedTags, verificationKeys, type DctSigner, type ReleasedTag } from './dct-signers.js';
import {
  BUNDLE_MANIFEST_ANNOTATIONS,
  describe,
  JWS_ENVELOPE,
  NOTATION_ARTIFACT,
  provenanceAnnotations,
  referrerManifest,
  SIGSTORE_BUNDLE,
  thumbprintAnnotation,
  type Descriptor,
} from './formats.js';
import { notationCertificate, type NotationCertificate } from './notation-certificate.js';
import { RegistrySignatures } from './registry-signatures.js';
import { exportSigningKey, signBundle, signNotation, signSimpleSigning } from './sign-signatures.js';
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
}

export interface TagExport {
  tag: string;
  digest: string;
  size: number;
  /** exported: every format verifies in the registry now; skipped: see `reason`. */
  state: 'exported' | 'skipped';
  /** Per format: written by this run, or already there (verified either way). */
  formats: { format: SignatureFormat; action: 'written' | 'already-present' }[];
  reason?: string;
}

export interface RepositoryExport {
  gun: string;
  signer: string;
  role: string;
  keyId: string;
  formats: SignatureFormat[];
  tags: TagExport[];
  /** The Notation certificate (notation only): hand it to whoever writes the trust policy. */
  certificate?: Omit<NotationCertificate, 'der'>;
}

export interface ExportOutcome {
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

/** The signer's key from the keystore (passphrase as for signing); it must be one of the role's keys. */
async function signingKey(ctx: TrustContext, signer: DctSigner, gun: string): Promise<PrivateKey> {
  const roleKeyIds = new Set(signer.keys.map((k) => k.canonicalId));
  const held: string[] = [];
  for (const id of roleKeyIds) if (await ctx.keys.has(id)) held.push(id);
  const who = signer.name === REPO_ADMIN ? `the repository key of ${gun}` : `signer ${signer.name} of ${gun}`;
  if (held.length === 0) {
    throw new InputError(`this host holds no key of ${who} (its keys: ${[...roleKeyIds].map(shortKeyId).join(', ')})`, {
      hint: { cli: 'run the export where that key is, or import it with `trust-tui key load`', ui: 'run the export where that key is, or import it on the Keys screen (4)' },
    });
  }
  let refusal: Error | undefined;
  for (const id of held) {
    const key = await ctx.keys.unlock(id, ctx.passphrases);
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
  const outcome: ExportOutcome = { repositories: [], failures: [] };
  for (const group of groups) {
    try {
      outcome.repositories.push(await exportRepository(ctx, target, group.reference, group.tags, options));
    } catch (e) {
      outcome.failures.push({ name: group.name, error: e as Error });
    }
  }
  return outcome;
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
  const privateKey = await signingKey(ctx, signer, repo.gun);
  const key = exportSigningKey(privateKey, signer.name);
  const publicSpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const publicKeys = verificationKeys([privateKey.publicKey]);
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

  const client = registryClient(ctx);
  const store = new RegistrySignatures(client, repo.reference);
  let certificate: NotationCertificate | undefined;
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
    const provenance = { gun: repo.gun, tag: t.tag, role: signer.role };
    const annotations = provenanceAnnotations(provenance);
    const expected: Expected = { repository: repo.gun, subject, provenance };
    const actions: TagExport['formats'] = [];
    for (const format of formats) {
      const before = await signatureStatus(store, format, publicKeys, expected);
      if (before.state === 'verified') {
        actions.push({ format, action: 'already-present' });
        continue;
      }
      if (format === 'sig') {
        const { payload, layer } = signSimpleSigning(key, repo.gun, subject.digest, annotations);
        await store.addSignatureLayer(subject.digest, layer, payload);
      } else if (format === 'bundle') {
        const bundle = signBundle(key, subject.digest, annotations);
        const layer = describe(bundle, SIGSTORE_BUNDLE);
        const manifestAnnotations = { ...BUNDLE_MANIFEST_ANNOTATIONS };
        const manifest = referrerManifest(SIGSTORE_BUNDLE, layer, subject, manifestAnnotations, now);
        await store.addReferrer(subject, manifest, bundle, SIGSTORE_BUNDLE, JSON.parse(manifest.toString()).annotations);
      } else {
        certificate ??= await notationCertificate(ctx.trustDir, key, publicSpki, { gun: repo.gun, signer: signer.name }, now, (m) => ctx.warn(m));
        const envelope = signNotation(key, subject, annotations, [certificate.der], now, SIGNING_AGENT);
        const layer = describe(envelope, JWS_ENVELOPE);
        const manifest = referrerManifest(NOTATION_ARTIFACT, layer, subject, { 'io.cncf.notary.x509chain.thumbprint#S256': thumbprintAnnotation([certificate.der]) }, now);
        await store.addReferrer(subject, manifest, envelope, NOTATION_ARTIFACT, JSON.parse(manifest.toString()).annotations);
      }
      // Reported only once it is read back from the registry and verifies.
      const after = await signatureStatus(store, format, publicKeys, expected);
      if (after.state !== 'verified') {
        throw new TrustError(`wrote the ${format} signature of ${repo.gun}:${t.tag}, but reading it back it does not verify${after.problem ? ` (${after.problem})` : ''}`);
      }
      actions.push({ format, action: 'written' });
    }
    results.push({ tag: t.tag, digest: t.digest, size: t.size, state: 'exported', formats: actions });
  }
  if (formats.includes('notation') && !certificate && chosen.length > 0) {
    // Every signature was already there: still say which certificate they carry.
    certificate = await notationCertificate(ctx.trustDir, key, publicSpki, { gun: repo.gun, signer: signer.name }, now, (m) => ctx.warn(m));
  }
  results.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return {
    gun: repo.gun,
    signer: signer.name,
    role: signer.role,
    keyId: privateKey.publicKey.canonicalId,
    formats,
    tags: results,
    ...(certificate ? { certificate: { path: certificate.path, subject: certificate.subject, created: certificate.created, validTo: certificate.validTo } } : {}),
  };
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
    else {
      const written = t.formats.filter((f) => f.action === 'written').map((f) => label[f.format]);
      const present = t.formats.filter((f) => f.action === 'already-present').map((f) => label[f.format]);
      lines.push(`${t.tag}: ${[written.length ? `written and verified: ${written.join(', ')}` : '', present.length ? `already there: ${present.join(', ')}` : ''].filter(Boolean).join('; ')}`);
    }
  }
  if (r.certificate) {
    lines.push('', `Notation certificate: ${r.certificate.path}`, `Give it to whoever writes the Notation trust policy.`);
  }
  return lines;
}
