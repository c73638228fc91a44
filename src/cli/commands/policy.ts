// `trust-tui policy init | plan | check`: the signing policy file (trust-policy.yaml). `plan` shows
// where each repository differs from the policy and what each change would do, with Terraform's
// detailed exit codes; `check` evaluates the deployability rule per tag.
import type { Command } from 'commander';
import { AlreadyReported } from '../errors.js';
import { EXIT, POLICY_EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { ask } from '../prompt.js';
import { impactInputs, withImpactOptions, type ImpactFlags } from './impact-options.js';
import { serverOptions, withServerOptions } from './server-options.js';

type ServerFlags = { server?: string; tlscacert?: string };
const DEFAULT_FILE = 'trust-policy.yaml';

export function registerPolicyCommands(program: Command, io: Io): void {
  const policy = program
    .command('policy')
    .description('Signing policy (trust-policy.yaml): write one from a repository, plan the differences, apply them, check tags')
    .addHelpText(
      'after',
      `
Exit codes of policy plan (as terraform plan -detailed-exitcode):
  0  every repository matches the policy
  1  error (the policy file is invalid, or a repository could not be read)
  2  differences or warnings (see the plan)
Exit codes of policy check:
  0  every tag checked is deployable
  1  error
  2  some tag is not deployable (one line per tag says who is missing)
Exit codes of policy apply:
  0  applied, and a fresh read shows every repository in sync
  1  error (nothing more was changed for a repository that failed)
  2  differences remain that apply could not act on (warnings, missing keys; see the output)
  3  cancelled at the confirmation (nothing was changed)
  8  signing requests were opened and wait on signatures (trust-tui request list)`,
    );

  withServerOptions(
    policy
      .command('init')
      .description('Write a policy that describes a repository as it is now')
      .requiredOption('--from <repository>', 'the repository to describe')
      .option('-o, --output <file>', 'where to write it', DEFAULT_FILE)
      .option('--force', 'replace an existing file'),
  ).action(async (opts: ServerFlags & { from: string; output: string; force?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, service] = await Promise.all([import('../context.js'), import('../../trust/signing-policy/service.js')]);
    const result = await service.initPolicy(cliContext(g, io), opts.from, opts.output, { ...serverOptions(opts), ...(opts.force ? { force: true } : {}) });
    emit(io, g, { file: result.file, gun: result.gun }, () => `Wrote ${result.file} from ${result.gun}. Edit it, then run: trust-tui policy plan -f ${result.file}`);
  });

  withServerOptions(
    policy
      .command('plan')
      .description('Show where each repository differs from the policy, and the impact of each change (nothing is changed)')
      .argument('[repositories...]', 'repositories to plan (default: every repository the policy names, and known ones its patterns match)')
      .option('-f, --file <file>', 'the policy file', DEFAULT_FILE),
  ).action(async (repositories: string[], opts: ServerFlags & { file: string }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, service, render] = await Promise.all([
      import('../context.js'),
      import('../../trust/signing-policy/service.js'),
      import('../../trust/signing-policy/render.js'),
    ]);
    const ctx = cliContext(g, io);
    const policy = await service.loadPolicy(opts.file);
    const outcome = await service.planPolicy(ctx, policy, repositories, serverOptions(opts));
    const changes = outcome.plans.flatMap((p) => p.changes);
    emit(
      io,
      g,
      {
        file: opts.file,
        inSync: changes.length === 0 && outcome.failures.length === 0,
        summary: render.totals(outcome.plans),
        changes,
        repositories: outcome.plans.map(({ changes: _c, deployable, ...rest }) => ({ ...rest, deployable: { rule: deployable.rule, meeting: deployable.meeting, total: deployable.total } })),
        deployable: outcome.plans.flatMap((p) => p.deployable.verdicts),
        failures: outcome.failures,
      },
      () => render.renderPlan(outcome.plans, outcome.failures.map((f) => ({ gun: f.gun, error: f.hint ? `${f.error} — ${f.hint}` : f.error }))),
    );
    if (outcome.failures.length > 0) {
      const n = outcome.failures.length;
      io.stderr(`trust-tui: ${n} ${n === 1 ? 'repository' : 'repositories'} could not be planned (${outcome.failures.map((f) => f.gun).join(', ')}); the others are shown\n`);
      throw new AlreadyReported(POLICY_EXIT.error);
    }
    if (changes.length > 0) throw new AlreadyReported(POLICY_EXIT.differences);
  });

  withServerOptions(
    policy
      .command('check')
      .description("Evaluate the policy's deployability rule for a tag (every signed tag when none is given)")
      .argument('<image>', 'IMAGE[:TAG]')
      .option('-f, --file <file>', 'the policy file', DEFAULT_FILE),
  ).action(async (image: string, opts: ServerFlags & { file: string }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, service, render] = await Promise.all([
      import('../context.js'),
      import('../../trust/signing-policy/service.js'),
      import('../../trust/signing-policy/render.js'),
    ]);
    const policy = await service.loadPolicy(opts.file);
    const verdicts = await service.checkPolicy(cliContext(g, io), policy, image, serverOptions(opts));
    emit(io, g, { deployable: verdicts.length > 0 && verdicts.every((v) => v.deployable), tags: verdicts }, () =>
      verdicts.length ? render.renderVerdicts(verdicts) : `${image}: no signed tags`,
    );
    if (verdicts.length === 0 || verdicts.some((v) => !v.deployable)) throw new AlreadyReported(POLICY_EXIT.differences);
  });

  withServerOptions(
    withImpactOptions(
      policy
        .command('apply')
        .description('Carry out the plan: publish what the keys of this host allow, open signing requests for the rest')
        .argument('[repositories...]', 'repositories to apply (default: every repository the policy names, and known ones its patterns match)')
        .option('-f, --file <file>', 'the policy file', DEFAULT_FILE)
        .option('--key <file>', 'a public key or certificate for a key the policy names (repeatable)', (v: string, all: string[] = []) => [...all, v])
        .option('--dry-run', 'show what apply would do (and its impact on docker pull), change nothing')
        .option('-y, --yes', 'do not ask before removals and changes that would hide tags'),
    ),
  ).action(async (repositories: string[], opts: ServerFlags & ImpactFlags & { file: string; key?: string[]; dryRun?: boolean; yes?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const dockerfiles = await impactInputs(opts, cmd);
    const [{ cliContext }, service, apply, render, { CancelledError, InputError }] = await Promise.all([
      import('../context.js'),
      import('../../trust/signing-policy/service.js'),
      import('../../trust/signing-policy/apply.js'),
      import('../../trust/signing-policy/render.js'),
      import('../../trust/errors.js'),
    ]);
    const ctx = cliContext(g, io);
    const policy = await service.loadPolicy(opts.file);
    const options = { ...serverOptions(opts), keyFiles: opts.key ?? [], dockerfiles };
    const plan = await apply.planApply(ctx, policy, opts.file, repositories, { ...options, ...(opts.dryRun ? { dryRun: true } : {}) });
    const couldNotRead = () => {
      if (plan.failures.length === 0) return;
      io.stderr(`trust-tui: ${plan.failures.length} ${plan.failures.length === 1 ? 'repository' : 'repositories'} could not be read (${plan.failures.map((f) => f.gun).join(', ')})\n`);
      throw new AlreadyReported(POLICY_EXIT.error);
    };
    if (opts.dryRun || !apply.applyActs(plan)) {
      emit(io, g, { dryRun: !!opts.dryRun, ...plan }, () => `${render.renderApplyPlan(plan)}${opts.dryRun ? '\nDry run: nothing was changed.' : ''}`);
      couldNotRead();
      const left = plan.repositories.some((r) => !r.plan.inSync);
      if (left) throw new AlreadyReported(POLICY_EXIT.differences);
      return;
    }
    if (!g.json) io.stdout(render.renderApplyPlan(plan) + '\n\n');
    // Destructive steps apply will act on: confirmed by typing the repository's name.
    if (!opts.yes) {
      for (const r of apply.toConfirm(plan)) {
        const what = r.changes.map(apply.destructiveReason).join('; ');
        // The plan printed above carries the whole impact; with --json nothing was printed, so the question does.
        const lines = render.applyImpactLines(plan.repositories.find((p) => p.gun === r.gun)!);
        const impact = g.json ? lines : lines.slice(0, 2);
        if (!process.stdin.isTTY) {
          throw new InputError(`policy apply would remove or hide something in ${r.gun} (${what}) and there is no terminal to confirm on: nothing was changed`, {
            hint: 'review it with --dry-run, then pass -y',
          });
        }
        const question = `${r.gun}: ${what}.\n${impact.map((l) => `${l}\n`).join('')}Type ${r.gun} to apply these changes: `;
        const answer = ctx.deadline ? await ctx.deadline.excluding(() => ask(io, question)) : await ask(io, question);
        if (answer !== r.gun) throw new CancelledError('policy apply cancelled: nothing was changed');
      }
    }
    const result = await apply.executeApply(ctx, plan, {
      ...options,
      onProgress: (p) => {
        if (!g.json && p.total > 1) io.stderr(`[${p.index}/${p.total}] ${p.gun}\n`);
      },
    });
    emit(io, g, { plan, ...result, after: { inSync: result.inSync, changes: result.after.plans.flatMap((p) => p.changes), failures: result.after.failures } }, () => render.renderApplyResult(result));
    if (result.failures.length > 0 || result.after.failures.length > 0) {
      const failed = new Set([...result.failures, ...result.after.failures].map((f) => f.gun));
      const others = plan.repositories.some((r) => !failed.has(r.gun));
      io.stderr(`trust-tui: policy apply failed for ${[...failed].join(', ')}${others ? '; the others are done' : ''}\n`);
      throw new AlreadyReported(POLICY_EXIT.error);
    }
    if (result.requests.length > 0) throw new AlreadyReported(EXIT.pending);
    if (!result.inSync) throw new AlreadyReported(POLICY_EXIT.differences);
  });
}
