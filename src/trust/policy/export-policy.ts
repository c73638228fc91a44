// `export policy REPO --FORMAT`: what "this repository must be signed by these signers (k of n)"
// means for a verifier that replaces Docker Content Trust, built from the repository's verified trust
// data only (no private key is read). The result holds the files; writing them is writePolicy's.
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { InputError } from '../errors.js';
import { openRepository } from '../repository.js';
import { policyCaveats } from './caveats.js';
import { CERTIFICATE_FORMATS, type BuiltPolicy, type PolicyFile, type PolicyFormat, type PolicyInput } from './common.js';
import { connaisseurValues } from './connaisseur.js';
import { cosignScript } from './cosign-script.js';
import { kyvernoNotaryPolicy, kyvernoPolicy, notationAttemptsWarning } from './kyverno.js';
import { checkSignerCertificate, type SignerCertificate } from './notation-certificate.js';
import { notationPolicy } from './notation.js';
import { policyControllerPolicy } from './policy-controller.js';
import { certificatesInRegistry, type RegistryCertificates } from './registry-certificates.js';
import { keysRequired, policySigners, selectSigners, type PolicySigner } from './signers.js';

export interface PolicyExportOptions extends ServerOptions {
  format: PolicyFormat;
  /** `--signers a,b` (default: every signer with a usable key). */
  signers?: readonly string[];
  /** `--threshold K` (default: all selected). */
  threshold?: number;
  /** `--certificate NAME=FILE` (Notation formats); a signer without one: found in the registry. */
  certificates?: readonly { signer: string; file: string }[];
  now?: Date;
}

export interface PolicyExportResult {
  gun: string;
  server: string;
  offline: boolean;
  format: PolicyFormat;
  threshold: number;
  /** Image reference patterns the policy applies to. */
  scope: string[];
  signers: {
    name: string;
    role: string;
    /** Of the signer's own keys, how many must have signed (its DCT threshold). */
    keysRequired: number;
    keys: { id: string; keytype: string; publicKey: string }[];
    /** Notation formats: the signer's certificates, each with where it came from (a file, or a signature in the registry). */
    certificates?: { source: string; subject: string; notAfter: string }[];
  }[];
  leftOut: { name: string; why: string }[];
  caveats: string[];
  /** True when the caveats are comments inside the files; otherwise they are only said beside them. */
  caveatsInline: boolean;
  files: PolicyFile[];
}

const BUILDERS: Record<Exclude<PolicyFormat, 'notation' | 'kyverno-notary'>, (input: PolicyInput) => BuiltPolicy> = {
  kyverno: kyvernoPolicy,
  'policy-controller': policyControllerPolicy,
  connaisseur: connaisseurValues,
  'cosign-cmd': cosignScript,
};

