// The command-line face of trust-tui. This module and the command definitions it loads stay light:
// each action imports the operation it runs only when it runs (plain commands never load Ink/React).
import { Command, CommanderError, InvalidArgumentError, type HelpContext } from 'commander';
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
import { commandWord, commandWordIndex } from './command-word.js';
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
  const program = new CliCommand('trust-tui')
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

/** The CommanderError code of a usage error this program raises itself (exit 2, as commander's own). */
const USAGE_ERROR = 'trust-tui.usage';

/**
 * commander's Command, with two command lines commander answers with help made usage errors a script
 * sees (exit 2): a group without its sub-command (`trust-tui key`) prints the group's help on stderr,
 * and `help TOPIC` for a topic that is no command says so in one line instead of printing all help.
 */
class CliCommand extends Command {
  override createCommand(name?: string): Command {
    return new CliCommand(name);
  }

  // commander calls help({ error: true }) for exactly these two cases: a group run without a
  // sub-command, and `help` naming no command of this group (its other help goes to stdout).
  override help(context?: HelpContext): never;
  override help(cb: (str: string) => string): never;
  override help(context?: HelpContext | ((str: string) => string)): never {
    if (typeof context === 'function') return super.help(context);
    if (!context?.error) return super.help(context);
    const [first, topic] = this.args;
    if (first === 'help' && topic !== undefined) {
      // `help help` is this group's help, as `git help help` is git's.
      if (topic === 'help') return super.help();
      noHelpTopic(this, topic);
    }
    this.outputHelp({ error: true });
    throw new CommanderError(EXIT.usage, USAGE_ERROR, `${commandPath(this)} needs a sub-command`);
  }
}

/** The usage error for `help … TOPIC` where TOPIC is no sub-command of `cmd`: one line on stderr. */
function noHelpTopic(cmd: Command, topic: string): never {
  const path = commandPath(cmd);
  const where = cmd.commands.length > 0 ? `${path} --help lists them` : `${path} has none (its help: ${path} --help)`;
  cmd.configureOutput().writeErr?.(`trust-tui: '${topic}' is not a ${path} command, so there is no help for it — ${where}\n`);
  throw new CommanderError(EXIT.usage, USAGE_ERROR, `unknown help topic '${topic}'`);
}

/**
 * commander's `help` reads one word: `help key generate` would print key's help, and so would
 * `help key nosuch`. This reads them all: a path of commands asks for the last one's help as its
 * `--help` does (the same text), and a word that is no sub-command of its group goes to that group's
 * `help`, which says so. Any other command line is returned as it is.
 */
function withHelpTopicPath(program: Command, argv: readonly string[]): readonly string[] {
  const at = commandWordIndex(argv);
  if (at === undefined || argv[at] !== 'help') return argv;
  const words = argv.slice(at + 1);
  if (words.length < 2 || words.some((w) => w.startsWith('-'))) return argv;
  let cmd = program;
  let found = 0;
  for (const word of words) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) break;
    cmd = sub;
    found++;
  }
  // The first word is no command: the program's own `help` says so.
  if (found === 0) return argv;
  const before = argv.slice(0, at);
  if (found === words.length) return [...before, ...words, '--help'];
  if (cmd.commands.length === 0) noHelpTopic(cmd, words[found]!);
  return [...before, ...words.slice(0, found), 'help', ...words.slice(found)];
}

/** `trust-tui key` for the key group: the words that run `cmd`. */
function commandPath(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) words.unshift(c.name());
  return words.join(' ');
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
    await program.parseAsync(withHelpTopicPath(program, argv), { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
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
