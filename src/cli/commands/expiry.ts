// `trust-tui expiry [REPO...] [--within D]`: what runs out when, across every repository this host
// knows, with an exit code for cron and CI. `trust-tui renew REPO... | --all`: re-sign what this host
// can, after showing the plan.
import { Command } from 'commander';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { durationOption } from '../duration-option.js';
import type { ExpiryItem, ExpiryReport, Renewer } from '../../trust/expiry.js';
import type { RenewOutcome, RenewPlan } from '../../trust/renew.js';
import type { PinOnCertificate } from '../../trust/renew-pins.js';

type ServerFlags = { server?: string; tlscacert?: string };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const day = (iso: string) => iso.replace(/\.\d+Z$/, 'Z').replace('T', ' ');

function renewerText(r: Renewer): string {
  if (r.kind === 'this-host') return 'this host';
  if (r.kind === 'server') return 'the server (automatic)';
  return r.who;
}

function reportText(report: ExpiryReport): string {
  const lines: string[] = [];
  if (report.items.length === 0) {
    lines.push(report.withinMs !== undefined ? 'Nothing ends within the window.' : 'Nothing to list.');
  } else {
    lines.push(
      table(
        ['REPOSITORY', 'ROLE', 'EXPIRES', 'TIME LEFT', 'RENEWED BY'],
        report.items.map((i: ExpiryItem) => [i.gun + (i.offline ? ' (cached)' : ''), i.role, day(i.expires), i.timeLeft, renewerText(i.renewer)]),
      ),
    );
  }
  const others = report.items.filter((i) => i.renewer.kind === 'others' && (i.state !== 'valid' || report.withinMs !== undefined));
  if (others.length) {
    lines.push('', 'To renew roles whose keys others hold:');
    for (const i of others) {
      if (i.renewer.kind === 'others') lines.push(`  ${i.renewer.who} must run \`${i.renewer.command}\`${i.renewer.keyIds.length ? ` (keys ${i.renewer.keyIds.map((k) => k.slice(0, 12)).join(', ')})` : ''}`);
    }
  }
  const server = [...new Set(report.items.filter((i) => i.renewer.kind === 'server').map((i) => i.role))];
  for (const role of server) {
    const item = report.items.find((i) => i.role === role)!;
    if (item.renewer.kind === 'server') lines.push(`${role}: ${item.renewer.note}.`);
  }
  if (report.offline.length) lines.push(`Read from the local cache (trust server unreachable): ${report.offline.join(', ')}`);
  if (report.notInitialised.length) lines.push(`Not initialised on their trust server (nothing to expire): ${report.notInitialised.join(', ')}`);
  for (const u of report.unverified) lines.push(`Not shown: ${u.gun} ${u.role}, whose signatures do not verify (${u.problem})`);
  for (const r of report.rootExpired) lines.push(`${r.gun}: ${r.expired} expired, so the server cannot re-sign its timestamp: ${r.who === 'this host' ? 'renew it here with' : `${r.who} must run`} \`${r.command}\``);
  for (const u of report.unreadable) lines.push(`Could not read ${u.gun}: ${u.problem}${u.hint ? ` — ${u.hint.cli}` : ''}`);
  return lines.join('\n');
}

