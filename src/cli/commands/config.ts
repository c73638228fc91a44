// `trust-tui config tofu|pin|server|show`.
import { Command } from 'commander';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';

async function withContext(cmd: Command, io: Io) {
  const g = globalOptions(cmd);
  const [{ cliContext }, config] = await Promise.all([import('../context.js'), import('../../trust/config.js')]);
  return { g, ctx: cliContext(g, io), config };
}

export function registerConfigCommands(program: Command, io: Io): void {
  const config = program.command('config').description('Trust settings of this host: TOFU, root pinning, servers');

  config
    .command('tofu')
    .argument('<state>', 'enable or disable')
    .description('Trust a repository root on first use when no pin applies (default: enabled)')
    .action(async (state: string, _o: unknown, cmd: Command) => {
      if (state !== 'enable' && state !== 'disable') {
        cmd.error(`error: state must be "enable" or "disable", not "${state}"`, { exitCode: 2, code: 'trust-tui.usage' });
      }
      const { g, ctx, config: c } = await withContext(cmd, io);
      const r = await c.setTofu(ctx, state === 'enable');
      emit(io, g, r, () => `Trust on first use ${r.tofu ? 'enabled' : 'disabled'}`);
    });

  config
    .command('pin')
    .argument('<scope>', 'repository (GUN) or prefix ending in * (registry.example.com/team/*)')
    .argument('[pem...]', 'root certificate(s) (PEM files or their key IDs) to require, or a CA certificate root certificates must chain to')
    .option('--clear', 'remove the pin of this scope')
    .description('Pin the roots of a repository or prefix to certificates or a CA')
    .action(async (scope: string, pems: string[], opts: { clear?: boolean }, cmd: Command) => {
      const { g, ctx, config: c } = await withContext(cmd, io);
      const r = opts.clear ? await c.clearPin(ctx, scope) : await c.setPin(ctx, scope, pems);
      emit(io, g, r, () =>
        !r.pin
          ? `Removed the pin of ${scope}`
          : r.pin.certs
            ? `Pinned ${scope} to root certificate key ${r.pin.certs.join(', ')}`
            : `Pinned ${scope} to a CA: root certificates must chain to it`,
      );
    });

  config
    .command('server')
    .argument('<scope>', 'repository (GUN) or prefix ending in *')
    .argument('[url]', 'trust server URL (https)')
    .option('--ca <file>', 'CA certificate the server certificate chains to')
    .option('--clear', 'remove the server of this scope')
    .description('Use a trust server for a repository or prefix')
    .action(async (scope: string, url: string | undefined, opts: { ca?: string; clear?: boolean }, cmd: Command) => {
      if (!opts.clear && !url) cmd.error('error: missing argument url (or pass --clear)', { exitCode: 2, code: 'trust-tui.usage' });
      const { g, ctx, config: c } = await withContext(cmd, io);
      const r = opts.clear ? await c.clearServer(ctx, scope) : await c.setServer(ctx, scope, url!, opts);
      emit(io, g, r, () => (r.server ? `${scope} uses ${r.server.url}${r.server.ca ? ` (CA ${r.server.ca})` : ''}` : `Removed the server of ${scope}`));
    });

  config
    .command('show')
    .description('Show TOFU, pins and servers')
    .action(async (_o: unknown, cmd: Command) => {
      const { g, ctx, config: c } = await withContext(cmd, io);
      const { tofu, pins, servers } = ctx.settings.data;
      emit(io, g, { tofu, pins, servers }, () =>
        [
          `Trust on first use: ${tofu ? 'enabled' : 'disabled'}`,
          '',
          Object.keys(servers).length
            ? table(['SCOPE', 'SERVER', 'CA'], Object.entries(servers).map(([k, v]) => [k, v.url, v.ca ?? '']))
            : 'No servers configured (docker defaults apply)',
          '',
          Object.keys(pins).length
            ? table(['SCOPE', 'PIN'], Object.entries(pins).map(([k, v]) => [k, c.describePin(v)]))
            : 'No pins',
        ].join('\n'),
      );
    });
}
