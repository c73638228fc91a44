// `trust-tui demo`: an embedded trust-tui server on loopback, demo repositories made on the first
// run, and the interactive UI on them. Everything lives in its own directory (default
// ~/.local/share/trust-tui/demo); the user's own keys and settings are never touched.
import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../output.js';

interface DemoOptions {
  data?: string;
  reset?: boolean;
  ui: boolean;
  listen: string;
}

const SEED_TIMEOUT_MS = 5 * 60_000;

export function registerDemoCommand(program: Command, io: Io): void {
  program
    .command('demo')
    .description('Try trust-tui: an embedded trust server, demo repositories, and the interactive UI')
    .option('--data <dir>', 'where the demo keeps its server, keys and settings (default: ~/.local/share/trust-tui/demo)')
    .option('--reset', 'start over: delete the demo directory first')
    .option('--no-ui', 'only run the demo server (until Ctrl-C) and print how to use it from the command line')
    .option('--listen <addr:port>', 'address of the demo server', '127.0.0.1:0')
    .action(async (opts: DemoOptions) => {
      if (opts.ui && (!process.stdin.isTTY || !process.stdout.isTTY)) {
        io.stderr('trust-tui: the demo UI needs a terminal; run `trust-tui demo --no-ui` to only serve the demo repositories.\n');
        throw new AlreadyReported(EXIT.usage);
      }
      const [demo, { startServer }, { Settings }, keys, { cliContext }] = await Promise.all([
        import('../../trust/demo.js'),
        import('../../server/server.js'),
        import('../../config/settings.js'),
        import('../../keys/index.js'),
        import('../context.js'),
      ]);
      const layout = demo.demoLayout(opts.data);
      const claim = await demo.claimDemoDirectory(layout);
      if ('running' in claim) {
        const { pid, url } = claim.running;
        io.stderr(
          `trust-tui: a demo of ${layout.base} runs already (process ${pid}${url ? `, server ${url}` : ''}); use it from another terminal with ` +
            `trust-tui --trust-dir ${layout.trustDir} --config-dir ${layout.configDir} inspect ${demo.DEMO_REPOSITORIES[0]}, or run this one with --data DIR ` +
            `(if no demo runs and that process number is another program's now, delete ${layout.lock})\n`,
        );
        throw new AlreadyReported(EXIT.error);
      }
      let server: Awaited<ReturnType<typeof startServer>> | undefined;
      try {
        if (opts.reset) {
          // Everything but the claim this process holds.
          for (const part of [layout.serverData, layout.trustDir, layout.configDir, layout.keysDir, layout.marker]) await rm(part, { recursive: true, force: true });
        }
        // The demo's repositories live on its own server: a DOCKER_CONTENT_TRUST_SERVER of the user's
        // shell would override the demo's `config server` entry and publish them to the user's server.
        const { DOCKER_CONTENT_TRUST_SERVER: userServer, ...inherited } = process.env;
        const env = { ...inherited, ...demo.DEMO_ENV };
        const started = await startServer({ listen: opts.listen, dataDir: layout.serverData, passphrase: demo.DEMO_ENV.TRUST_TUI_SERVER_PASSPHRASE });
        server = started;
        await claim.claimed.serving(started.url);
        const settings = new Settings(layout.configDir);
        await settings.update((s) => {
          s.servers[`${demo.DEMO_PREFIX}/*`] = { url: started.url, ...(started.caFile ? { ca: started.caFile } : {}) };
        });
        const ctx = {
          // Seeding publishes every demo repository to the local server: one deadline for all of it.
          ...cliContext({ trustDir: layout.trustDir, configDir: layout.configDir, json: false, debug: false, timeoutMs: SEED_TIMEOUT_MS }, io),
          passphrases: new keys.EnvPassphraseSource(env),
          env,
        };
        if (!(await demo.isSeeded(layout))) {
          io.stderr(`Creating the demo repositories on ${started.url} (first run only)...\n`);
          await demo.seedDemo(ctx, layout, (step) => io.stderr(`  ${step}\n`));
        }
        if (!opts.ui) {
          io.stdout(
            [
              `Demo trust server: ${started.url}`,
              `Repositories: ${demo.DEMO_REPOSITORIES.join(', ')}`,
              'Try, in another terminal:',
              `  ${userServer ? 'env -u DOCKER_CONTENT_TRUST_SERVER ' : ''}trust-tui --trust-dir ${layout.trustDir} --config-dir ${layout.configDir} inspect --pretty ${demo.DEMO_REPOSITORIES[0]}`,
              'Stop with Ctrl-C.',
              '',
            ].join('\n'),
          );
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          return;
        }
        // The UI entry first: it chooses React's build before anything can load React.
        const { main } = await import('../../main.js');
        const { createTrustServices } = await import('../../state/trust-services.js');
        await main({
          trustDir: layout.trustDir,
          configDir: layout.configDir,
          services: createTrustServices({ trustDir: layout.trustDir, configDir: layout.configDir, env }),
        });
      } finally {
        await server?.close();
        await claim.claimed.release();
      }
    });
}