function planText(plan: RenewPlan, lifetimeText: (ms: number) => string, pinLine: (gun: string, pin: PinOnCertificate, updatePins: boolean) => string): string {
  const lines: string[] = [];
  const rows: string[][] = [];
  for (const r of plan.repositories) {
    for (const c of r.certificates) rows.push([r.gun, 'root certificate', day(c.notAfter), 'new certificate for the same root key']);
    for (const role of r.roles) rows.push([r.gun, role.role, day(role.expires), `re-sign, valid for ${lifetimeText(role.lifetimeMs)}`]);
  }
  lines.push(rows.length ? table(['REPOSITORY', 'ROLE', 'EXPIRES', 'RENEWAL'], rows) : 'Nothing this host can renew.');
  const pins = plan.repositories.flatMap((r) => r.pins.map((p) => pinLine(r.gun, p, plan.selection.updatePins === true)));
  if (pins.length) lines.push('', 'Pins on the root certificates replaced:', ...pins.map((l) => `  ${l}`));
  for (const r of plan.repositories.filter((x) => x.refused && x.roles.length)) lines.push(`Not renewed: ${r.refused!.problem} — ${r.refused!.hint.cli}`);
  const others = plan.repositories.flatMap((r) => r.others.map((o) => ({ gun: r.gun, ...o })));
  if (others.length) {
    lines.push('', 'Left to the holders of their keys:');
    for (const o of others) lines.push(`  ${o.gun} ${o.role} (expires ${day(o.expires)}): ${o.who} must run \`${o.command}\``);
  }
  // The server's own roles: said once per role, not per repository.
  const server = new Map(plan.repositories.flatMap((r) => r.server.map((x) => [x.role, x.note] as const)));
  if (server.size) lines.push('');
  for (const [role, note] of server) lines.push(`${role} is not renewed here: ${note}.`);
  for (const r of plan.repositories.filter((x) => x.offline && x.roles.length)) lines.push(`${r.gun}: read from the cache; its server must be reachable to renew`);
  for (const u of plan.unreadable) lines.push(`Could not read ${u.gun}: ${u.problem}${u.hint ? ` — ${u.hint.cli}` : ''}`);
  return lines.join('\n');
}

function outcomeText(outcomes: RenewOutcome[], line: (o: RenewOutcome) => string): string {
  return outcomes.map((o) => `${line(o)}${o.hint ? ` — ${o.hint.cli}` : ''}`).join('\n');
}

