// `trust-tui server import`: moves a notary-server 0.7 deployment (its database and, where the
// operator has it, notary-signer's keys) into trust-tui server's store. The server modules are
// loaded only when the command runs.
import type { Command } from 'commander';
import { defaultServerDataDir } from '../../config/paths.js';
import { MAX_PEM_BYTES, readUserFile } from '../../config/user-files.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';

interface ImportCommandOptions {
  from: string;
  data: string;
  database?: string;
  databaseCa?: string;
  signerDb?: string;
  signerPassphraseEnv?: string[];
  dryRun?: boolean;
}

/** As `server`: the variable that can carry --database (keeps the password out of `ps`). */
const DATABASE_URL_VARIABLE = 'TRUST_TUI_DATABASE_URL';

export function registerServerImportCommand(server: Command, io: Io): void {
  server
    .command('import')
    .description("Import a notary-server 0.7 database (every repository's metadata) and notary-signer's timestamp/snapshot keys")
    .requiredOption('--from <url>', "notary-server's database: postgres://USER:PASSWORD@HOST:PORT/DB or sqlite:PATH")
    .option('--data <dir>', "trust-tui server's data directory to import into (its SQLite database)", defaultServerDataDir())
    .option('--database <url>', `import into trust-tui server's PostgreSQL database instead (as \`server --database\`; or ${DATABASE_URL_VARIABLE})`)
    .option('--database-ca <pem>', 'with --database: CA certificate of the database server (implies sslmode=verify-full)')
    .option('--signer-db <url>', "notary-signer's database (same forms as --from): import the server-held keys")
    .option(
      '--signer-passphrase-env <alias=VAR...>',
      "where notary-signer's passphrases are: ALIAS=VARIABLE; default NOTARY_SIGNER_<ALIAS>, as notary-signer reads them",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--dry-run', 'check everything and show the counts; write nothing')
    .addHelpText(
      'after',
      `
Stop writes to notary-server first (see docs/server-import.md). Every live version of every role is
copied byte for byte, in notary-server's order; every row is checked before the first write, so a
conflict writes nothing. Running the import again skips what is already there (and finishes an
import that failed midway); other content under the same version is refused.
With --signer-db, notary-signer's keys are re-encrypted with TRUST_TUI_SERVER_PASSPHRASE. Without
it, repositories whose timestamp key stays behind are listed with the rotation command to run.`,
    )
    .action(async (opts: ImportCommandOptions, cmd: Command) => {
      const g = globalOptions(cmd);
      // Commander gives `--data`, `--database`… to `server` (it has the same options) wherever they are written.
      const parent = cmd.parent;
      for (const name of ['data', 'database', 'databaseCa'] as const) {
        if (parent?.getOptionValueSource(name) === 'cli') opts[name] = parent.opts<Record<typeof name, string>>()[name];
      }
      const databaseUrl = opts.database ?? (process.env[DATABASE_URL_VARIABLE] || undefined);
      if (opts.databaseCa && !databaseUrl) throw new Error(`--database-ca needs --database (or ${DATABASE_URL_VARIABLE})`);
      const database = databaseUrl
        ? { url: databaseUrl, ...(opts.databaseCa ? { ca: await readUserFile(opts.databaseCa, '--database-ca file', { maxBytes: MAX_PEM_BYTES }) } : {}) }
        : undefined;
      const [{ importNotaryServer }, { openSqlSource }, { parsePassphraseVariables }, { openDestination }] = await Promise.all([
        import('../../server/import/import.js'),
        import('../../server/import/source.js'),
        import('../../server/import/signer-keys.js'),
        import('../../server/import/destination.js'),
      ]);
      const passphraseVariables = parsePassphraseVariables(opts.signerPassphraseEnv ?? []);
      const source = await openSqlSource(opts.from, 'notary-server database');
      const closers: (() => Promise<void>)[] = [() => source.close()];
      try {
        const signerSource = opts.signerDb ? await openSqlSource(opts.signerDb, 'notary-signer database') : undefined;
        if (signerSource) closers.push(() => signerSource.close());
        let display = opts.data;
        const summary = await importNotaryServer({
          source,
          signer: signerSource && { source: signerSource, passphraseVariables, env: process.env },
          openDestination: async () => {
            const destination = await openDestination({ dataDir: opts.data, database, dryRun: opts.dryRun ?? false, needsKeyring: signerSource !== undefined });
            display = destination.display;
            return destination;
          },
          dryRun: opts.dryRun,
        });
        emit(io, g, { ...summary, destination: display }, () => renderSummary(summary, display));
      } finally {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      }
    });
}

type Summary = Awaited<ReturnType<typeof import('../../server/import/import.js').importNotaryServer>>;

function renderSummary(s: Summary, destination: string): string {
  const lines: string[] = [];
  const verb = s.dryRun ? 'would import' : 'imported';
  for (const r of s.repositories) {
    const keys =
      r.timestampKey === 'imported' ? 'timestamp key imported'
      : r.timestampKey === 'already-held' ? 'timestamp key already held'
      : 'timestamp key NOT imported';
    const snapshot = r.snapshotKey === 'imported' ? ', snapshot key imported' : r.snapshotKey === 'already-held' ? ', snapshot key already held' : '';
    lines.push(`${r.gun}: ${verb} ${r.imported} version(s), ${r.alreadyPresent} already present; ${keys}${snapshot}`);
  }
  const rotate = s.repositories.filter((r) => r.rotate);
  if (rotate.length > 0) {
    lines.push(
      '',
      `${rotate.length} repository(ies) need a new timestamp key before their next publish or when their timestamp expires:`,
      'the server does not hold the key their root lists. A holder of the root key runs, per repository:',
      ...rotate.map((r) => `  ${r.rotate![0]}    (or: ${r.rotate![1]})`),
      'or re-run the import with --signer-db and notary-signer passphrases to bring the keys over.',
    );
  }
  lines.push(
    '',
    `${s.dryRun ? 'Dry run, nothing written' : 'Done'}: ${s.repositories.length} repository(ies), ${s.imported} version(s) ${verb}, ${s.alreadyPresent} already present, ` +
      `${s.keysImported} server key(s) ${s.dryRun ? 'to import' : 'imported'}; ${s.deletedRows} deleted row(s) skipped`,
    `from ${s.source}${s.signerSource ? ` and ${s.signerSource}` : ''} into ${destination}`,
  );
  if (s.sourceChanges.deletion > 0) {
    lines.push(`The source's change feed has ${s.sourceChanges.deletion} deletion record(s); the new change feed starts with the imported repositories' timestamps only.`);
  }
  return lines.join('\n');
}
