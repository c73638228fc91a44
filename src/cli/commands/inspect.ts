// `trust-tui inspect NAME[:TAG]...`: docker's exact JSON, or with --pretty its text layout.
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { AlreadyReported, errorLine } from '../errors.js';
import { globalOptions } from '../globals.js';
import type { Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';

export function registerInspectCommand(program: Command, io: Io): void {
  withServerOptions(
    program
      .command('inspect')
      .argument('<name...>', 'repository or repository:tag')
      .description('Show who signed which tags, as `docker trust inspect` prints it')
      .option('--pretty', 'human-readable text instead of JSON'),
  ).action(async (names: string[], opts: { pretty?: boolean; server?: string; tlscacert?: string }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { inspect }, format] = await Promise.all([
      import('../context.js'),
      import('../../trust/inspect.js'),
      import('../../trust/docker-format.js'),
    ]);
    const pretty = opts.pretty === true && !g.json;
    const outcome = await inspect(cliContext(g, io), names, { ...serverOptions(opts), stopAtFirstFailure: pretty });
    if (pretty) io.stdout(format.dockerInspectPrettyAll(outcome.entries, outcome.failures.length === 0));
    else io.stdout(format.dockerInspectJson(outcome.entries));
    for (const { name, error } of outcome.failures) io.stderr(`trust-tui: ${name}: ${errorLine(error)}\n`);
    if (outcome.failures.length > 0) throw new AlreadyReported(EXIT.error);
  });
}
