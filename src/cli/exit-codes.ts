/** Exit codes of every command; `--help` prints this table. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  cancelled: 3,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  error (the message on stderr says what and what to do)
  2  usage error (unknown command or option, missing argument, contradictory options)
  3  cancelled at a confirmation prompt (nothing was changed)
Commands over many repositories (sweep, migrate) exit 1 when any repository failed or was blocked;
the others are done, and running the same command again finishes the rest.`;
