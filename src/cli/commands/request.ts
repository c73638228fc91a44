// `trust-tui request list|show|status|approve|merge|submit|cancel|rebase`: signing requests that
// collect the k signatures of a k-of-n role from k people (see docs/team-signing.md).
import { Option, type Command } from 'commander';
import type { RequestEvaluation } from '../../trust/requests/evaluate.js';
import type { RequestView } from '../../trust/requests/operations.js';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';

type ServerFlags = { server?: string; tlscacert?: string; transport?: TransportChoice; repo?: string };

type TransportChoice = 'auto' | 'file' | 'server';

/** `--transport` (where requests are kept) and, for commands given a request ID, `--repo`. */
function withTransport(cmd: Command, byId = true): Command {
  cmd.addOption(
    new Option('--transport <where>', 'where requests are kept: auto (the trust server\'s pending area when it has one, else files), file, or server')
      .choices(['auto', 'file', 'server'])
      .default('auto'),
  );
  if (byId) cmd.option('--repo <repository>', 'the repository of a request given by ID (finds it in that trust server\'s pending area)');
  return cmd;
}

function transportOptions(opts: ServerFlags): { via?: TransportChoice; repo?: string } {
  return { ...(opts.transport ? { via: opts.transport } : {}), ...(opts.repo ? { repo: opts.repo } : {}) };
}

/** How a location reads: a path, or the pending area's URL. */
function where(transport: string | undefined, location: string | undefined): string {
  return transport === 'server' ? `on the server: ${location}` : `${location ?? ''}`;
}

/** Exit code of a request's state: 0 ready or submitted, 7 waiting, 8 stale or expired. */
export function exitCodeOf(e: RequestEvaluation): number {
  if (e.state === 'ready' || e.state === 'submitted') return EXIT.ok;
  if (e.state === 'stale' || e.state === 'expired') return EXIT.stale;
  return EXIT.pending;
}

function signatureLines(view: RequestView): string[] {
  return view.evaluation.roles.flatMap((r) => [
    `  ${r.role} v${r.version}: ${r.result.signed.length} of ${r.result.threshold} (${r.result.distinctKeys} distinct keys)`,
    ...r.signedBy.map((n) => `    ✓ ${n}`),
    ...r.waitingOn.map((n) => `    · ${n}`),
    ...r.result.ignored.map((i) => `    ✗ signature by ${i.keyid.slice(0, 7)} ignored: ${i.reason}`),
  ]);
}

function renderView(view: RequestView): string {
  const { request, evaluation } = view;
  return [
    `Request ${request.id} for ${request.gun}: ${evaluation.status}`,
    `  ${where(view.transport, view.location)}`,
    ...(request.note ? [`  note: ${request.note}`] : []),
    `  deadline: ${request.deadline}`,
    'Change (computed here from the verified repository):',
    ...view.diff.map((l) => `  ${l}`),
    'Signatures:',
    ...signatureLines(view),
  ].join('\n');
}

function evaluationJson(view: RequestView): object {
  return { id: view.request.id, gun: view.request.gun, location: view.location, transport: view.transport ?? 'file', note: view.request.note, deadline: view.request.deadline, state: view.evaluation.state, status: view.evaluation.status, roles: view.evaluation.roles, diff: view.diff };
}

