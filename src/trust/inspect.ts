// `inspect`: docker's view of who signed what, as `docker trust inspect` prints it.
import { parseReference } from '../registry/reference.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { dockerInspectEntry, type DockerInspectEntry } from './docker-format.js';
import { openRepository } from './repository.js';

export interface InspectOutcome {
  entries: DockerInspectEntry[];
  /** One per argument that could not be inspected, with the real cause (docker only says "no signatures or cannot access"). */
  failures: { name: string; error: Error }[];
}

/**
 * Inspects each name in turn. `stopAtFirstFailure` is docker's `--pretty` behaviour: it gives up at
 * the first argument it cannot inspect (its JSON mode goes on and reports every failure).
 */
export async function inspect(
  ctx: TrustContext,
  names: string[],
  options: ServerOptions & { stopAtFirstFailure?: boolean } = {},
): Promise<InspectOutcome> {
  const outcome: InspectOutcome = { entries: [], failures: [] };
  for (const name of names) {
    if (options.stopAtFirstFailure && outcome.failures.length > 0) break;
    try {
      const reference = parseReference(name);
      if (reference.digest) throw new Error(`cannot use a digest reference for IMAGE:TAG (${name})`);
      const repo = await openRepository(ctx, reference, options);
      outcome.entries.push(dockerInspectEntry(name, repo.state!.view, reference.tag));
    } catch (e) {
      outcome.failures.push({ name, error: e as Error });
    }
  }
  return outcome;
}
