// `export policy REPO --FORMAT`: what "this repository must be signed by these signers (k of n)"
// means for a verifier that replaces Docker Content Trust, built from the repository's verified trust
// data only (no private key is read). The result holds the files; writing them is writePolicy's.
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { InputError } from '../errors.js';
import { openRepository } from '../repository.js';
import { policyCaveats } from './caveats.js';
import type { BuiltPolicy, PolicyFile, PolicyFormat, PolicyInput } from './common.js';
import { connaisseurValues } from './connaisseur.js';
import { cosignScript } from './cosign-script.js';
import { kyvernoPolicy } from './kyverno.js';
import { checkSignerCertificate, type SignerCertificate } from './notation-certificate.js';
import { notationPolicy } from './notation.js';
import { policyControllerPolicy } from './policy-controller.js';
import { keysRequired, policySigners, selectSigners } from './signers.js';

export interface PolicyExportOptions extends ServerOptions {
  format: PolicyFormat;
  /** `--signers a,b` (default: every signer with a usable key). */
  signers?: readonly string[];
  /** `--threshold K` (default: all selected). */
  threshold?: number;
  /** `--certificate NAME=FILE` (Notation). */
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
    certificate?: { file: string; subject: string; notAfter: string };
  }[];
  leftOut: { name: string; why: string }[];
  caveats: string[];
  /** True when the caveats are comments inside the files; otherwise they are only said beside them. */
  caveatsInline: boolean;
  files: PolicyFile[];
}

const BUILDERS: Record<Exclude<PolicyFormat, 'notation'>, (input: PolicyInput) => BuiltPolicy> = {
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

export async function exportPolicy(ctx: TrustContext, input: string, options: PolicyExportOptions): Promise<PolicyExportResult> {
  const { format } = options;
  if (format !== 'notation' && options.certificates?.length) {
    throw new InputError('--certificate is for --notation only (the other formats take the public keys from the trust data)');
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
  const selection = selectSigners(all, repo.gun, { names, threshold: options.threshold });

  let certificates: SignerCertificate[] = [];
  if (format === 'notation') {
    for (const c of certificateFiles) {
      if (!selection.signers.some((s) => s.name === c.signer)) {
        throw new InputError(`--certificate ${c.signer}=…: ${c.signer} is not among the selected signers (${selection.signers.map((s) => s.name).join(', ')})`);
      }
    }
    certificates = await Promise.all(
      certificateFiles.map((c) => checkSignerCertificate(selection.signers.find((s) => s.name === c.signer)!, c.bytes, c.file, options.now)),
    );
  }
  const caveats = policyCaveats({ gun: repo.gun, format, selection, offline, certificates });
  const policyInput: PolicyInput = { gun: repo.gun, signers: selection.signers, threshold: selection.threshold, caveats };
  const built = format === 'notation' ? notationPolicy(policyInput, certificates) : BUILDERS[format](policyInput);
  return {
    gun: repo.gun,
    server: repo.endpoint.url,
    offline,
    format,
    threshold: selection.threshold,
    scope: built.scope,
    signers: selection.signers.map((s) => {
      const cert = certificates.find((c) => c.signer === s.name);
      return {
        name: s.name,
        role: s.role,
        keysRequired: keysRequired(s),
        keys: s.keys.map((k) => ({ id: k.id, keytype: k.keytype, publicKey: k.pem })),
        ...(cert ? { certificate: { file: cert.source, subject: cert.subject, notAfter: cert.notAfter.toISOString() } } : {}),
      };
    }),
    leftOut: selection.leftOut,
    caveats,
    caveatsInline: built.caveatsInline,
    files: built.files,
  };
}
