// `trust-tui info [REPO[:TAG]] [--tags-only|--keys-only]`.
import { Option, type Command } from 'commander';
import { globalOptions } from '../globals.js';
import { emit, table, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import type { HostInfo, RepositoryInfo, TagInfo } from '../../trust/info.js';
import { customDataLines } from '../../trust/custom-data.js';
import { shortKeyId } from '../../tuf/short-key-id.js';

const mark = (held: boolean) => (held ? ' (held)' : '');

/** One line per entry of a tag's custom data (`TAG NAME: JSON`), or the whole value when it is not an object. */
function customLines(tag: string, custom: TagInfo['custom']): string[] {
  if (custom === null || typeof custom !== 'object' || Array.isArray(custom)) return customDataLines(custom).map((line) => `  ${tag}: ${line}`);
  return customDataLines(custom).map((line) => `  ${tag} ${line}`);
}

function repositoryText(r: RepositoryInfo, opts: { tagsOnly?: boolean; keysOnly?: boolean }): string {
  const out: string[] = [];
  if (!opts.keysOnly) {
    out.push(`Repository ${r.gun} on ${r.server}${r.offline ? ' (OFFLINE: from the local cache)' : ''}`, '');
    out.push(
      r.tags.length === 0
        ? 'No signed tags'
        : table(
            ['TAG', 'DIGEST', 'SIZE', 'SIGNERS', 'STATE'],
            r.tags.map((t) => [t.tag, t.digest, String(t.size), t.signers.join(', '), t.verified ? 'verified' : `NOT VERIFIED: ${t.problem ?? ''}`]),
          ),
    );
    const custom = r.tags.flatMap((t) => customLines(t.tag, t.custom));
    if (custom.length) out.push('', 'Custom data:', ...custom);
  }
  if (!opts.tagsOnly) {
    if (out.length) out.push('');
    out.push(
      r.signers.length === 0
        ? 'No signers'
        : table(
            ['SIGNER', 'THRESHOLD', 'KEYS', 'STATE'],
            r.signers.map((s) => [s.name, String(s.threshold), s.keys.map((k) => `${shortKeyId(k.id)}${mark(k.held)}`).join(', '), s.problem ? `${s.state}: ${s.problem}` : s.state === 'absent' ? 'absent (no role file yet: signed nothing in its own role)' : s.state]),
          ),
    );
    out.push('', `Root key:       ${r.administrativeKeys.root.map((k) => `${k.id}${mark(k.held)}`).join(', ')}`);
    out.push(`Repository key: ${r.administrativeKeys.repository.map((k) => `${k.id}${mark(k.held)}`).join(', ')}`);
    // Each root certificate expires too, independently of root.json: shown right after root.
    const rows = r.roles.flatMap((e) => [
      [e.role, String(e.version), e.expires, e.state],
      ...(e.role === 'root' ? r.rootCertificates.map((c) => [`  certificate ${c.id.slice(0, 12)}`, '', c.notAfter, c.state]) : []),
    ]);
    out.push('', table(['ROLE', 'VERSION', 'EXPIRES', 'STATE'], rows));
  }
  return out.join('\n');
}

function hostText(h: HostInfo): string {
  return [
    `Trust directory: ${h.trustDir} (cache ${h.cacheDir})`,
    `Settings:        ${h.configDir}`,
    `Root key:        ${h.rootKeyId ?? 'none yet (made by the first init)'}`,
    `Trust on first use: ${h.tofu ? 'enabled' : 'disabled'}`,
    '',
    h.keys.length ? table(['ROLE', 'GUN', 'KEY ID', 'TYPE'], h.keys.map((k) => [k.role, k.gun ?? '', k.id, k.type])) : 'No keys',
    '',
    ...(h.givenServer ? [`--server: ${h.givenServer.url} (${h.givenServer.state})`] : []),
    h.environmentServer ? `DOCKER_CONTENT_TRUST_SERVER: ${h.environmentServer.url} (${h.environmentServer.state})` : 'DOCKER_CONTENT_TRUST_SERVER: not set',
    h.servers.length ? table(['SCOPE', 'SERVER', 'STATE'], h.servers.map((s) => [s.scope, s.url, s.state])) : 'No servers configured',
    '',
    h.pins.length ? table(['SCOPE', 'PINNED TO'], h.pins.map((p) => [p.scope, p.kind === 'ca' ? 'CA' : (p.certs ?? []).map(shortKeyId).join(', ')])) : 'No pins',
  ].join('\n');
}

export function registerInfoCommand(program: Command, io: Io): void {
  withServerOptions(
    program
      .command('info')
      .argument('[repository]', 'repository or repository:tag (without it: this host)')
      .addOption(new Option('--tags-only', 'only the tags (with their custom data)').conflicts('keysOnly'))
      .addOption(new Option('--keys-only', 'only signers, keys and roles').conflicts('tagsOnly'))
      .description('Everything about a repository (tags, signers, keys, expiries), or about this host'),
  ).action(async (repository: string | undefined, opts: { tagsOnly?: boolean; keysOnly?: boolean; server?: string; tlscacert?: string }, cmd: Command) => {
    const g = globalOptions(cmd);
    const [{ cliContext }, info] = await Promise.all([import('../context.js'), import('../../trust/info.js')]);
    const ctx = cliContext(g, io);
    if (!repository) {
      const h = await info.hostInfo(ctx, serverOptions(opts));
      emit(io, g, h, () => hostText(h));
      return;
    }
    const r = await info.repositoryInfo(ctx, repository, serverOptions(opts));
    const data = opts.tagsOnly ? { gun: r.gun, server: r.server, offline: r.offline, tags: r.tags } : opts.keysOnly ? { ...r, tags: undefined } : r;
    emit(io, g, data, () => repositoryText(r, opts));
  });
}
