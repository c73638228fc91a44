// Flags of the destructive commands' impact preview: `--dockerfile FILE` (repeatable) and
// `--build-arg K=V`, whose FROM lines are checked against the change.
import type { Command } from 'commander';
import type { DockerfileInput } from '../../trust/impact.js';
import { EXIT } from '../exit-codes.js';
import { buildArgs } from './verify.js';

export interface ImpactFlags {
  dockerfile?: string[];
  buildArg?: string[];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function withImpactOptions(cmd: Command): Command {
  return cmd
    .option('--dockerfile <file>', 'also list the FROM lines of this Dockerfile that the change would break (repeatable)', collect)
    .option('--build-arg <key=value>', 'a build arg for the Dockerfiles, as docker build takes it (repeatable)', collect);
}

/** The Dockerfiles to check, read before anything else happens; usage errors exit 2. */
export async function impactInputs(opts: ImpactFlags, cmd: Command): Promise<DockerfileInput[]> {
  if (opts.buildArg?.length && !opts.dockerfile?.length) cmd.error('error: --build-arg needs --dockerfile', { exitCode: EXIT.usage, code: 'trust-tui.usage' });
  if (!opts.dockerfile?.length) return [];
  const { readDockerfiles } = await import('../../trust/impact-inputs.js');
  return readDockerfiles(opts.dockerfile, buildArgs(opts.buildArg ?? [], process.env));
}
