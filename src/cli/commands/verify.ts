// `trust-tui verify IMAGE[:TAG|@DIGEST]… [--dockerfile FILE [--build-arg K=V]…] [--registry]`: the CI
// gate. Exit 0 when every image is signed as required, 7 when some image is not (one line each,
// naming who is missing), 1 when some image could not be checked, 2 on usage errors.
import type { Command } from 'commander';
import { AlreadyReported } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { globalOptions } from '../globals.js';
import { emit, type Io } from '../output.js';
import { serverOptions, withServerOptions } from './server-options.js';
import { CONCURRENCY_HELP, concurrencyOption } from '../concurrency-option.js';
import type { DockerfileVerdict, FromVerdict, ImageVerdict } from '../../trust/verify/verify.js';

interface VerifyFlags {
  server?: string;
  tlscacert?: string;
  dockerfile?: string;
  buildArg?: string[];
  registry?: boolean;
  policy?: string;
  concurrency?: number;
}

/** `--policy FILE`: the deployability rule of a signing policy instead of docker's release rule. */
async function policyRequirementFrom(file: string) {
  const [{ loadPolicy }, { policyRequirement }] = await Promise.all([
    import('../../trust/signing-policy/service.js'),
    import('../../trust/verify/policy-requirement.js'),
  ]);
  return policyRequirement(await loadPolicy(file), file);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** docker build's --build-arg: `K=V`, or `K` alone to take the value from the environment (ignored when unset). */
export function buildArgs(values: string[], env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === -1) {
      const fromEnv = env[value];
      if (fromEnv !== undefined) out.set(value, fromEnv);
    } else out.set(value.slice(0, eq), value.slice(eq + 1));
  }
  return out;
}

function subject(v: ImageVerdict): string {
  if (v.status === 'error' && v.gun === v.image) return v.image;
  return `${v.gun}${v.tag !== undefined ? `:${v.tag}` : ''}${v.digest !== undefined ? `@${v.digest}` : ''}`;
}

/**
 * Who signed a release, as far as the verified roles say. With no signer's own role holding it, the
 * repository key signed it only when `targets` itself holds it: a release held by targets/releases
 * alone names nobody (its signers' roles may be missing, as from a damaged cache).
 */
export function signedByText(s: { signers: readonly string[]; releasedBy: readonly string[] }): string {
  if (s.signers.length) return `signed by ${s.signers.join(', ')}`;
  return s.releasedBy.includes('targets') ? 'signed by the repository key' : "no signer's own role holds it";
}

function verdictText(v: ImageVerdict): string {
  const offline = v.offline ? ' (from the cache: trust server unreachable)' : '';
  if (v.status === 'signed') {
    const s = v.signed!;
    const by = signedByText(s);
    const registry = v.registry ? '; the registry serves it' : '';
    return `signed: ${s.digest} (${s.releasedBy.join(', ')}; ${by})${registry}${offline}`;
  }
  if (v.status === 'not-signed') return `NOT SIGNED: ${v.message}${offline}`;
  return `could not check: ${v.message}${v.hint ? ` — ${v.hint}` : ''}`;
}

function imageLine(v: ImageVerdict, requirement: string): string {
  const judged = v.requirement !== requirement ? ` [${v.requirement}]` : '';
  return `${subject(v)}${v.defaultTag ? ' (no tag: latest, as docker pull)' : ''}  ${verdictText(v)}${judged}`;
}

function fromLine(file: string, f: FromVerdict, requirement: string): string {
  const where = `${file}:${f.line}`;
  if (f.base.kind === 'scratch') return `${where}  scratch: nothing to pull`;
  if (f.base.kind === 'stage') return `${where}  ${f.base.name}: stage ${f.base.index} of this Dockerfile, nothing to pull`;
  return `${where}  ${imageLine(f.verdict!, requirement)}`;
}

