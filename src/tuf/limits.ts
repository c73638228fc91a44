// The client's limits against endless-data and endless-rotation attacks, in one configuration object
// (as tuf-js's `config` and python-tuf's UpdaterConfig). The trusted set enforces them, the updater
// walks root versions and delegations within them, the HTTP client stops reading at them.

export interface TufLimits {
  /** Bytes of a `root.json`: no trusted metadata states its length, so a sane cap. */
  maxRootBytes: number;
  /** Bytes of `timestamp.json` (notary's `MaxTimestampSize`). Snapshot, targets and delegations are held to their exact `meta` length. */
  maxTimestampBytes: number;
  /** Root versions one update may walk through (python-tuf's `max_root_rotations`). */
  maxRootRotations: number;
  /**
   * Delegated targets roles one update may load. python-tuf and tuf-js allow 32 per target lookup;
   * notary loads every delegation of a repository (each signer is one), so the cap is higher.
   */
  maxDelegations: number;
}

export const DEFAULT_TUF_LIMITS: Readonly<TufLimits> = Object.freeze({
  maxRootBytes: 10 << 20,
  maxTimestampBytes: 1 << 20,
  maxRootRotations: 32,
  maxDelegations: 256,
});

/** The defaults with `overrides` applied. */
export function tufLimits(overrides: Partial<TufLimits> = {}): TufLimits {
  return { ...DEFAULT_TUF_LIMITS, ...overrides };
}
