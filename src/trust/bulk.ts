// What commands over many repositories share (sweep, verify of many images): how many repositories
// are worked on at once, and each repository's own deadline. The command's `--timeout` bounds the
// requests of ONE repository in a bulk command (a sweep of 1,000 repositories cannot fit in one
// 30 s budget); time spent waiting for the user (a passphrase) counts for none of them.
import { Deadline } from '../net/deadline.js';
import { agentPoolOf } from './connect.js';
import type { TrustContext } from './context.js';

/**
 * The context one repository of a bulk command runs in: its own deadline of the command's budget,
 * the command's connections (kept alive across repositories), and prompts that stop its clock.
 */
export function repositoryContext(ctx: TrustContext): TrustContext {
  const budget = ctx.deadline?.budgetMs;
  const deadline = new Deadline(budget);
  return {
    ...ctx,
    agents: agentPoolOf(ctx),
    deadline,
    passphrases: { get: (req) => deadline.excluding(() => ctx.passphrases.get(req)) },
    confirm: (question) => deadline.excluding(() => ctx.confirm(question)),
  };
}

export { checkConcurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from './concurrency.js';
export { mapLimited } from './repositories.js';
