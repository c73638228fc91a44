// `trust-tui migrate REPO… --to URL`: move repositories to another Notary server, keeping every
// signature. Shows the plan (the dry run), asks once, then migrates repository by repository with
// progress on stderr; running the same command again finishes an interrupted run.
import type { Command } from 'commander';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import type { MigrationOutcome, MigrationPlan, RepositoryMigration, TagSigners } from '../../trust/migrate.js';

interface MigrateFlags {
  to: string;
  toTlscacert?: string;
  from?: string;
  fromTlscacert?: string;
  fromCache?: string | true;
  renewExpired?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

interface TagRow {
  tag: string;
  source: { digest: string; signers: string[] } | null;
  destination: { digest: string; signers: string[] } | null;
}

/** Each tag with its digest and signers on both sides (null: absent there). */
function tagRows(source: readonly TagSigners[], destination: readonly TagSigners[] | undefined): TagRow[] {
  const names = [...new Set([...source.map((t) => t.tag), ...(destination ?? []).map((t) => t.tag)])].sort();
  const side = (list: readonly TagSigners[] | undefined, tag: string) => {
    const t = list?.find((x) => x.tag === tag);
    return t ? { digest: t.digest, signers: t.signers } : null;
  };
  return names.map((tag) => ({ tag, source: side(source, tag), destination: side(destination, tag) }));
}

function tagTable(rows: readonly TagRow[]): string {
  if (rows.length === 0) return '  (no signed tags)';
  return table(
    ['  TAG', 'DIGEST', 'SIGNERS AT SOURCE', 'SIGNERS AT DESTINATION'],
    rows.map((r) => [
      `  ${r.tag}`,
      (r.source ?? r.destination)!.digest + (r.source && r.destination && r.source.digest !== r.destination.digest ? ` (destination: ${r.destination.digest})` : ''),
      r.source ? r.source.signers.join(', ') : '-',
      r.destination ? r.destination.signers.join(', ') : '-',
    ]),
  );
}

function actionText(item: RepositoryMigration): string {
  const roots = item.rootVersions.length ? `root v${item.rootVersions.join(', v')}` : '';
  switch (item.action) {
    case 'migrate':
      return `migrate: publish ${roots}, ${item.unchangedRoles.length} targets role(s) unchanged${item.renewedRoles.length ? `, renew ${item.renewedRoles.join(', ')}` : ''}`;
    case 'resume':
      return `resume: publish ${roots} (the rest is there already)`;
    case 'already-migrated':
      return item.note ? `already migrated, ${item.note}; nothing to do` : 'already migrated: the destination holds the same verified trust data';
    case 'blocked':
      return `blocked: ${item.problem ?? 'cannot be migrated'}${item.hint ? ` — ${item.hint.cli}` : ''}`;
  }
}

function planText(plan: MigrationPlan): string {
  const lines = [`Migration from ${plan.from} to ${plan.to}:`];
  for (const item of plan.repositories) {
    lines.push('', `${item.gun}${item.sourceUrl && item.sourceUrl !== plan.from ? ` (from ${item.sourceUrl})` : ''}: ${actionText(item)}`);
    for (const e of item.expired) lines.push(`  ${e.role} expired on ${e.expires}: ${e.outcome === 'replaced' ? 'replaced by the destination' : e.outcome === 'renewed' ? 're-signed on the way' : 'blocks the migration'}`);
    for (const s of item.skipped) lines.push(`  ${s.role} is not moved: ${s.problem}`);
    if (item.action !== 'blocked' || item.source.length) lines.push(tagTable(tagRows(item.source, item.destination)));
  }
  return lines.join('\n');
}

function outcomeText(outcome: MigrationOutcome): string {
  const head =
    outcome.status === 'migrated'
      ? `migrated: the destination serves root v${outcome.rootVersion} and ${outcome.destination?.length ?? 0} signed tag(s), read back into a fresh trust directory`
      : outcome.status === 'already-migrated'
        ? `already migrated: nothing was changed${outcome.message ? ` (${outcome.message})` : ''}`
        : `${outcome.status}: ${outcome.message ?? ''}${outcome.hint ? ` — ${outcome.hint.cli}` : ''}`;
  return [`${outcome.gun}: ${head}`, tagTable(tagRows(outcome.source, outcome.destination))].join('\n');
}

function jsonRepository(item: RepositoryMigration, outcome?: MigrationOutcome) {
  return {
    gun: item.gun,
    status: outcome?.status ?? item.action,
    ...((outcome?.message ?? item.problem) ? { message: outcome?.message ?? item.problem } : {}),
    ...((outcome?.hint ?? item.hint) ? { hint: (outcome?.hint ?? item.hint)!.cli } : {}),
    ...(item.note ? { note: item.note } : {}),
    source: item.sourceUrl ?? null,
    sourceRootVersion: item.sourceRootVersion ?? null,
    plannedRootVersions: item.rootVersions,
    ...(outcome?.rootVersion !== undefined ? { rootVersion: outcome.rootVersion } : {}),
    unchangedRoles: item.unchangedRoles,
    renewedRoles: item.renewedRoles,
    expired: item.expired,
    skipped: item.skipped,
    tags: tagRows(outcome?.source ?? item.source, outcome?.destination ?? item.destination),
  };
}

async function runMigrateCommand(repositories: string[], opts: MigrateFlags, cmd: Command, io: Io): Promise<void> {
  const g = globalOptions(cmd);
  if (repositories.length === 0) {
    // `--from-cache [DIR]` takes the next word as its directory: `--from-cache REPO` leaves no repository.
    const why =
      typeof opts.fromCache === 'string'
        ? `error: --from-cache took ${opts.fromCache} as its trust directory: name the repositories before --from-cache, or write --from-cache=DIR`
        : "error: missing required argument 'repositories'";
    cmd.error(why, { exitCode: 2, code: 'trust-tui.usage' });
  }
  if (opts.from !== undefined && opts.fromCache !== undefined) {
    cmd.error('error: --from and --from-cache exclude each other: name one source', { exitCode: 2, code: 'trust-tui.usage' });
  }
  const [{ cliContext }, migrate, { CancelledError }] = await Promise.all([import('../context.js'), import('../../trust/migrate.js'), import('../../trust/errors.js')]);
  const ctx = cliContext(g, io);
  const options = {
    to: opts.to,
    ...(opts.toTlscacert ? { toCa: opts.toTlscacert } : {}),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.fromTlscacert ? { fromCa: opts.fromTlscacert } : {}),
    ...(opts.fromCache !== undefined ? { fromCache: opts.fromCache } : {}),
    ...(opts.renewExpired ? { renewExpired: true } : {}),
  };
  if (!g.json) io.stderr(`Reading and verifying ${repositories.length} repositor${repositories.length === 1 ? 'y' : 'ies'}...\n`);
  const plan = await migrate.planMigration(ctx, repositories, options);
  const blocked = plan.repositories.filter((r) => r.action === 'blocked');
  const pending = plan.repositories.filter((r) => r.action === 'migrate' || r.action === 'resume');
  const finish = (outcomes?: MigrationOutcome[]) => {
    const advice = migrate.clientAdviceFor(plan, outcomes);
    emit(
      io,
      g,
      {
        from: plan.from,
        to: plan.to,
        dryRun: opts.dryRun === true,
        repositories: plan.repositories.map((item) => jsonRepository(item, outcomes?.find((o) => o.gun === item.gun))),
        clientAdvice: advice,
      },
      () => (outcomes ? outcomes.map(outcomeText).join('\n\n') + (advice.length ? `\n\nPoint clients at ${plan.to}:\n${advice.map((a) => `  ${a}`).join('\n')}` : '') : planText(plan)),
    );
    const failed = (outcomes ?? plan.repositories.map((r) => ({ gun: r.gun, status: r.action }))).filter((o) => o.status === 'failed' || o.status === 'blocked');
    if (failed.length) {
      io.stderr(`trust-tui: ${failed.map((f) => f.gun).join(', ')} ${failed.length === 1 ? 'was' : 'were'} not migrated; fix the cause and run the same command again to finish\n`);
      throw new AlreadyReported(EXIT.error);
    }
  };
  if (opts.dryRun) return finish();
  // Nothing to publish: no question, but the run still records what it found and says where to point clients.
  if (pending.length === 0) return finish(plan.repositories.some((r) => r.action === 'already-migrated') ? await migrate.runMigration(ctx, plan) : undefined);
  if (!g.json) io.stdout(planText(plan) + '\n\n');
  if (!opts.yes) {
    const question = `Publish ${pending.map((r) => r.gun).join(', ')} to ${plan.to} (root re-signed with this host's root key)${blocked.length ? `, leaving ${blocked.length} blocked one(s)` : ''}?`;
    if (!(await ctx.confirm(question))) throw new CancelledError('migration cancelled: nothing was changed');
  }
  const outcomes = await migrate.runMigration(ctx, plan, {
    onProgress: (p) => {
      if (!g.json) io.stderr(`[${p.index}/${p.total}] ${p.gun}: ${p.step}\n`);
    },
  });
  finish(outcomes);
}