async function readCertificates(list: readonly { signer: string; file: string }[]): Promise<{ signer: string; file: string; bytes: Buffer }[]> {
  const seen = new Set<string>();
  const out = [];
  for (const { signer, file } of list) {
    if (seen.has(signer)) throw new InputError(`--certificate names signer ${signer} twice: give one certificate per signer`);
    seen.add(signer);
    try {
      out.push({ signer, file, bytes: await readFile(file) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read the certificate of ${signer} at ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  return out;
}

/** Signers left without a certificate: who, why, and how each gets one. */
function noCertificates(gun: string, missing: readonly PolicySigner[], registry: RegistryCertificates): InputError {
  const names = missing.map((s) => s.name).join(', ');
  const why = registry.problem
    ? `the registry could not be read (${registry.problem})`
    : `none was given with --certificate and no Notation signature of theirs in the registry verifies yet`;
  const refused = missing.flatMap((s) => (registry.refused.has(s.name) ? [`; ${registry.refused.get(s.name)}`] : [])).join('');
  return new InputError(`no Notation certificate for ${names}: ${why}${refused}`, {
    hint: {
      cli: `each of them runs trust-tui export notation ${gun} --as NAME where their key is (the signatures carry the certificate), or pass --certificate NAME=FILE, or leave them out with --signers`,
      ui: 'each of them exports Notation signatures on the host with their key (Tags screen (2), e): the signatures carry the certificate',
    },
  });
}

export async function exportPolicy(ctx: TrustContext, input: string, options: PolicyExportOptions): Promise<PolicyExportResult> {
  const { format } = options;
  const needsCertificates = CERTIFICATE_FORMATS.includes(format);
  // notation-go's verifier stops at the first signature that verifies: a trust policy means "one of".
  if (format === 'notation' && options.threshold !== undefined && options.threshold > 1) {
    throw new InputError(`a Notation trust policy accepts an image on any one signature: it cannot require ${options.threshold} signers`, {
      hint: { cli: 'use --kyverno-notary for k of n over Notation signatures, or leave out --threshold', ui: 'choose Kyverno type Notary for k of n' },
    });
  }
  if (!needsCertificates && options.certificates?.length) {
    throw new InputError('--certificate is for --notation and --kyverno-notary only (the other formats take the public keys from the trust data)');
  }
  // Files first: a missing certificate fails before any server is asked.
  const certificateFiles = await readCertificates(options.certificates ?? []);
  const repo = await openRepository(ctx, input, options);
  const { view, offline } = repo.state!;
  const all = policySigners(view);
  for (const c of certificateFiles) {
    if (!all.some((s) => s.name === c.signer)) {
      throw new InputError(`--certificate ${c.signer}=…: ${c.signer} is not a signer of ${repo.gun}; its signers are: ${all.map((s) => s.name).join(', ') || 'none'}`);
    }
  }
  const names = options.signers?.length ? options.signers : undefined;
  const selection = selectSigners(all, repo.gun, { names, threshold: format === 'notation' ? 1 : options.threshold });

  let certificates: SignerCertificate[] = [];
  const notes: string[] = [];
  if (needsCertificates) {
    for (const c of certificateFiles) {
      if (!selection.signers.some((s) => s.name === c.signer)) {
        throw new InputError(`--certificate ${c.signer}=…: ${c.signer} is not among the selected signers (${selection.signers.map((s) => s.name).join(', ')})`);
      }
    }
    certificates = await Promise.all(
      certificateFiles.map((c) => checkSignerCertificate(selection.signers.find((s) => s.name === c.signer)!, c.bytes, c.file, options.now)),
    );
    const without = selection.signers.filter((s) => !certificates.some((c) => c.signer === s.name));
    if (without.length > 0) {
      const registry = await certificatesInRegistry(ctx, { gun: repo.gun, reference: repo.reference, state: repo.state! }, without, options.now);
      const missing = without.filter((s) => !registry.found.has(s.name));
      if (missing.length > 0) throw noCertificates(repo.gun, missing, registry);
      const found = without.map((s) => registry.found.get(s.name)!);
      certificates.push(...found.flat());
      const tagOf = (source: string) => source.slice(source.lastIndexOf(':') + 1);
      notes.push(
        `Certificates found in the registry (each from a Notation signature that verifies with the signer's DCT key): ${without.map((s, i) => `${s.name} (${found[i]!.map((c) => tagOf(c.source)).join(', ')})`).join(', ')}.`,
      );
    }
  }
  const attempts = format === 'kyverno-notary' ? notationAttemptsWarning(selection.signers.length) : undefined;
  if (attempts) {
    ctx.warn(attempts);
    notes.push(attempts);
  }
  const caveats = [...policyCaveats({ gun: repo.gun, format, selection, offline, certificates }), ...notes];
  const policyInput: PolicyInput = { gun: repo.gun, signers: selection.signers, threshold: selection.threshold, caveats };
  const built =
    format === 'notation' ? notationPolicy(policyInput, certificates) : format === 'kyverno-notary' ? kyvernoNotaryPolicy(policyInput, certificates) : BUILDERS[format](policyInput);
  return {
    gun: repo.gun,
    server: repo.endpoint.url,
    offline,
    format,
    threshold: selection.threshold,
    scope: built.scope,
    signers: selection.signers.map((s) => {
      const certs = certificates.filter((c) => c.signer === s.name);
      return {
        name: s.name,
        role: s.role,
        keysRequired: keysRequired(s),
        keys: s.keys.map((k) => ({ id: k.id, keytype: k.keytype, publicKey: k.pem })),
        ...(needsCertificates ? { certificates: certs.map((c) => ({ source: c.source, subject: c.subject, notAfter: c.notAfter.toISOString() })) } : {}),
      };
    }),
    leftOut: selection.leftOut,
    caveats,
    caveatsInline: built.caveatsInline,
    files: built.files,
  };
}
