// `trust-tui role threshold REPO ROLE K`: how many distinct keys must sign each version of a role.
import { Command, InvalidArgumentError } from 'commander';
import type { ThresholdResult } from '../../trust/role-threshold.js';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { impactInputs, withImpactOptions, type ImpactFlags } from './impact-options.js';

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('the threshold must be a whole number of at least 1');
  return Number(value);
}

export function renderThreshold(r: ThresholdResult, impactLines: (i: NonNullable<ThresholdResult['impact']>) => string[] = () => []): string {
  const what = `${r.role} of ${r.gun}: threshold ${r.from} → ${r.to} (${r.to} of ${r.keys.length} key(s) must sign each version: ${r.keys.join(', ')})`;
  const lines = [r.outcome === 'dry-run' ? `Would change ${what}` : r.outcome === 'request' ? `Not published yet: ${what}` : `Changed ${what}`];
  for (const b of r.bundled) lines.push(`  ${b} is re-signed with this host's keys in the same upload, so its tags stay pullable`);
  for (const s of r.needSignatures) {
    lines.push(`  ${s.role} carries ${s.validAfter} valid signature(s) of the ${s.threshold} it would need: raising the threshold alone would hide ${s.tags.length} tag(s)${s.tags.length ? ` (${s.tags.join(', ')})` : ''}`);
  }
  for (const s of r.unreleased) lines.push(`  ${s.role} no longer verifies: ${s.tags.length} tag(s) hidden from docker pull`);
  if (r.outcome === 'dry-run' && r.needSignatures.length > 0 && r.unreleased.length === 0) {
    lines.push('  nothing would be published yet: a signing request would carry the threshold and the re-signed role together, so no tag hides meanwhile');
  }
  if (r.impact) lines.push(...impactLines(r.impact));
  if (r.request) {
    lines.push(`Signing request ${r.request.id} opened (${r.request.status}): the threshold and the re-signed role go together in one upload`);
    lines.push(`  ${r.request.location}`);
  }
  return lines.join('\n');
}

export function registerRoleCommands(program: Command, io: Io): void {
  const role = program.command('role').description('Settings of a repository\'s roles');
  withImpactOptions(withServerOptions(
    role
      .command('threshold')
      .argument('<repository>', 'repository')
      .argument('<role>', 'delegation, e.g. releases (docker\'s targets/releases) or targets/NAME')
      .argument('<k>', 'distinct keys that must sign each version', parseCount)
      .option('--dry-run', 'show what would change and which tags it affects; change nothing')
      .option('--no-request', 'never open a signing request: refuse when the role\'s current file would fall short')
      .option('-f, --force', 'publish the threshold alone even when that hides tags (lists them and asks)')
      .option('-y, --yes', 'do not ask')
      .description('Set how many distinct keys must sign a role (raising it never hides tags without --force)'),
  )).action(async (repository: string, roleName: string, k: number, opts: ImpactFlags & { server?: string; tlscacert?: string; dryRun?: boolean; request?: boolean; force?: boolean; yes?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const dockerfiles = await impactInputs(opts, cmd);
    const [{ cliContext }, { setRoleThreshold }, { impactLines }] = await Promise.all([import('../context.js'), import('../../trust/role-threshold.js'), import('../../trust/impact.js')]);
    const r = await setRoleThreshold(cliContext(g, io), repository, roleName, k, {
      ...serverOptions(opts),
      dryRun: opts.dryRun,
      noRequest: opts.request === false,
      force: opts.force,
      yes: opts.yes,
      dockerfiles,
    });
    emit(io, g, r, () => renderThreshold(r, impactLines));
    if (r.outcome === 'request') throw new AlreadyReported(EXIT.pending);
  });
}