export function registerRequestCommands(program: Command, io: Io): void {
  const group = program.command('request').description('Signing requests: collect the signatures a k-of-n role needs from several hosts');

  withTransport(withServerOptions(
    group.command('list').argument('[repository]', 'only the requests of this repository').option('--offline', 'do not check them against the server').description('List the signing requests kept here and in the pending areas of trust servers, with their status'),
  ), false).action(async (repository: string | undefined, opts: ServerFlags & { offline?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { listRequests }, { parseReference }] = await Promise.all([import('../context.js'), import('../../trust/requests/operations.js'), import('../../registry/reference.js')]);
    const gun = repository === undefined ? undefined : parseReference(repository).gun;
    const unlisted: { gun: string; error: string }[] = [];
    const r = await listRequests(cliContext(g, io), gun, { ...serverOptions(opts), ...transportOptions(opts), offline: opts.offline, onUnlisted: (repo, error) => unlisted.push({ gun: repo, error }) });
    // `unlisted`: known repositories whose pending area could not be read (each also a warning line).
    emit(io, g, { requests: r, ...(unlisted.length > 0 ? { unlisted } : {}) }, () =>
      r.length === 0
        ? 'No signing requests here'
        : table(
            ['ID', 'REPOSITORY', 'ROLES', 'KEPT', 'STATUS'],
            r.map((x) => [x.id, x.gun, x.roles.join(', '), x.transport === 'server' ? 'server' : 'file', x.evaluation?.status ?? x.problem ?? 'not checked (offline)']),
          ),
    );
  });

  for (const name of ['show', 'status'] as const) {
    withTransport(withServerOptions(
      group
        .command(name)
        .argument('<request>', 'request ID (or prefix), or a request file')
        .description(name === 'show' ? 'Show a request: the change computed locally, who signed, who is missing' : 'The status of a request in words (exit 0 ready or submitted, 8 waiting on signatures, 9 stale or expired)'),
    )).action(async (ref: string, opts: ServerFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const [{ cliContext }, { showRequest }] = await Promise.all([import('../context.js'), import('../../trust/requests/operations.js')]);
      const view = await showRequest(cliContext(g, io), ref, { ...serverOptions(opts), ...transportOptions(opts) });
      emit(io, g, evaluationJson(view), () => (name === 'show' ? renderView(view) : `${view.request.id} ${view.request.gun}: ${view.evaluation.status}`));
      const code = name === 'status' ? exitCodeOf(view.evaluation) : EXIT.ok;
      if (code !== EXIT.ok) throw new AlreadyReported(code);
    });
  }

  withTransport(withServerOptions(
    group
      .command('approve')
      .argument('<request>', 'request ID (or prefix), or a request file received from another signer')
      .option('-y, --yes', 'do not ask before signing (the change is still shown)')
      .option('--detach <file>', 'also write this host\'s signatures to FILE, to send back instead of the whole request')
      .description('Verify the repository, show the change, and add this host\'s signatures to a request'),
  )).action(async (ref: string, opts: ServerFlags & { yes?: boolean; detach?: string }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { approveRequest }, { writeNewPrivateFile }] = await Promise.all([
      import('../context.js'),
      import('../../trust/requests/operations.js'),
      import('../../trust/save.js'),
    ]);
    const r = await approveRequest(cliContext(g, io), ref, {
      ...serverOptions(opts),
      ...transportOptions(opts),
      yes: opts.yes,
      show: (view) => {
        if (!g.json) io.stderr(`${renderView(view)}\n`);
      },
      detach: opts.detach
        ? async (docs) => {
            await writeNewPrivateFile(opts.detach!, `${JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2)}\n`);
            return opts.detach!;
          }
        : undefined,
    });
    emit(io, g, { ...evaluationJson(r), signedWith: r.signedWith, ...(r.detached ? { detached: r.detached } : {}) }, () =>
      [
        `Signed request ${r.request.id} with ${r.signedWith.map((id) => id.slice(0, 7)).join(', ')}: ${r.evaluation.status}`,
        `  ${where(r.transport, r.location)}`,
        ...(r.detached ? [`  detached signature: ${r.detached} (send it back; the collector runs trust-tui request merge FILE)`] : []),
        r.evaluation.state === 'ready'
          ? `  submit it: trust-tui request submit ${r.request.id}${r.transport === 'server' ? ` --repo ${r.request.gun}` : ''}`
          : r.transport === 'server'
            ? '  the signers still missing see it on the server: trust-tui request list ' + r.request.gun
            : '  send the request file to the signers still missing',
      ].join('\n'),
    );
    const code = exitCodeOf(r.evaluation);
    if (code !== EXIT.ok) throw new AlreadyReported(code);
  });

  withTransport(withServerOptions(
    group
      .command('merge')
      .argument('<files...>', 'copies of a request, or detached signature files')
      .description('Merge copies of a request or detached signatures into the request where it is kept (here or on the server), then say whose signature now counts'),
  ), false).action(async (files: string[], opts: ServerFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { mergeAndCheck }] = await Promise.all([import('../context.js'), import('../../trust/requests/operations.js')]);
    const r = await mergeAndCheck(cliContext(g, io), files, { ...serverOptions(opts), ...transportOptions(opts) });
    const json = {
      id: r.request.id,
      gun: r.request.gun,
      location: r.location,
      transport: r.transport,
      added: r.added,
      imported: r.imported,
      newlySigned: r.newlySigned,
      ...(r.evaluation ? { state: r.evaluation.state, status: r.evaluation.status } : { problem: r.problem }),
    };
    emit(io, g, json, () => `${r.summary[0]!.toUpperCase()}${r.summary.slice(1)}\n  ${where(r.transport, r.location)}\n  see it: trust-tui request show ${r.request.id}`);
  });

  withTransport(withServerOptions(
    group.command('submit').argument('<request>', 'request ID (or prefix), or a request file').description('Upload every role of a fully signed request in one update (exit 8 while signatures are missing, 9 when stale)'),
  )).action(async (ref: string, opts: ServerFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { submitRequest }, { describePublishedChange }] = await Promise.all([
      import('../context.js'),
      import('../../trust/requests/operations.js'),
      import('../../trust/published-changes.js'),
    ]);
    const r = await submitRequest(cliContext(g, io), ref, { ...serverOptions(opts), ...transportOptions(opts) });
    emit(io, g, r, () => [`Submitted request ${r.id} to ${r.gun}: ${r.published.join(', ')}`, ...r.changes.map((c) => `  ${describePublishedChange(c)}`)].join('\n'));
  });

  withTransport(withServerOptions(
    group
      .command('cancel')
      .argument('<request>', 'request ID (or prefix)')
      .option('-y, --yes', 'do not ask when signatures would be lost')
      .description('Forget a request (here, or in the server\'s pending area for every signer)'),
  )).action(async (ref: string, opts: ServerFlags & { yes?: boolean }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { cancelRequest }] = await Promise.all([import('../context.js'), import('../../trust/requests/operations.js')]);
    const r = await cancelRequest(cliContext(g, io), ref, { ...serverOptions(opts), ...transportOptions(opts), yes: opts.yes, reportStillSigned: true });
    emit(io, g, r, () =>
      [
        `Cancelled request ${r.id} for ${r.gun} (removed ${where(r.transport, r.location)})`,
        // sign published these when it opened the request; cancelling does not take them back.
        ...r.stillSigned.map((t) => `  ${t.tag} stays signed in ${t.roles.join(', ')}: trust-tui revoke ${r.gun}:${t.tag} removes it`),
      ].join('\n'),
    );
  });

  withTransport(withServerOptions(
    group.command('rebase').argument('<request>', 'request ID (or prefix), or a request file').description('Rebuild a stale request on the repository as it is now (collected signatures are dropped)'),
  )).action(async (ref: string, opts: ServerFlags, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, { rebaseRequest }] = await Promise.all([import('../context.js'), import('../../trust/requests/operations.js')]);
    const r = await rebaseRequest(cliContext(g, io), ref, { ...serverOptions(opts), ...transportOptions(opts) });
    emit(io, g, { id: r.request.id, gun: r.request.gun, location: r.location, transport: r.transport, lost: r.lost, state: r.evaluation.state, status: r.evaluation.status }, () =>
      [`Rebased request ${r.request.rebasedFrom} as ${r.request.id} on the current ${r.request.gun} (${r.lost} old signature(s) dropped): ${r.evaluation.status}`, `  ${where(r.transport, r.location)}`].join('\n'),
    );
    const code = exitCodeOf(r.evaluation);
    if (code !== EXIT.ok) throw new AlreadyReported(code);
  });
}
