// `trust-tui init`, `sign`, `revoke`: the write commands of a repository.
import { Command, InvalidArgumentError } from 'commander';
import { digestProblem, sizeProblem } from '../../trust/manifest-input.js';
import { durationOption, EXPIRES_HELP } from '../duration-option.js';
import { AlreadyReported, errorLine } from '../errors.js';
import type { PushProgress } from '../push-progress.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { impactInputs, withImpactOptions, type ImpactFlags } from './impact-options.js';

type ServerFlags = { server?: string; tlscacert?: string };

function parseDigest(value: string): string {
  const problem = digestProblem(value);
  if (problem) throw new InvalidArgumentError(`a manifest digest needs ${problem}`);
  return value.trim();
}

function parseSize(value: string): number {
  const problem = sizeProblem(value);
  if (problem) throw new InvalidArgumentError(`the size must be ${problem}`);
  return Number(value);
}


function collectMeta(value: string, previous: { name: string; file: string }[] = []) {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new InvalidArgumentError('use --meta NAME:FILE');
  return [...previous, { name: value.slice(0, colon), file: value.slice(colon + 1) }];
}

export function registerRepoCommands(program: Command, io: Io): void {
  withServerOptions(
    program
      .command('init')
      .argument('<repository>', 'repository to create trust data for, e.g. registry.example.com/team/app')
      .option('--signer <name>', 'name of this host\'s signer (default: your registry login, else "owner")')
      .option('--expires <duration>', EXPIRES_HELP, durationOption)
      .description('Initialise a signed repository: root, targets, releases and your signer'),
  ).action(async (repository: string, opts: ServerFlags & { signer?: string; expires?: number }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { initRepository }] = await Promise.all([import('../context.js'), import('../../trust/init.js')]);
    if (!g.json) io.stdout(`Initializing signed repository for ${repository}...\n`);
    const r = await initRepository(cliContext(g, io), repository, { ...serverOptions(opts), signer: opts.signer, lifetimeMs: opts.expires });
    emit(io, g, r, () =>
      [
        `Successfully initialized ${r.gun} on ${r.server}`,
        `  root key:       ${r.rootKeyId} (its certificate for ${r.gun}: ${r.rootCertificateKeyId}, the ID inspect shows)`,
        `  repository key: ${r.targetsKeyId}`,
        `  signer ${r.signer}:   ${r.signerKeyId} (in targets/releases and targets/${r.signer})`,
      ].join('\n'),
    );
  });

  withServerOptions(
    program
      .command('sign')
      .argument('<image>', 'repository:tag to sign')
      .option('--digest <sha256:hex>', 'manifest digest (default: asked from the registry)', parseDigest)
      .option('--size <bytes>', 'manifest size in bytes (requires --digest)', parseSize)
      .option('--expires <duration>', EXPIRES_HELP, durationOption)
      .option('--meta <name:file>', 'upload FILE (at most 256 MiB) as a blob and record it under NAME in the signature (repeatable; info shows it)', collectMeta)
      .option(
        '--from <source>',
        'push a local image to the tag first, then sign the digest the registry stores: oci:DIR[:REF] (OCI layout), oci-archive:FILE, docker-archive:FILE (docker save) or docker-daemon:IMAGE',
      )
      .description('Sign a tag: record its manifest digest in every role you may sign (with --from: push a local image, then sign it)'),
  ).action(
    async (
      image: string,
      opts: ServerFlags & { digest?: string; size?: number; expires?: number; meta?: { name: string; file: string }[]; from?: string },
      cmd: Command,
    ) => {
      const usage = (message: string) => cmd.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'trust-tui.usage' });
      // A size alone would be silently replaced by the registry's: refuse it instead.
      if (opts.size !== undefined && opts.digest === undefined) usage('option --size requires --digest (the size of that manifest)');
      if (opts.from !== undefined && opts.digest !== undefined) usage('--from pushes the image and signs the digest the registry stores: leave out --digest and --size');
      const g = globalOptions(cmd);
      const [{ cliContext }, { sign }, { describePublishedChange }, { parseReference }, { parseFrom, describePushed }] = await Promise.all([
        import('../context.js'),
        import('../../trust/sign.js'),
        import('../../trust/published-changes.js'),
        import('../../registry/reference.js'),
        import('../../trust/push-local.js'),
      ]);
      parseReference(image); // a malformed reference fails before anything claims to be signing
      if (opts.from !== undefined) {
        try {
          parseFrom(opts.from);
        } catch (e) {
          usage(errorLine(e));
        }
      }
      // Per-blob progress on a terminal, from the first push event (a plain sign may push from the
      // docker daemon); scripts (a pipe, --json) see only the result.
      const progressModule = process.stderr.isTTY && !g.json ? await import('../push-progress.js') : undefined;
      let progress: PushProgress | undefined;
      if (!g.json) io.stdout(opts.from !== undefined ? `Pushing ${opts.from} to ${image} and signing it...\n` : `Signing and pushing trust data for ${image}...\n`);
      const r = await sign(cliContext(g, io), image, {
        ...serverOptions(opts),
        digest: opts.digest,
        size: opts.size,
        meta: opts.meta,
        lifetimeMs: opts.expires,
        ...(opts.from !== undefined ? { from: opts.from } : {}),
        ...(progressModule ? { onPushProgress: (e) => (progress ??= progressModule.createPushProgress(process.stderr)).onProgress(e) } : {}),
      }).finally(() => progress?.finish());
      emit(io, g, r, () =>
        [
          ...(r.pushed ? [describePushed(r.pushed, `${r.gun}:${r.tag}`).replace(/^p/, 'P')] : []),
          ...(r.initialised ? [`Initialized signed repository ${r.gun}`] : []),
          ...(r.roles.length > 0 ? [`Successfully signed ${r.gun}:${r.tag} (${r.digest}, ${r.size} bytes) in ${r.roles.join(', ')}`] : []),
          ...r.changes.map((c) => `  ${describePublishedChange(c)}`),
          ...(r.request
            ? [
                `Signing request ${r.request.id} opened for ${r.request.roles.join(', ')}: ${r.request.status}`,
                ...(r.request.transport === 'server'
                  ? [
                      `  on the server: ${r.request.location}`,
                      `  the other signers each run: trust-tui request approve ${r.request.id} --repo ${r.gun}, then anyone: trust-tui request submit ${r.request.id} --repo ${r.gun}`,
                    ]
                  : [
                      `  ${r.request.location}`,
                      `  send it to the other signers; each runs: trust-tui request approve FILE, then anyone: trust-tui request submit ${r.request.id}`,
                    ]),
              ]
            : r.released
              ? []
              : [`${r.tag} is not released: docker pulls only tags signed in targets/releases (or targets); ask a releases signer to sign it`]),
        ].join('\n'),
      );
      if (r.request) throw new AlreadyReported(EXIT.pending);
    },
  );

  withImpactOptions(withServerOptions(
    program
      .command('revoke')
      .argument('<image>', 'repository:tag to revoke your signature of, or a repository to delete all its trust data')
      .option('-y, --yes', 'do not ask for confirmation (repository deletion)')
      .option('--local-only', 'only forget the local trust data of the repository (with a repository)')
      .option('--remote-only', "only delete the repository on the trust server; keep this host's verified copy (with a repository)")
      .option('--dry-run', 'with a tag: show which roles lose it and whether docker can still pull it; change nothing')
      .description('Remove your signature of a tag, or all trust data of a repository'),
  )).action(async (image: string, opts: ServerFlags & ImpactFlags & { yes?: boolean; localOnly?: boolean; remoteOnly?: boolean; dryRun?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const dockerfiles = await impactInputs(opts, cmd);
    const [{ cliContext }, revoke, { parseReference }, { describePublishedChange }] = await Promise.all([
      import('../context.js'),
      import('../../trust/revoke.js'),
      import('../../registry/reference.js'),
      import('../../trust/published-changes.js'),
    ]);
    const ctx = cliContext(g, io);
    if (parseReference(image).tag !== undefined) {
      if (opts.localOnly || opts.remoteOnly) cmd.error(`error: ${opts.localOnly ? '--local-only' : '--remote-only'} applies to a whole repository, not a tag`, { exitCode: 2, code: 'trust-tui.usage' });
      if (opts.dryRun) {
        const { impactLines } = await import('../../trust/impact.js');
        const p = await revoke.previewRevokeTag(ctx, image, { ...serverOptions(opts), dockerfiles });
        emit(io, g, p, () =>
          [
            `Dry run: revoking ${p.gun}:${p.tag} would remove it from ${p.roles.join(', ')} (nothing was changed)`,
            ...(p.remaining.length ? [`  it stays in ${p.remaining.join(', ')} (this host holds none of their keys)`] : []),
            ...impactLines(p.impact),
          ].join('\n'),
        );
        return;
      }
      const r = await revoke.revokeTag(ctx, image, serverOptions(opts));
      emit(io, g, r, () =>
        [
          ...(r.roles.length > 0 ? [`Successfully deleted signature for ${r.gun}:${r.tag} from ${r.roles.join(', ')}`] : []),
          ...r.changes.map((c) => `  ${describePublishedChange(c)}`),
          ...(r.request
            ? [`Signing request ${r.request.id} opened to remove ${r.tag} from ${r.request.roles.join(', ')}: ${r.request.status}`, `  ${r.request.location}`]
            : []),
          r.released
            ? `${r.tag} is still released: signed in ${r.remaining.join(', ')}`
            : r.remaining.length
              ? `${r.tag} is no longer released (docker cannot pull it with content trust); still signed in ${r.remaining.join(', ')}, which does not release it`
              : `${r.tag} is no longer signed by any role`,
        ].join('\n'),
      );
      if (r.request) throw new AlreadyReported(EXIT.pending);
    } else {
      if (opts.dryRun || dockerfiles.length) cmd.error('error: --dry-run and --dockerfile apply to a tag (REPO:TAG), not a whole repository', { exitCode: 2, code: 'trust-tui.usage' });
      if (opts.localOnly && opts.remoteOnly) cmd.error('error: --local-only and --remote-only exclude each other (give neither to delete both)', { exitCode: 2, code: 'trust-tui.usage' });
      const r = await revoke.revokeRepository(ctx, image, { ...serverOptions(opts), yes: opts.yes, localOnly: opts.localOnly, remoteOnly: opts.remoteOnly });
      emit(io, g, r, () =>
        r.deletedRemote
          ? `Successfully deleted all trust data of ${r.gun} on ${r.server}${opts.remoteOnly ? (r.keptCache ? " (this host's copy is kept)" : ' (no copy of it is cached on this host)') : r.deletedCache ? ' and locally' : ' (none was cached on this host)'}`
          : r.deletedCache
            ? `Successfully deleted the local trust data of ${r.gun}`
            : `No trust data of ${r.gun} is cached on this host: nothing was deleted (check the name)`,
      );
    }
  });
}
