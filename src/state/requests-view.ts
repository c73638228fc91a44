// How the Requests screen words a signing request: progress ("2/3"), the deadline, and the detail
// lines (the change as computed locally from the verified repository, and the signatures by name).
import { roleLabel, roleProgress, spanInWords } from '../trust/requests/evaluate.js';
import type { ListedRequest, RequestView } from './services.js';

/** Signatures that count over what the roles need, summed over the request's roles: `2/3`. */
export function progressText(r: ListedRequest): string {
  const roles = r.evaluation?.roles;
  if (!roles?.length) return '-';
  const have = roles.reduce((n, e) => n + Math.min(e.result.signed.length, e.result.threshold), 0);
  const need = roles.reduce((n, e) => n + e.result.threshold, 0);
  return `${have}/${need}`;
}

/** What the status column says: the evaluation's words, or why the request could not be checked. */
export function statusText(r: ListedRequest): string {
  return r.evaluation?.status ?? `not checked: ${r.problem ?? 'unknown'}`;
}

export const isStale = (r: ListedRequest): boolean => r.evaluation?.state === 'stale';

/** `in 3 days`, `2 h ago`. */
export function deadlineText(deadline: string, now = Date.now()): string {
  const ms = Date.parse(deadline) - now;
  return ms >= 0 ? `in ${spanInWords(ms)}` : `${spanInWords(ms)} ago`;
}

/** The deadline to the minute, in UTC. */
const deadlineAt = (deadline: string) => `${new Date(deadline).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The change comes first (what a signer approves), then who signed, then the request's facts. */
export function requestDetailLines(view: RequestView): string[] {
  const { request, evaluation } = view;
  return [
    `Status: ${evaluation.status}`,
    'Change (computed here from the verified repository):',
    ...(view.diff.length ? view.diff.map((l) => `  ${l}`) : ['  (no change)']),
    'Signatures:',
    ...evaluation.roles.map((e) => `  ${roleLabel(e.role)} v${e.version}: ${roleProgress(e)}${e.signedBy.length ? ` (signed: ${e.signedBy.join(', ')})` : ''}`),
    `Deadline: ${deadlineAt(request.deadline)} (${deadlineText(request.deadline)})`,
    ...(request.note ? [`Note: ${request.note}`] : []),
    `Repository: ${request.gun}`,
    view.transport === 'server' ? `Kept on the trust server: ${view.location}` : `File: ${view.location}`,
  ];
}