export function registerMigrateCommand(program: Command, io: Io): void {
  program
    .command('migrate')
    .argument('[repositories...]', 'repositories (GUNs) to move (at least one)')
    .requiredOption('--to <url>', 'the destination trust server')
    .option('--to-tlscacert <file>', 'CA certificate of the destination server')
    .option('--from <url>', "the source trust server (default: the repository's usual server)")
    .option('--from-tlscacert <file>', 'CA certificate of the source server')
    .option('--from-cache [trust-dir]', "take the source from this host's cached, verified trust data (default: the trust directory; e.g. ~/.notary for notary's)")
    .option('--renew-expired', 're-sign expired targets roles on the way (their keys must be on this host)')
    .option('--dry-run', 'only read, verify and show what would be done')
    .option('-y, --yes', 'do not ask for confirmation')
    .description('Move repositories to another Notary server, keeping every signature (root key holder only)')
    .addHelpText(
      'after',
      `
Exit codes:
  0  every repository was migrated or already is (with --dry-run: every one can be)
  1  a repository is blocked or failed (the message says why); the others are done — fix the cause
     and run the same command again to finish
  2  usage error
  3  cancelled at the confirmation (nothing was changed)`,
    )
    .action((repositories: string[], opts: MigrateFlags, cmd: Command) => runMigrateCommand(repositories, opts, cmd, io));
}
