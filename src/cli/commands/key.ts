// `trust-tui key generate|load|list`.
import { Command, Option } from 'commander';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';

export function registerKeyCommands(program: Command, io: Io): void {
  const key = program.command('key').description('Manage signing keys in the trust directory');

  key
    .command('generate')
    .argument('<name>', 'signer name for the key (lowercase letters, digits, - and _)')
    .description('Generate a signing key; the public key is written to DIR/NAME.pub')
    .addOption(new Option('--type <type>', 'key type').choices(['ecdsa', 'ed25519']).default('ecdsa'))
    .option('--dir <dir>', 'directory for NAME.pub', '.')
    .action(async (name: string, opts: { type: 'ecdsa' | 'ed25519'; dir: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { generateKey }] = await Promise.all([import('../context.js'), import('../../trust/keys.js')]);
      if (!g.json) io.stdout(`Generating key for ${name}...\n`);
      const result = await generateKey(cliContext(g, io), name, opts);
      emit(io, g, result, () =>
        `Successfully generated and loaded private key ${result.id}. Corresponding public key available: ${result.publicKeyFile}`,
      );
    });

  key
    .command('load')
    .argument('<file>', 'private key file (PEM)')
    .description('Import a private key file into the trust directory')
    .option('--name <name>', 'signer name when the file has no role header', 'signer')
    .action(async (file: string, opts: { name: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { loadKey }] = await Promise.all([import('../context.js'), import('../../trust/keys.js')]);
      if (!g.json) io.stdout(`Loading key from "${file}"...\n`);
      const result = await loadKey(cliContext(g, io), file, opts);
      emit(io, g, result, () => `Successfully imported key ${result.id} (role ${result.role}) from ${file}`);
    });

  key
    .command('list')
    .description('List the keys in the trust directory')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { listKeys }] = await Promise.all([import('../context.js'), import('../../trust/keys.js')]);
      const keys = await listKeys(cliContext(g, io));
      emit(io, g, keys, () =>
        keys.length === 0
          ? `No signing keys in ${g.trustDir}`
          : table(
              ['ROLE', 'GUN', 'KEY ID', 'TYPE', 'FILE'],
              keys.map((k) => [k.role, k.gun ?? '', k.id, k.problem ? `unreadable: ${k.problem}` : k.type, k.file]),
            ),
      );
    });
}
