// `trust-tui export policy REPO --kyverno|--policy-controller|--connaisseur|--notation|--cosign-cmd`:
// the repository's signers (k of n) as a policy for a verifier that replaces Docker Content Trust.
// The snippet goes to stdout (or --output); caveats are comments in it, or on stderr for JSON files.
import { type Command, InvalidArgumentError } from 'commander';
import type { PolicyFormat } from '../../trust/policy/common.js';
import type { PolicyExportResult } from '../../trust/policy/export-policy.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { exportGroup } from './export-group.js';

const FORMAT_FLAGS: { flag: string; format: PolicyFormat; what: string }[] = [
  { flag: 'kyverno', format: 'kyverno', what: 'Kyverno ClusterPolicy (verifyImages, cosign signatures)' },
  { flag: 'kyvernoNotary', format: 'kyverno-notary', what: 'Kyverno ClusterPolicy (verifyImages type Notary: k of n over Notation signatures)' },
  { flag: 'policyController', format: 'policy-controller', what: 'sigstore policy-controller ClusterImagePolicy' },
  { flag: 'connaisseur', format: 'connaisseur', what: 'Connaisseur Helm values (cosign validator)' },
  { flag: 'notation', format: 'notation', what: 'Notation trust policy and trust store (needs --output DIR; certificates from --certificate or the registry)' },
  { flag: 'cosignCmd', format: 'cosign-cmd', what: 'bash script running cosign verify per signer key, counting against k' },
];

type Flags = {
  server?: string;
  tlscacert?: string;
  signers?: string;
  threshold?: number;
  certificate?: { signer: string; file: string }[];
  output?: string;
} & Partial<Record<string, boolean>>;

function parseThreshold(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('the threshold must be a whole number of at least 1');
  return Number(value);
}

function parseCertificate(value: string, previous: { signer: string; file: string }[] = []): { signer: string; file: string }[] {
  const eq = value.indexOf('=');
  if (eq < 1 || eq === value.length - 1) throw new InvalidArgumentError('expected NAME=FILE, e.g. alice=alice.crt');
  return [...previous, { signer: value.slice(0, eq), file: value.slice(eq + 1) }];
}

function summary(r: PolicyExportResult, written: string[]): string {
  return [
    `Wrote the ${r.format} policy for ${r.gun} (${r.threshold} of ${r.signers.length} signer(s): ${r.signers.map((s) => s.name).join(', ')}):`,
    ...written.map((p) => `  ${p}`),
  ].join('\n');
}


export function registerExportPolicyCommand(program: Command, io: Io): void {
  const cmd = exportGroup(program)
    .command('policy')
    .argument('<repository>', 'repository, e.g. registry.example.com/team/app')
    .description('Write what "signed by these signers (k of n)" means for Kyverno (cosign or Notary), policy-controller, Connaisseur, Notation or a cosign script');
  for (const f of FORMAT_FLAGS) cmd.option(`--${f.format}`, f.what);
  cmd
    .option('--signers <names>', 'comma-separated signers to require (default: every signer)')
    .option('--threshold <k>', 'how many of them must have signed (default: all)', parseThreshold)
    .option('--certificate <name=file>', "a signer's Notation certificate (repeatable; default: the one its Notation signatures in the registry carry)", parseCertificate)
    .option('-o, --output <path>', 'write to this file (or into this directory) instead of stdout; Notation: the directory to fill');
  withServerOptions(cmd).action(async (repository: string, opts: Flags, command: Command) => {
    const chosen = FORMAT_FLAGS.filter((f) => opts[f.flag] === true);
    if (chosen.length !== 1) {
      command.error(
        `error: choose one format: ${FORMAT_FLAGS.map((f) => `--${f.format}`).join(', ')}${chosen.length > 1 ? ` (not ${chosen.map((f) => `--${f.format}`).join(' and ')})` : ''}`,
        { exitCode: 2, code: 'trust-tui.usage' },
      );
    }
    const format = chosen[0]!.format;
    if (format === 'notation' && !opts.output) {
      command.error('error: --notation writes a directory (trustpolicy.oci.json and truststore/): pass --output DIR', { exitCode: 2, code: 'trust-tui.usage' });
    }
    const g = globalOptions(command);
    const [{ cliContext }, { exportPolicy }, { writePolicy }] = await Promise.all([
      import('../context.js'),
      import('../../trust/policy/export-policy.js'),
      import('../../trust/policy/write.js'),
    ]);
    const signers = opts.signers?.split(',').map((s) => s.trim()).filter(Boolean);
    const r = await exportPolicy(cliContext(g, io), repository, {
      ...serverOptions(opts),
      format,
      ...(signers ? { signers } : {}),
      ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
      ...(opts.certificate ? { certificates: opts.certificate } : {}),
    });
    const written = opts.output ? await writePolicy(format, r.files, opts.output) : [];
    if (!r.caveatsInline && !g.json) for (const c of r.caveats) io.stderr(`NOTE: ${c}\n`);
    if (g.json) emit(io, g, { ...r, written }, () => '');
    else if (opts.output) io.stdout(`${summary(r, written)}\n`);
    else io.stdout(r.files[0]!.content);
  });
}
