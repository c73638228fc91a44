// `trust-tui inspect NAME[:TAG]...`: docker's exact JSON, or with --pretty its text layout.
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { AlreadyReported } from '../errors.js';
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
    const outcome = await inspect(cliContext(g, io), names, serverOptions(opts));
    if (opts.pretty && !g.json) io.stdout(outcome.entries.map(format.dockerInspectPretty).join('\n\n'));
    else io.stdout(format.dockerInspectJson(outcome.entries));
    for (const { name, error } of outcome.failures) io.stderr(`trust-tui: ${name}: ${error.message.split('\n')[0]}\n`);
    if (outcome.failures.length > 0) throw new AlreadyReported(EXIT.error);
  });
}
