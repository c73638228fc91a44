// `trust-tui policy init | plan | check`: the signing policy file (trust-policy.yaml). `plan` shows
// where each repository differs from the policy and what each change would do, with Terraform's
// detailed exit codes; `check` evaluates the deployability rule per tag.
import type { Command } from 'commander';
import { AlreadyReported } from '../errors.js';
import { POLICY_EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';

type ServerFlags = { server?: string; tlscacert?: string };
const DEFAULT_FILE = 'trust-policy.yaml';

export function registerPolicyCommands(program: Command, io: Io): void {
  const policy = program
    .command('policy')
    .description('Signing policy (trust-policy.yaml): write one from a repository, plan the differences, check tags')
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
  2  some tag is not deployable (one line per tag says who is missing)`,
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
}
