// `trust-tui signer add|add-key|remove|remove-key|list`: who may sign a repository's tags.
import { Command, InvalidArgumentError } from 'commander';
import type { AddSignerResult, RemovalResult, SignerListResult } from '../../trust/signers.js';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import { durationOption, EXPIRES_HELP } from '../duration-option.js';
import { impactInputs, withImpactOptions, type ImpactFlags } from './impact-options.js';

type ServerFlags = { server?: string; tlscacert?: string };
type RemovalFlags = ServerFlags & ImpactFlags & { yes?: boolean; force?: boolean; request?: boolean; dryRun?: boolean };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseThreshold(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('the threshold must be a whole number of at least 1');
  return Number(value);
}


function renderAdded(r: AddSignerResult, describe: (c: RemovalResult['changes'][number]) => string, keysOnly = false): string {
  if (r.request) {
    return [
      `Not published yet: adding signer ${r.signer} to ${r.gun} needs more signatures than this host holds`,
      ...(r.releases.from !== r.releases.to ? [`  targets/releases: threshold ${r.releases.from} → ${r.releases.to}`] : []),
      `Signing request ${r.request.id} opened (${r.request.status})`,
      `  ${r.request.location}`,
    ].join('\n');
  }
  return [
    ...(r.initialised ? [`Successfully initialized "${r.gun}"`] : []),
    keysOnly ? `Successfully added ${r.added.length} key(s) to signer ${r.signer} of ${r.gun}` : `Successfully added signer: ${r.signer} to ${r.gun}`,
    ...(r.releases.from !== r.releases.to ? [`  targets/releases: threshold ${r.releases.from} → ${r.releases.to} (each release needs ${r.releases.to} distinct signer keys; targets/${r.signer} stays 1)`] : []),
    ...r.bundled.map((b) => `  ${b} re-signed in the same upload, so its tags stay pullable`),
    ...r.added.map((k) => `  key ${k.id} (${k.keytype}, from ${k.source})`),
    ...r.changes.map((c) => `  ${describe(c)}`),
  ].join('\n');
}

function renderRemoved(r: RemovalResult, what: string, describe: (c: RemovalResult['changes'][number]) => string, impactLines: (i: NonNullable<RemovalResult['impact']>) => string[]): string {
  if (r.dryRun && r.impact) {
    return [
      `Dry run: removing ${what} from ${r.gun} would change (nothing was changed):`,
      ...(r.planned ?? []).map((c) => `  ${c}`),
      ...r.skipped.map((s) => `  ${s.role}: unchanged (this host cannot sign ${s.parent})`),
      ...impactLines(r.impact),
      ...(r.refusal ? [`Without --force this is refused (the impact above is what --force would do): ${r.refusal}`] : []),
    ].join('\n');
  }
  if (r.request) {
    return [
      `Not published yet: removing ${what} leaves targets/releases of ${r.gun} needing signatures this host does not hold`,
      `Signing request ${r.request.id} opened (${r.request.status}): the removal and the re-signed releases go together in one upload`,
      `  ${r.request.location}`,
    ].join('\n');
  }
  return [
    `Successfully removed ${what} from ${r.gun}`,
    ...r.changes.map((c) => `  ${describe(c)}`),
    ...r.skipped.map((s) => `  ${s.role}: unchanged (this host cannot sign ${s.parent})`),
    r.tagsNoLongerReleased.length > 0 ? `No longer released: ${r.tagsNoLongerReleased.join(', ')}` : 'Every released tag stays released',
  ].join('\n');
}

function removalOptions(opts: RemovalFlags) {
  return { ...serverOptions(opts), yes: opts.yes, force: opts.force, noRequest: opts.request === false, dryRun: opts.dryRun };
}

/** How many of a signer's tags the table names; `--json` lists them all. */
const TAGS_SHOWN = 5;

