// Errors of the registry side: image references, docker credentials, the OCI distribution API.
// The message is the one line a user sees: what happened; `hint` what to do.
import { HintedError, type HintInput } from '../tuf/errors.js';

export class RegistryError extends HintedError {
  override name = 'RegistryError';
}

/** An image reference that docker would refuse too (same wording as distribution/reference). */
export class ReferenceError extends RegistryError {
  override name = 'ReferenceError';
}

/** config.json or a docker-credential-* helper could not give credentials. */
export class CredentialsError extends RegistryError {
  override name = 'CredentialsError';
}

/** The registry could not be reached, refused the request, or answered something unusable. */
export class RegistryRequestError extends RegistryError {
  override name = 'RegistryRequestError';
  constructor(
    message: string,
    /** HTTP status when the registry answered, undefined when it could not be reached. */
    readonly status?: number,
    options?: ErrorOptions & { hint?: HintInput },
  ) {
    super(message, options);
  }
}
