// `trust-tui sweep key KEY-ID` / `trust-tui sweep signer NAME`: take a compromised key, or every key
// of a departed signer, out of every repository this host knows. Shows the dry run, asks for the
// short key ID (or the signer name) to be typed, then runs over the repositories, `--concurrency` at a
// time (Ctrl-C: no further repository is started); running it again finishes an interrupted sweep.
import { InvalidArgumentError, type Command } from 'commander';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { ask } from '../prompt.js';
import { CONCURRENCY_HELP, concurrencyOption } from '../concurrency-option.js';
import type { SweepPlan, SweepTarget } from '../../trust/sweep.js';
import { isKeyIdPrefix } from '../../tuf/short-key-id.js';
import { impactInputs, withImpactOptions, type ImpactFlags } from './impact-options.js';

function planText(plan: SweepPlan, combinedImpactLines: (impacts: NonNullable<SweepPlan['impacts']>) => string[]): string {
  const pending = plan.items.filter((i) => !i.done);
  const lines = [
    pending.length === 0
      ? plan.unreadable.length
        ? 'Nothing to do in the repositories that could be read.'
        : 'Nothing to do: no known repository uses it (any more).'
      : table(
          ['REPOSITORY', 'ROLE', 'CHANGE', 'TAGS LOSING THEIR LAST SIGNATURE'],
          pending.map((i) => [i.gun, i.role, i.outcome, i.tags.filter((t) => t.losesLastSignature).map((t) => t.tag).join(', ') || '-']),
        ),
  ];
  const done = plan.items.filter((i) => i.done).map((i) => i.gun);
  if (done.length) lines.push('', `Already done by an earlier run: ${done.join(', ')}`);
  const impact = combinedImpactLines(plan.impacts ?? []);
  if (impact.length > 0) lines.push('', 'What docker pull would do afterwards:', ...impact.map((l) => `  ${l}`));
  for (const u of plan.unreadable) lines.push(`Could not read ${u.gun}: ${u.problem}${u.hint ? ` — ${u.hint.cli}` : ''}`);
  return lines.join('\n');
}

type SweepFlags = ImpactFlags & { dryRun?: boolean; yes?: boolean; concurrency?: number };

async function runSweepCommand(target: SweepTarget, opts: SweepFlags, cmd: Command, io: Io): Promise<void> {
  const g = globalOptions(cmd);
  const dockerfiles = await impactInputs(opts, cmd);
  const [{ cliContext }, sweep, { CancelledError }, { combinedImpactLines }] = await Promise.all([
    import('../context.js'),
    import('../../trust/sweep.js'),
    import('../../trust/errors.js'),
    import('../../trust/impact.js'),
  ]);
  const ctx = cliContext(g, io);
  const concurrency = opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {};
  const plan = await sweep.planSweep(ctx, target, { dockerfiles, ...concurrency });
  const pending = plan.items.filter((i) => !i.done);
  // Said last, and not a success: a repository that could not be read may still use the key.
  const reportGap = () => {
    const gap = sweep.sweepGap(plan);
    if (!gap) return;
    io.stderr(`trust-tui: ${gap}\n`);
    throw new AlreadyReported(EXIT.error);
  };
  if (opts.dryRun || pending.length === 0) {
    emit(io, g, plan, () => planText(plan, combinedImpactLines));
    reportGap();
    return;
  }
  if (!g.json) io.stdout(planText(plan, combinedImpactLines) + '\n\n');
  // Every repository still to do refuses the removal (it would lose releases there): nothing to confirm.
  if (pending.every((i) => i.outcome.startsWith('refused: '))) {
    if (g.json) emit(io, g, plan, () => '');
    io.stderr('trust-tui: every repository above refuses the removal (see CHANGE): nothing was changed; add --force to remove the signer there anyway\n');
    throw new AlreadyReported(EXIT.error);
  }
  if (!opts.yes) {
    const answer = await ask(io, `Type ${plan.confirmText} to remove it from every repository above: `);
    if (answer !== plan.confirmText) throw new CancelledError('sweep cancelled: nothing was changed');
  }
  const outcomes = await whileCtrlCStops(io, (signal) =>
    sweep.runSweep(ctx, plan, {
      ...concurrency,
      signal,
      onProgress: (p) => {
        if (!g.json) io.stderr(`[${p.index}/${p.total}] ${p.gun}\n`);
      },
    }),
  );
  emit(io, g, { plan, outcomes }, () =>
    table(['REPOSITORY', 'RESULT'], outcomes.map((o) => [o.gun, o.message ? `${o.status}: ${o.message}${o.hint ? ` — ${o.hint.cli}` : ''}` : o.status])),
  );
  if (outcomes.some((o) => o.status === 'failed')) {
    io.stderr('trust-tui: some repositories failed; fix the cause and run the same sweep again to finish\n');
    throw new AlreadyReported(EXIT.error);
  }
  if (outcomes.some((o) => o.status === 'skipped')) {
    io.stderr('trust-tui: stopped before every repository was done; run the same sweep again to finish\n');
    throw new AlreadyReported(EXIT.error);
  }
  reportGap();
  if (outcomes.some((o) => o.status === 'requested')) {
    io.stderr('trust-tui: the signer stays where a signing request was opened until it is submitted (trust-tui request list)\n');
    throw new AlreadyReported(EXIT.pending);
  }
}

/**
 * Runs the sweep with Ctrl-C as "stop": the first one starts no further repository and lets those
 * in progress finish (each is one atomic publish, and the journal records it); a second one quits.
 */
async function whileCtrlCStops<T>(io: Io, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInt = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    io.stderr('trust-tui: stopping after the repositories in progress (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onInt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onInt);
  }
}

/** commander's parser of a key ID argument: what is not one is a usage error (exit 2), before anything is read. */
function keyIdArgument(value: string): string {
  const id = value.toLowerCase();
  if (!isKeyIdPrefix(id)) throw new InvalidArgumentError('not a key ID: give at least 7 hex digits of it');
  return id;
}

export function registerSweepCommands(program: Command, io: Io): void {
  const sweep = program.command('sweep').description('Remove a compromised key, or a departed signer, from every repository at once');
  withImpactOptions(sweep
    .command('key')
    .argument('<key-id>', 'the key ID (at least 7 hex digits)', keyIdArgument)
    .option('--dry-run', 'only show what would change')
    .option('-y, --yes', 'do not ask for the key ID to be typed')
    .option('--concurrency <n>', CONCURRENCY_HELP, concurrencyOption)
    .description('Remove a key from every signer of every known repository'))
    .action((keyId: string, opts: SweepFlags, cmd: Command) =>
      runSweepCommand({ kind: 'key', keyId }, opts, cmd, io),
    );
  withImpactOptions(sweep
    .command('signer')
    .argument('<name>', 'the signer who left')
    .option('--repo <repository>', 'only this repository')
    .option('--dry-run', 'only show what would change')
    .option('-y, --yes', 'do not ask for the name to be typed')
    .option('--force', 'remove the signer even where tags stop being pullable (as sweep key does); without it, as signer remove: a signing request where releases needs other signers, refused where it would lose releases')
    .option('--concurrency <n>', CONCURRENCY_HELP, concurrencyOption)
    .description('Remove a signer (all its keys) from every known repository'))
    .action((name: string, opts: SweepFlags & { repo?: string; force?: boolean }, cmd: Command) =>
      runSweepCommand({ kind: 'signer', name, ...(opts.repo ? { gun: opts.repo } : {}), ...(opts.force ? { force: true } : {}) }, opts, cmd, io),
    );
}
