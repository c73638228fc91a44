// Flags that say how to reach the trust server, shared by every command that talks to one.
import type { Command } from 'commander';
import type { ServerOptions } from '../../trust/connect.js';

export function withServerOptions(cmd: Command): Command {
  return cmd
    .option('-s, --server <url>', 'trust server URL (default: DOCKER_CONTENT_TRUST_SERVER, `config server`, else docker\'s default for the registry)')
    .option('--tlscacert <file>', 'CA certificate to trust for the trust server');
}

export function serverOptions(opts: { server?: string; tlscacert?: string }): ServerOptions {
  return { server: opts.server, tlsCaCert: opts.tlscacert };
}