function summary(verdicts: ImageVerdict[], requirement: string, what: string): string {
  const bad = verdicts.filter((v) => v.status === 'not-signed').length;
  const unknown = verdicts.filter((v) => v.status === 'error').length;
  const parts = [`${verdicts.length - bad - unknown} of ${verdicts.length} ${what} signed as required (${requirement})`];
  if (bad) parts.push(`${bad} not`);
  if (unknown) parts.push(`${unknown} could not be checked`);
  const unmatched = verdicts.filter((v) => v.requirement !== requirement).length;
  if (unmatched) parts.push(`${unmatched} judged by docker's release rule: no entry of the policy matches ${unmatched === 1 ? 'it' : 'them'}`);
  return parts.join('; ');
}

export function registerVerifyCommand(program: Command, io: Io): void {
  withServerOptions(
    program
      .command('verify')
      .argument('[images...]', 'IMAGE[:TAG] or IMAGE@sha256:… (no tag: latest, as docker pull)')
      .option('--dockerfile <file>', "verify every FROM image of this Dockerfile (stages, scratch and ARGs resolved as docker's builder does)")
      .option('--build-arg <key=value>', 'a build arg for the Dockerfile, as docker build takes it (repeatable; KEY alone reads it from the environment)', collect)
      .option('--registry', 'also ask the registry: the tag must still point at the signed digest and size')
      .option('--concurrency <n>', CONCURRENCY_HELP, concurrencyOption)
      .option('--policy <file>', "require the deployability rule of this signing policy (trust-policy.yaml) instead of docker's release rule")
      .description('Exit 0 only when every image is signed as docker pull with content trust accepts it (exit 7: some image is not; 1: some could not be checked)'),
  ).action(async (images: string[], opts: VerifyFlags, cmd: Command) => {
    if (images.length === 0 && opts.dockerfile === undefined) {
      cmd.error('error: name the images to verify, or give --dockerfile FILE', { exitCode: EXIT.usage, code: 'trust-tui.usage' });
    }
    if (opts.buildArg?.length && opts.dockerfile === undefined) {
      cmd.error('error: --build-arg needs --dockerfile', { exitCode: EXIT.usage, code: 'trust-tui.usage' });
    }
    const g = globalOptions(cmd);
    const [{ cliContext }, verify, { releasedRequirement }] = await Promise.all([
      import('../context.js'),
      import('../../trust/verify/verify.js'),
      import('../../trust/verify/released.js'),
    ]);
    const ctx = cliContext(g, io);
    const requirement = opts.policy === undefined ? releasedRequirement : await policyRequirementFrom(opts.policy);
    const options = { ...serverOptions(opts), registry: opts.registry === true, requirement };

    let dockerfile: DockerfileVerdict | undefined;
    if (opts.dockerfile !== undefined) {
      dockerfile = await verify.verifyDockerfile(ctx, opts.dockerfile, buildArgs(opts.buildArg ?? [], process.env), options);
      for (const name of dockerfile.unusedBuildArgs) ctx.warn(`build arg ${name} is not declared by an ARG before the first FROM; it does not change any FROM line`);
    }
    const verdicts = images.length ? await verify.verifyImages(ctx, images, { ...options, ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}) }) : [];
    const fromVerdicts = dockerfile?.froms.flatMap((f) => (f.verdict ? [f.verdict] : [])) ?? [];
    const all = [...verdicts, ...fromVerdicts];
    const outcome = verify.overallOutcome(all);

    emit(
      io,
      g,
      {
        requirement: requirement.name,
        outcome,
        ...(images.length ? { images: verdicts } : {}),
        ...(dockerfile ? { dockerfile: { file: opts.dockerfile, froms: dockerfile.froms, unusedBuildArgs: dockerfile.unusedBuildArgs } } : {}),
      },
      () => {
        const lines = verdicts.map((v) => imageLine(v, requirement.name));
        if (dockerfile) lines.push(...dockerfile.froms.map((f) => fromLine(opts.dockerfile!, f, requirement.name)));
        const what = dockerfile && !images.length ? 'base images' : 'images';
        if (all.length > 0) lines.push(summary(all, requirement.name, what));
        return lines.join('\n');
      },
    );
    if (outcome === 'not-signed') throw new AlreadyReported(EXIT.notSigned);
    if (outcome === 'error') throw new AlreadyReported(EXIT.error);
  });
}
