// `trust-tui key generate|load|list|save|rotate`.
import { Command, Option } from 'commander';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';

export function registerKeyCommands(program: Command, io: Io): void {
  const key = program.command('key').description('Manage signing keys in the trust directory');

  key
    .command('generate')
    .argument('<name>', 'signer name for the key (lowercase letters, digits, - and _)')
    .description('Generate a signing key; the public key is written to DIR/NAME.pub')
    .addOption(new Option('--type <type>', 'key type').choices(['ecdsa', 'ed25519', 'rsa']).default('ecdsa'))
    .option('--dir <dir>', 'directory for NAME.pub', '.')
    .option('--force', 'make an ed25519 key although docker and notary cannot add it as a signer')
    .action(async (name: string, opts: { type: 'ecdsa' | 'ed25519'; dir: string; force?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { generateKey }] = await Promise.all([import('../context.js'), import('../../trust/keys.js')]);
      // docker's line, once the name and directories have passed the checks: a refusal comes alone.
      const announce = g.json ? undefined : () => io.stdout(`Generating key for ${name}...\n`);
      const result = await generateKey(cliContext(g, io), name, { ...opts, announce });
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
      const [{ cliContext }, { loadKeys }] = await Promise.all([import('../context.js'), import('../../trust/keys.js')]);
      // docker's line, once the name has passed its checks: a refused name comes alone.
      const announce = g.json ? undefined : () => io.stdout(`Loading key from "${file}"...\n`);
      // A file of several keys (`key save`, `notary key export`) loads them all.
      const loaded = await loadKeys(cliContext(g, io), file, { ...opts, announce });
      emit(io, g, loaded.length === 1 ? loaded[0] : loaded, () =>
        loaded.map((k) => `Successfully imported key ${k.id} (role ${k.role}) from ${file}`).join('\n'),
      );
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

  withServerOptions(
    key
      .command('save')
      .argument('<repositories...>', 'repositories whose keys to save')
      .option('--root', 'also save the root keys of the repositories')
      .option('-o, --output <file>', 'write the keys to FILE (a new file, mode 0600) instead of standard output')
      .description('Export the private keys this host holds for repositories (encrypted PEM, for notary key import or key load)'),
  ).action(async (repositories: string[], opts: { root?: boolean; output?: string; server?: string; tlscacert?: string }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { saveKeys }] = await Promise.all([import('../context.js'), import('../../trust/save.js')]);
    const r = await saveKeys(cliContext(g, io), repositories, { ...serverOptions(opts), root: opts.root, output: opts.output });
    const summary = r.keys.map((k) => `  ${k.role.padEnd(10)} ${k.id}  (${k.signs.join(', ')} of ${k.repositories.join(', ')})`);
    if (g.json) return emit(io, g, r, () => '');
    if (r.output !== undefined) {
      io.stdout(`Saved ${r.keys.length} encrypted private key(s) to ${r.output}:\n${summary.join('\n')}\n`);
    } else {
      // Standard output carries nothing but the PEM blocks, so it can be redirected or piped.
      io.stdout(r.pem!);
      io.stderr(`Saved ${r.keys.length} encrypted private key(s):\n${summary.join('\n')}\n`);
    }
  });

  withServerOptions(
    key
      .command('rotate')
      .argument('<role>', 'root, targets, snapshot or timestamp')
      .argument('<repositories...>', 'repositories whose key to rotate')
      .option('--to <file>', 'targets only: rotate to this public key or certificate (its private key must be loaded)')
      .option('-y, --yes', 'do not ask for confirmation (root)')
      .description('Replace the key of a role: root and targets keys are made here, snapshot and timestamp keys by the trust server'),
  ).action(
    async (role: string, repositories: string[], opts: { to?: string; yes?: boolean; server?: string; tlscacert?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { rotateKey }] = await Promise.all([import('../context.js'), import('../../trust/rotate.js')]);
      const r = await rotateKey(cliContext(g, io), role, repositories, { ...serverOptions(opts), to: opts.to, yes: opts.yes });
      emit(io, g, r, () =>
        r.repositories
          .map((repo) =>
            [
              `Successfully rotated the ${r.role} key of ${repo.gun} to ${repo.newKeyId} (held by ${r.keyHeldBy === 'server' ? 'the trust server' : 'this host'}); root is now version ${repo.rootVersion}`,
              ...repo.deletedKeyIds.map((id) => `  deleted the local ${r.role} key ${id}: the server signs ${r.role} from now on`),
            ].join('\n'),
          )
          .join('\n'),
      );
    },
  );
}
