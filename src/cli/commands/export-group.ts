import type { Command } from 'commander';

/** The `export` command group (signatures, the migration report, policies), created once. */
export function exportGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'export') ??
    program.command('export').description('Carry Docker Content Trust over to cosign and Notation: signatures, the migration report and verification policies')
  );
}