export function registerExpiryCommands(program: Command, io: Io): void {
  withServerOptions(
    program
      .command('expiry')
      .argument('[repositories...]', 'only these repositories (default: every repository this host knows)')
      .option('--within <duration>', 'only list what ends within this time (e.g. 30d, 12h, 2w); sets the exit code', durationOption)
      .option('--no-changefeed', "do not ask the configured servers' change feeds for more repositories")
      .description('When each role, signer and root certificate expires, soonest first, and who can renew it (exit 4: ends within the window, 5: expired)'),
  ).action(async (repositories: string[], opts: ServerFlags & { within?: number; changefeed?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, expiry] = await Promise.all([import('../context.js'), import('../../trust/expiry.js')]);
    const ctx = cliContext(g, io);
    const report = await expiry.listExpiries(ctx, {
      ...serverOptions(opts),
      repositories,
      ...(opts.within !== undefined ? { withinMs: opts.within } : {}),
      changefeed: opts.changefeed !== false,
      onProgress: (p) => {
        if (!g.json && p.total > 1 && process.stderr.isTTY) io.stderr(`\r[${p.index}/${p.total}] ${p.gun}\x1b[K${p.index === p.total ? '\n' : ''}`);
      },
    });
    const verdict = expiry.expiryVerdict(report);
    emit(io, g, { ...report, verdict }, () => reportText(report));
    const gap = expiry.expiryGap(report);
    if (gap) io.stderr(`trust-tui: ${gap}\n`);
    if (verdict === 'expired') throw new AlreadyReported(EXIT.expired);
    if (verdict === 'expiring') throw new AlreadyReported(EXIT.expiring);
    if (verdict === 'unreadable') throw new AlreadyReported(EXIT.error);
  });

  withServerOptions(
    program
      .command('renew')
      .argument('[repositories...]', 'repositories to renew')
      .option('--all', 'every repository this host knows')
      .option('--role <role>', 'only this role (repeatable): root (with its certificate), targets, targets/<signer>, snapshot', collect)
      .option('--within <duration>', 'only what ends within this time (e.g. 30d)', durationOption)
      .option('--expires <duration>', "new lifetime instead of each role's default (root 10y, targets and signers 3y, snapshot 3y)", durationOption)
      .option('--update-pins', "when a replaced root certificate is pinned: move trust-tui's pin to the new one, and print the new ID for notary configurations")
      .option('--notary-config <file>', "also check the trust_pinning of this notary client configuration (repeatable; notary's ~/.notary/config.json is checked when it exists)", collect)
      .option('--dry-run', 'only show what would be renewed')
      .option('-y, --yes', 'do not ask for confirmation')
      .description('Re-sign the roles whose keys this host holds with a new expiry, and replace a root certificate that runs out'),
  ).action(
    async (
      repositories: string[],
      opts: ServerFlags & {
        all?: boolean;
        role?: string[];
        within?: number;
        expires?: number;
        updatePins?: boolean;
        notaryConfig?: string[];
        dryRun?: boolean;
        yes?: boolean;
      },
      cmd: Command,
    ) => {
      if (opts.all && repositories.length > 0) cmd.error('error: give repositories or --all, not both', { exitCode: EXIT.usage, code: 'trust-tui.usage' });
      if (!opts.all && repositories.length === 0) cmd.error('error: name the repositories to renew, or --all', { exitCode: EXIT.usage, code: 'trust-tui.usage' });
      const g = globalOptions(cmd);
      const [{ cliContext }, renew, { CancelledError }, { pinPlanLine }] = await Promise.all([
        import('../context.js'),
        import('../../trust/renew.js'),
        import('../../trust/errors.js'),
        import('../../trust/renew-pins.js'),
      ]);
      const ctx = cliContext(g, io);
      const progress = (p: { index: number; total: number; gun: string }) => {
        if (!g.json && p.total > 1) io.stderr(`[${p.index}/${p.total}] ${p.gun}\n`);
      };
      const plan = await renew.planRenewal(
        ctx,
        opts.all ? 'all' : repositories,
        {
          ...(opts.role ? { roles: opts.role } : {}),
          ...(opts.within !== undefined ? { withinMs: opts.within } : {}),
          ...(opts.expires !== undefined ? { lifetimeMs: opts.expires } : {}),
          ...(opts.updatePins ? { updatePins: true } : {}),
        },
        { ...serverOptions(opts), ...(opts.notaryConfig ? { notaryConfigs: opts.notaryConfig } : {}), onProgress: progress },
      );
      const text = () => planText(plan, renew.lifetimeText, pinPlanLine);
      const pending = plan.repositories.filter((r) => r.roles.length > 0 && !r.refused);
      const refused = plan.repositories.filter((r) => r.roles.length > 0 && r.refused);
      const reportUnreadable = () => {
        if (plan.unreadable.length === 0) return;
        io.stderr(`trust-tui: ${plan.unreadable.length} ${plan.unreadable.length === 1 ? 'repository' : 'repositories'} could not be read, so nothing was renewed there\n`);
        throw new AlreadyReported(EXIT.error);
      };
      // A pin the new certificate breaks: refused before anything is asked or changed.
      const reportRefused = () => {
        for (const r of refused) io.stderr(`trust-tui: ${r.refused!.problem} — ${r.refused!.hint.cli}\n`);
        if (refused.length) throw new AlreadyReported(EXIT.error);
      };
      if (opts.dryRun || pending.length === 0) {
        emit(io, g, { plan, dryRun: true }, text);
        if (!opts.dryRun) reportRefused();
        reportUnreadable();
        return;
      }
      if (!g.json) io.stdout(text() + '\n\n');
      if (!opts.yes) {
        const n = pending.length;
        const ok = await ctx.confirm(`Renew the roles above in ${n} ${n === 1 ? 'repository' : 'repositories'}?`);
        if (!ok) throw new CancelledError('renewal cancelled: nothing was changed');
      }
      const outcomes = await renew.runRenewal(ctx, plan, { ...serverOptions(opts), onProgress: progress });
      emit(io, g, { plan, outcomes }, () => outcomeText(outcomes, renew.renewOutcomeLine));
      if (outcomes.some((o) => o.status === 'failed' || o.status === 'refused')) {
        io.stderr('trust-tui: some repositories were not renewed; fix the cause and run renew again\n');
        throw new AlreadyReported(EXIT.error);
      }
      reportUnreadable();
    },
  );
}