/** The TAGS IN ROLE cell: the count, then the first few tags (a role of 300 tags is one line, not a page). */
export function tagsCell(tags: readonly string[]): string {
  if (tags.length === 0) return '0';
  const more = tags.length - TAGS_SHOWN;
  return `${tags.length}: ${tags.slice(0, TAGS_SHOWN).join(', ')}${more > 0 ? ` … (+${more}; --json lists all)` : ''}`;
}

function renderList(r: SignerListResult): string {
  if (r.signers.length === 0) return `No signers for ${r.gun}`;
  const rows = r.signers.map((s) => [
    s.name,
    s.keys.map((k) => shortKeyId(k.id)).join(', '),
    String(s.threshold),
    s.paths.map((p) => (p === '' ? '""' : p)).join(', '),
    s.state,
    tagsCell(s.tags),
  ]);
  return [
    ...(r.offline ? ['(offline: from the local cache)'] : []),
    // The tags in the signer's own role (the UI also counts a k-of-n approver's approvals).
    table(['SIGNER', 'KEYS', 'THRESHOLD', 'PATHS', 'STATE', 'TAGS IN ROLE'], rows),
    ...r.signers.filter((s) => s.problem).map((s) => `${s.name}: ${s.problem}`),
    ...(r.releases
      ? [
          `targets/releases: ${r.releases.threshold} of ${r.releases.keys} keys must sign, ${r.releases.signed} signed the current file` +
            (r.releases.signers.length ? ` (${r.releases.signers.map((x) => `${x.signed ? '✓' : '·'} ${x.name}`).join('  ')})` : ''),
        ]
      : []),
  ].join('\n');
}

