// The command-line face of trust-tui. This module and the command definitions it loads stay light:
// each action imports the operation it runs only when it runs (plain commands never load Ink/React).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { parseTimeout } from '../net/deadline.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { processIo, type Io } from './output.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerExportPolicyCommand } from './commands/export-policy.js';
import { registerExportSignatureCommands } from './commands/export-signatures.js';
import { registerExpiryCommands } from './commands/expiry.js';
import { registerInfoCommand } from './commands/info.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerKeyCommands } from './commands/key.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRepoCommands } from './commands/repo.js';
import { registerServerCommand } from './commands/server.js';
import { registerRequestCommands } from './commands/request.js';
import { registerRoleCommands } from './commands/role.js';
import { registerSignerCommands } from './commands/signer.js';
import { registerSweepCommands } from './commands/sweep.js';
import { registerVerifyCommand } from './commands/verify.js';
import { commandWord } from './command-word.js';
import { AlreadyReported, describeError } from './errors.js';
import { VERSION } from './version.js';

export { VERSION, commandWord };

type Registrar = (program: Command, io: Io) => void;

/**
 * Every registrar with the top-level commands it adds, in the order `--help` lists them
 * (test/cli/program-lazy.test.ts keeps the names true). `export` is shared by two registrars.
 */
export const REGISTRARS: readonly (readonly [names: readonly string[], register: Registrar])[] = [
  [['key'], registerKeyCommands],
  [['config'], registerConfigCommands],
  [['init', 'sign', 'revoke'], registerRepoCommands],
  [['inspect'], registerInspectCommand],
  [['verify'], registerVerifyCommand],
  [['signer'], registerSignerCommands],
  [['role'], registerRoleCommands],
  [['request'], registerRequestCommands],
  [['sweep'], registerSweepCommands],
  [['expiry', 'renew'], registerExpiryCommands],
  [['migrate'], registerMigrateCommand],
  [['info'], registerInfoCommand],
  [['export'], registerExportSignatureCommands],
  [['export'], registerExportPolicyCommand],
  [['policy'], registerPolicyCommands],
  [['demo'], registerDemoCommand],
  [['server'], registerServerCommand],
];

/**
 * The program for `argv`: when it names a command, only that command's definitions are set up
 * (each one costs start-up time); otherwise (no command, `--help`, `help`, a typo that commander
 * answers with a suggestion) all of them.
 */
export function buildProgram(io: Io, argv?: readonly string[]): Command {
  const program = new Command('trust-tui')
    .description('Sign container images and manage who may sign them (Docker Content Trust / Notary v1).')
    .version(VERSION, '-v, --version')
    .option('--trust-dir <dir>', 'trust directory with keys and the TUF cache (default: $DOCKER_CONFIG/trust, else ~/.docker/trust)')
    .option('--config-dir <dir>', "trust-tui's settings directory (default: ~/.config/trust-tui)")
    .option('--json', 'print results as JSON')
    .option('--timeout <duration>', 'how long a command may wait for servers, all requests together (e.g. 10s, 2m; default 30s)', timeoutOption)
    .option('-D, --debug', 'print debug details and stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  const word = argv === undefined ? undefined : commandWord(argv);
  const named = REGISTRARS.filter(([names]) => word !== undefined && names.includes(word));
  for (const [, register] of named.length > 0 ? named : REGISTRARS) register(program, io);
  for (const cmd of program.commands) applyDefaults(cmd, io);
  return program;
}

function timeoutOption(value: string): number {
  const ms = parseTimeout(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 30s, 1500ms or 2m');
  return ms;
}

/** Sub-commands inherit output routing and exit handling from the program. */
function applyDefaults(cmd: Command, io: Io): void {
  cmd.configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).exitOverride().showHelpAfterError('(run with --help for usage)');
  for (const sub of cmd.commands) applyDefaults(sub, io);
}

/** Runs one command line and returns its exit code (never calls process.exit). */
export async function run(argv: string[], output: Io = processIo): Promise<number> {
  // This run's own Io: the warnings it says are its own (output.ts).
  const io: Io = { stdout: output.stdout, stderr: output.stderr };
  const program = buildProgram(io, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      // `trust-tui key` alone prints the group's help, as docker does.
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof AlreadyReported) return e.exitCode;
    const debug = argv.includes('-D') || argv.includes('--debug');
    const { message, exitCode } = describeError(e);
    io.stderr(`trust-tui: ${message}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return exitCode;
  }
}
