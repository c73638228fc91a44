// Why the trusted set refused a piece of metadata. Each names the role and the rule it broke, so a
// user reading one line knows whether the server is stale, compromised, or simply misconfigured.
import { TufError } from './errors.js';

/** A refusal by the client workflow (rollback, freeze, mix-and-match, size), not a parse error. */
export class UpdateRefusedError extends TufError {
  override name = 'UpdateRefusedError';
  constructor(
    readonly role: string,
    detail: string,
  ) {
    super(`${role}: ${detail}`);
  }
}

/** Rollback attack (TUF 5.3.5, 5.4.3, 5.5.5): a version below the one already trusted or cached. */
export class RollbackError extends UpdateRefusedError {
  override name = 'RollbackError';
  constructor(
    role: string,
    readonly trustedVersion: number,
    readonly offeredVersion: number,
  ) {
    super(role, `version ${offeredVersion} is older than the trusted version ${trustedVersion}; the server may be replaying old metadata`);
  }
}

/** Freeze attack (TUF 5.3.10, 5.4.4, 5.5.6, 5.6.5): metadata past its `expires`. */
export class ExpiredMetadataError extends UpdateRefusedError {
  override name = 'ExpiredMetadataError';
  constructor(
    role: string,
    readonly expires: string,
  ) {
    super(role, `expired at ${expires}; the server has not re-signed it (or is serving stale data)`);
  }
}

/**
 * The root's certificates are expired or not yet valid (notary's `utils.ValidateCertificate`, applied by
 * `trustpinning.ValidateRoot` to the cached root and every new one): a threshold of currently valid
 * root certificates must vouch for the repository. Only a new root, signed by the old root key and
 * carrying a new certificate, repairs it.
 */
export class RootCertificateError extends UpdateRefusedError {
  override name = 'RootCertificateError';
  constructor(
    readonly reason: 'expired' | 'not-yet-valid',
    readonly problems: readonly string[],
    /** The time the check used (this machine's clock, unless a caller set another). */
    readonly now: Date,
    /** Expired: the latest end among the certificates that expired; not valid yet: the earliest start. */
    readonly boundary?: Date,
  ) {
    super('root', `could not validate the path to a trusted root: no valid root certificate (${problems.join('; ')})`);
  }
}

/** Mix-and-match or tampering (TUF 5.5.2, 5.6.2): bytes that do not match the length and hashes vouched for. */
export class HashMismatchError extends UpdateRefusedError {
  override name = 'HashMismatchError';
}

/** Endless-data attack: a file larger than the limit for its role. */
export class SizeLimitError extends UpdateRefusedError {
  override name = 'SizeLimitError';
  constructor(
    role: string,
    readonly limit: number,
    readonly size: number,
  ) {
    super(role, `${size} bytes exceed the limit of ${limit}`);
  }
}

/** Endless rotation: a newest root further ahead of the trusted one than the client walks. */
export class RotationLimitError extends UpdateRefusedError {
  override name = 'RotationLimitError';
  constructor(
    readonly trustedVersion: number,
    readonly offeredVersion: number,
    readonly limit: number,
  ) {
    super('root', `version ${offeredVersion} is more than ${limit} rotations past the trusted version ${trustedVersion}; refused without walking them`);
  }
}

/** The caller broke the workflow order (e.g. targets before snapshot): a programming error. */
export class WorkflowOrderError extends TufError {
  override name = 'WorkflowOrderError';
}

/**
 * A delegation that is expired or below its threshold. Not fatal (notary skips it with a warning,
 * and so does the updater), except for `targets` itself, which throws the underlying error.
 */
export class DelegationRefusedError extends UpdateRefusedError {
  override name = 'DelegationRefusedError';
  constructor(
    role: string,
    readonly reason: 'expired' | 'threshold',
    detail: string,
  ) {
    super(role, detail);
  }
}