export function registerSignerCommands(program: Command, io: Io): void {
  const signer = program.command('signer').description('Manage who may sign a repository (signers are docker trust delegations)');

  withServerOptions(
    signer
      .command('add')
      .argument('<repository>', 'repository, e.g. registry.example.com/team/app (initialised if new)')
      .argument('<name>', 'signer name (lowercase letters, digits, "-" and "_")')
      .option('--key <key>', 'PEM public key or certificate file, or a local key name or ID (repeatable)', collect)
      .option('--threshold <n>', 'distinct keys of targets/releases that must sign each release (default: unchanged, 1 when new)', parseThreshold)
      .option('--no-request', 'never open a signing request: refuse when targets/releases would fall short')
      .option('-f, --force', 'publish even when that hides tags (lists them and asks)')
      .option('-y, --yes', 'do not ask')
      .option('--expires <duration>', EXPIRES_HELP, durationOption)
      .description('Add a signer (or more keys to one): its keys go into targets/NAME and targets/releases'),
  ).action(async (repository: string, name: string, opts: ServerFlags & { key?: string[]; threshold?: number; request?: boolean; force?: boolean; yes?: boolean; expires?: number }, cmd: Command) => {
    // docker's words, with the exit code of a usage error (README's table): nothing was tried.
    if (!opts.key?.length) cmd.error('error: path to a public key must be provided using the `--key` flag', { exitCode: EXIT.usage, code: 'trust-tui.usage' });
    const g = globalOptions(cmd);
    const [{ cliContext }, { addSigner }, { describePublishedChange }] = await Promise.all([
      import('../context.js'),
      import('../../trust/signers.js'),
      import('../../trust/published-changes.js'),
    ]);
    if (!g.json) io.stdout(`Adding signer "${name}" to ${repository}...\n`);
    const r = await addSigner(cliContext(g, io), repository, name, opts.key ?? [], {
      ...serverOptions(opts),
      threshold: opts.threshold,
      ...(opts.expires !== undefined ? { lifetimeMs: opts.expires } : {}),
      noRequest: opts.request === false,
      force: opts.force,
      yes: opts.yes,
    });
    emit(io, g, r, () => renderAdded(r, describePublishedChange));
    if (r.request) throw new AlreadyReported(EXIT.pending);
  });

  withServerOptions(
    signer
      .command('add-key')
      .argument('<repository>', 'repository of the signer')
      .argument('<name>', 'existing signer name')
      .option('--key <key>', 'PEM public key or certificate file, or a local key name or ID (repeatable)', collect)
      .description("Add keys to an existing signer (and to targets/releases)"),
  ).action(async (repository: string, name: string, opts: ServerFlags & { key?: string[] }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { addSignerKeys }, { describePublishedChange }] = await Promise.all([
      import('../context.js'),
      import('../../trust/signers.js'),
      import('../../trust/published-changes.js'),
    ]);
    const r = await addSignerKeys(cliContext(g, io), repository, name, opts.key ?? [], serverOptions(opts));
    emit(io, g, r, () => renderAdded(r, describePublishedChange, true));
  });

  withImpactOptions(withServerOptions(
    signer
      .command('remove')
      .argument('<repository>', 'repository of the signer')
      .argument('<name>', 'signer name')
      .option('-y, --yes', 'do not ask before tags stop being pullable')
      .option('-f, --force', 'remove even when targets/releases would be left unverifiable')
      .option('--no-request', 'refuse rather than open a signing request when targets/releases then needs signatures this host lacks')
      .option('--dry-run', 'show what would change and which tags stop being pullable; change nothing')
      .description('Remove a signer: targets/NAME and its keys in targets/releases (re-signing releases when needed)'),
  )).action(async (repository: string, name: string, opts: RemovalFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const dockerfiles = await impactInputs(opts, cmd);
    const [{ cliContext }, { removeSigner }, { describePublishedChange }, { impactLines }] = await Promise.all([
      import('../context.js'),
      import('../../trust/signers.js'),
      import('../../trust/published-changes.js'),
      import('../../trust/impact.js'),
    ]);
    if (!g.json && !opts.dryRun) io.stdout(`Removing signer "${name}" from ${repository}...\n`);
    const r = await removeSigner(cliContext(g, io), repository, name, { ...removalOptions(opts), dockerfiles });
    emit(io, g, r, () => renderRemoved(r, r.dryRun ? `signer ${name}` : name, describePublishedChange, impactLines));
    if (r.request) throw new AlreadyReported(EXIT.pending);
  });

  withImpactOptions(withServerOptions(
    signer
      .command('remove-key')
      .argument('<repository>', 'repository')
      .argument('<key-id>', 'key ID (at least 7 hex digits) to remove from every signer')
      .option('-y, --yes', 'do not ask before tags stop being pullable')
      .option('-f, --force', 'remove even when targets/releases would be left unverifiable')
      .option('--no-request', 'refuse rather than open a signing request when targets/releases then needs signatures this host lacks')
      .option('--dry-run', 'show what would change and which tags stop being pullable; change nothing')
      .description('Remove a key from every signer of a repository (a signer left without keys goes)'),
  )).action(async (repository: string, keyId: string, opts: RemovalFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const dockerfiles = await impactInputs(opts, cmd);
    const [{ cliContext }, { removeSignerKey }, { describePublishedChange }, { impactLines }] = await Promise.all([
      import('../context.js'),
      import('../../trust/signers.js'),
      import('../../trust/published-changes.js'),
      import('../../trust/impact.js'),
    ]);
    const r = await removeSignerKey(cliContext(g, io), repository, keyId, { ...removalOptions(opts), dockerfiles });
    emit(io, g, r, () => renderRemoved(r, `key ${shortKeyId(r.removed)}`, describePublishedChange, impactLines));
    if (r.request) throw new AlreadyReported(EXIT.pending);
  });

  withServerOptions(
    signer
      .command('list')
      .argument('<repository>', 'repository')
      .description('List the signers of a repository: keys, threshold, paths, state and the tags each signs'),
  ).action(async (repository: string, opts: ServerFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { listSigners }] = await Promise.all([import('../context.js'), import('../../trust/signers.js')]);
    const r = await listSigners(cliContext(g, io), repository, serverOptions(opts));
    emit(io, g, r, () => renderList(r));
  });
}
