// The command-line face of trust-tui. This module and the command definitions it loads stay light:
// each action imports the operation it runs only when it runs (plain commands never load Ink/React).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { parseTimeout } from '../net/deadline.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { processIo, type Io } from './output.js';
import { AlreadyReported, describeError } from './errors.js';
import { VERSION } from './version.js';

export { VERSION };

type Registrar = (program: Command, io: Io) => void;

/**
 * Every command module (loaded when its command runs, or all of them for the program's help) with
 * the top-level commands its registrar adds, in the order `--help` lists them
 * (test/cli/program-lazy.test.ts keeps the names true). `export` is shared by two registrars.
 */
export const REGISTRARS: readonly (readonly [names: readonly string[], load: () => Promise<Registrar>])[] = [
  [['key'], async () => (await import('./commands/key.js')).registerKeyCommands],
  [['config'], async () => (await import('./commands/config.js')).registerConfigCommands],
  [['init', 'sign', 'revoke'], async () => (await import('./commands/repo.js')).registerRepoCommands],
  [['inspect'], async () => (await import('./commands/inspect.js')).registerInspectCommand],
  [['verify'], async () => (await import('./commands/verify.js')).registerVerifyCommand],
  [['signer'], async () => (await import('./commands/signer.js')).registerSignerCommands],
  [['role'], async () => (await import('./commands/role.js')).registerRoleCommands],
  [['request'], async () => (await import('./commands/request.js')).registerRequestCommands],
  [['sweep'], async () => (await import('./commands/sweep.js')).registerSweepCommands],
  [['expiry', 'renew'], async () => (await import('./commands/expiry.js')).registerExpiryCommands],
  [['migrate'], async () => (await import('./commands/migrate.js')).registerMigrateCommand],
  [['info'], async () => (await import('./commands/info.js')).registerInfoCommand],
  [['export'], async () => (await import('./commands/export-signatures.js')).registerExportSignatureCommands],
  [['export'], async () => (await import('./commands/export-policy.js')).registerExportPolicyCommand],
  [['policy'], async () => (await import('./commands/policy.js')).registerPolicyCommands],
  [['demo'], async () => (await import('./commands/demo.js')).registerDemoCommand],
  [['server'], async () => (await import('./commands/server.js')).registerServerCommand],
];

/** Global options that take a value, as commander reads them before the command's name. */
const GLOBAL_VALUE_OPTIONS = new Set(['--trust-dir', '--config-dir', '--timeout']);

/** The command's name: the first word of `argv` that is neither a global option nor its value. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * The program for `argv`: when it names a command, only that command's module is loaded and its
 * definitions set up (each costs start-up time); otherwise (no command, `--help`, `help`, a typo that commander
 * answers with a suggestion) all of them.
 */
export async function buildProgram(io: Io, argv?: readonly string[]): Promise<Command> {
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
  const registrars = await Promise.all((named.length > 0 ? named : REGISTRARS).map(([, load]) => load()));
  for (const register of registrars) register(program, io);
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
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const program = await buildProgram(io, argv);
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
