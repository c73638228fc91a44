/** Exit codes of every command; `--help` prints this table. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  cancelled: 3,
  /** `expiry`: something someone must renew ends within the window (nothing has ended yet). */
  expiring: 4,
  /** `expiry`: something someone must renew has already expired. */
  expired: 5,
  /** `export status`: some signer has not exported a tag yet (or a tag cannot be exported). */
  incomplete: 6,
  /** `verify`: some image is not signed as required (the others were checked; see each line). */
  notSigned: 7,
  /** A signing request waits on more signatures (`sign`, `role threshold`, `signer …`, `policy apply` opened one; `request status`). */
  pending: 8,
  /** A signing request is stale (its base moved: rebase it) or past its deadline. */
  stale: 9,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  error (the message on stderr says what and what to do)
  2  usage error (unknown command or option, missing argument or sub-command, contradictory options)
  3  cancelled at a confirmation prompt (nothing was changed); an input that ends there is 1: pass -y
  4  expiry: a role or root certificate ends within the window (--within, else six months)
  5  expiry: a role or root certificate has already expired
  6  export status: the migration is not complete (a signer has still to export a tag)
  7  verify: some image is not signed as required (unsigned, wrongly signed, or not in the registry)
  8  a signing request waits on more signatures (opened by sign, role threshold, signer …, policy apply; request status|submit)
  9  a signing request is stale (the repository moved on: request rebase) or past its deadline
Commands over many repositories (sweep, migrate) exit 1 when any repository failed or was blocked;
the others are done, and running the same command again finishes the rest.
policy plan and policy check give 2 a command-specific meaning, as terraform plan -detailed-exitcode:
2 = differences from the policy (plan) or a tag that is not deployable (check); 0 = in sync; 1 = error.
policy apply: 0 = in sync afterwards, 8 = signing requests opened, 2 = differences it could not act on.`;

/** `policy plan` / `policy check`: Terraform's detailed exit codes (2 is command-specific here). */
export const POLICY_EXIT = { inSync: 0, error: 1, differences: 2 } as const;
