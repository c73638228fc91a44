// `trust-tui export cosign|notation REPO[:TAG]… --as SIGNER` and `trust-tui export status REPO…`:
// a signer's DCT signatures made again in cosign's and Notation's formats, and the migration report.
import type { Command } from 'commander';
import type { ExportOutcome, ExportTarget } from '../../trust/export/export-signatures.js';
import { formatActions } from '../../trust/export/format-actions.js';
import type { StatusOutcome } from '../../trust/export/export-status.js';
import { AlreadyReported, errorLine } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { exportGroup } from './export-group.js';

type ExportFlags = { server?: string; tlscacert?: string; as?: string; admin?: boolean; dryRun?: boolean };
type StatusFlags = { server?: string; tlscacert?: string; notation?: boolean };

const FORMAT_NAMES: Record<string, string> = { sig: '.sig', bundle: 'bundle', notation: 'notation' };
const short = (digest: string) => digest.replace(/^sha256:(.{12}).*/, 'sha256:$1…');

function renderExport(r: ExportOutcome): string {
  const lines: string[] = r.dryRun ? ['Dry run: no key was unlocked and nothing was written.'] : [];
  for (const repo of r.repositories) {
    const who = repo.role === 'targets' ? 'the repository key' : repo.signer;
    lines.push(`${repo.gun}: signatures of ${who} (key ${repo.keyId.slice(0, 7)}) as ${repo.formats.map((f) => FORMAT_NAMES[f]).join(' + ')}`);
    if (repo.tags.length === 0) lines.push(`  no released tag signed by ${who}`);
    else {
      lines.push(
        table(
          ['  TAG', 'DIGEST', 'RESULT'],
          repo.tags.map((t) => [`  ${t.tag}`, t.digest ? short(t.digest) : '-', t.state === 'skipped' ? `skipped: ${t.reason}` : formatActions(t.formats, (f) => FORMAT_NAMES[f]!)]),
        ),
      );
    }
    const cert = repo.certificate;
    if (cert?.wouldCreate) {
      lines.push(`Notation certificate (would be made): ${cert.path}`, `  subject ${cert.subject}`);
    } else if (cert) {
      lines.push(
        `Notation certificate${cert.created ? ' (new)' : ''}: ${cert.path}`,
        `  subject ${cert.subject}${cert.validTo ? `, valid until ${cert.validTo}` : ''}`,
        `  the signatures carry it; trust-tui export policy --notation|--kyverno-notary ${repo.gun} finds it there`,
      );
    }
  }
  return lines.join('\n');
}

function renderStatus(r: StatusOutcome): string {
  const lines: string[] = [];
  const mark = (state: string) => (state === 'verified' ? 'verified' : state === 'invalid' ? 'INVALID' : 'missing');
  for (const repo of r.repositories) {
    lines.push(`${repo.gun} (required: ${repo.required.map((f) => FORMAT_NAMES[f]).join(', ')})`);
    const rows = repo.tags.flatMap((t) =>
      t.signers.map((s, i) => [i === 0 ? t.tag : '', i === 0 ? short(t.digest) : '', s.signer, ...s.formats.map((f) => mark(f.state))]),
    );
    if (rows.length > 0) lines.push(table(['TAG', 'DIGEST', 'SIGNER', '.SIG', 'BUNDLE', 'NOTATION'], rows));
    else lines.push('  no released tags');
    for (const t of repo.tags) {
      lines.push(`${t.tag}: ${t.summary}`);
      for (const s of t.signers) for (const f of s.formats) if (f.problem) lines.push(`  ${s.signer} ${FORMAT_NAMES[f.format]}: ${f.problem}`);
    }
    for (const u of repo.unexportable) lines.push(`${u.tag}: cannot be exported: ${u.reason}`);
  }
  return lines.join('\n');
}

function reportFailures(io: Io, failures: { name: string; error: Error }[]): void {
  for (const f of failures) io.stderr(`trust-tui: ${f.name}: ${errorLine(f.error)}\n`);
}

function failuresJson(failures: { name: string; error: Error }[]) {
  return failures.map((f) => ({ name: f.name, error: errorLine(f.error) }));
}


export function registerExportSignatureCommands(program: Command, io: Io): void {
  const group = exportGroup(program);
  for (const target of ['cosign', 'notation'] as ExportTarget[]) {
    withServerOptions(
      group
        .command(target)
        .argument('<references...>', 'REPO (every released tag) or REPO:TAG')
        .option('--as <signer>', 'the signer whose DCT signatures are exported (its key must be on this host)')
        .option('--admin', 'export with the repository (targets) key, for tags no signer signed ("Repo Admin")')
        .option('--dry-run', 'only say, per tag and format, what would be written (no passphrase is asked, nothing is written)')
        .description(
          target === 'cosign'
            ? "Sign a signer's released tags again with its DCT key as cosign signatures: the legacy .sig image and the Sigstore bundle referrer"
            : "Sign a signer's released tags again with its DCT key as Notation (JWS) signatures, with a self-signed certificate over that key",
        ),
    ).action(async (references: string[], opts: ExportFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { exportSignatures }] = await Promise.all([import('../context.js'), import('../../trust/export/export-signatures.js')]);
      const r = await exportSignatures(cliContext(g, io), target, references, { ...serverOptions(opts), signer: opts.as, admin: opts.admin, dryRun: opts.dryRun });
      emit(io, g, { dryRun: r.dryRun, repositories: r.repositories, failures: failuresJson(r.failures) }, () => renderExport(r));
      if (r.failures.length > 0) {
        reportFailures(io, r.failures);
        throw new AlreadyReported(EXIT.error);
      }
    });
  }

  withServerOptions(
    group
      .command('status')
      .argument('<references...>', 'REPO (every released tag) or REPO:TAG')
      .option('--notation', 'count Notation signatures as required too (default: the two cosign formats)')
      .description(
        'The migration report: per released tag, which of its DCT signers have exported verifying signatures to the registry (exit code 6 while someone is missing)',
      ),
  ).action(async (references: string[], opts: StatusFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { exportStatus }] = await Promise.all([import('../context.js'), import('../../trust/export/export-status.js')]);
    const r = await exportStatus(cliContext(g, io), references, { ...serverOptions(opts), notation: opts.notation });
    emit(io, g, { repositories: r.repositories, failures: failuresJson(r.failures), complete: r.failures.length === 0 && r.repositories.every((x) => x.complete) }, () => renderStatus(r));
    if (r.failures.length > 0) {
      reportFailures(io, r.failures);
      throw new AlreadyReported(EXIT.error);
    }
    if (!r.repositories.every((x) => x.complete)) throw new AlreadyReported(EXIT.incomplete);
  });
}
