// What a refresh (updater.ts) refuses or cannot do, as errors the commands and screens explain: trust
// data that did not verify, a cached root that cannot be read, a repository the server lost or can no
// longer re-sign, a cache that holds nothing for the repository.
import { HintedError, TufError, type HintInput } from '../tuf/errors.js';
import { RepositoryView } from '../tuf/repository-view.js';
import { GoTime } from '../tuf/time.js';
import type { TrustedSet } from '../tuf/trusted-set.js';
import { ExpiredMetadataError, HashMismatchError, RollbackError, RootCertificateError, SizeLimitError } from '../tuf/update-errors.js';
import { DownloadTooLargeError } from './http-errors.js';
import { RootPinningError } from './root-pinning.js';

export type RefusalKind = 'rollback' | 'expired' | 'root-certificate' | 'tampered' | 'pinning' | 'invalid';

/** The server's trust data failed verification (also after refreshing root). Nothing was cached. */
export class TrustDataRefusedError extends TufError {
  override name = 'TrustDataRefusedError';
  constructor(
    readonly gun: string,
    readonly serverUrl: string,
    readonly kind: RefusalKind,
    readonly cause: Error,
  ) {
    // The cause's own next step is the more precise one (e.g. which pin, or that there is none).
    super(`trust data for ${gun} from ${serverUrl} was refused: ${cause.message}`, {
      hint:
        cause instanceof HintedError && cause.hint
          ? cause.hint
          : cause instanceof RootCertificateError
            ? rootCertificateHint(gun, cause)
            : kind === 'rollback'
              ? rollbackHint(gun, serverUrl)
              : ADVICE[kind],
    });
  }
}

/**
 * A server that went back in time: an attack, or a restore from a backup. After a restore, the host
 * that holds the root key and the newest copy gives it back; every other host then drops its newer
 * timestamp and snapshot (the restored server kept its timestamp key, so nothing tells clients to).
 */
export function rollbackHint(gun: string, serverUrl: string): HintInput {
  const what = 'the server offers older metadata than this machine has already seen (a rollback attack, or a server restored from a backup); ask the server operator';
  return {
    cli:
      `${what}. After a restore: the holder of the root key with the newest copy runs \`trust-tui revoke ${gun} --remote-only --server ${serverUrl}\` ` +
      `and \`trust-tui migrate ${gun} --from-cache --to ${serverUrl}\`; every other host then removes timestamp.json and snapshot.json of ${gun} from its trust directory (docs/server-backup.md)`,
    ui: what,
  };
}

/**
 * What to do about a root whose certificates expired or are not valid yet. An expired one is renewed:
 * a new certificate for the same root key (`renew`), the lighter repair than a new key (`key rotate
 * root`). One not valid yet is most often this machine's clock, so the message shows both times.
 */
export function rootCertificateHint(gun: string, cause: RootCertificateError): HintInput {
  // The repair is a command-line operation in both faces.
  const clock = `this machine's clock says ${cause.now.toISOString()}`;
  const renew = `\`trust-tui renew ${gun}\``;
  if (cause.reason === 'not-yet-valid') {
    const from = cause.boundary ? ` is valid from ${cause.boundary.toISOString()} and` : ' is not valid yet and';
    return `the root certificate of ${gun}${from} ${clock}: set this machine's clock right if it is wrong, else the certificate is wrong and its owner replaces it with ${renew}`;
  }
  const ended = cause.boundary ? `expired on ${cause.boundary.toISOString()}` : 'expired';
  return (
    `the root certificate of ${gun} ${ended} (${clock}): its owner renews it with ${renew} ` +
    `(a new certificate for the same root key; \`trust-tui key rotate root ${gun}\` only if the key itself must change)`
  );
}

const ADVICE: Record<RefusalKind, HintInput> = {
  'root-certificate': "the repository's root certificate must be replaced: its owner runs `trust-tui renew REPO`",
  rollback: 'the server offers older metadata than this machine has already seen (a rollback attack, or a restored backup); ask the server operator',
  expired: {
    cli: 'the server serves expired metadata (a freeze attack, or nobody re-signed it); `trust-tui expiry REPO` shows what expired and who renews it',
    ui: 'the server serves expired metadata (a freeze attack, or nobody re-signed it); the Expiry screen (6) shows what expired and who renews it',
  },
  tampered: 'the metadata does not match what it was signed as (tampering or corruption); ask the server operator',
  pinning: { cli: 'check `trust-tui config pin`', ui: 'check the pins on the Config screen (5)' },
  invalid: 'the metadata is not valid; ask the repository owner or the server operator',
};

export function refusalKind(e: Error): RefusalKind {
  if (e instanceof RollbackError) return 'rollback';
  if (e instanceof RootCertificateError) return 'root-certificate';
  if (e instanceof ExpiredMetadataError) return 'expired';
  if (e instanceof HashMismatchError || e instanceof SizeLimitError || e instanceof DownloadTooLargeError) return 'tampered';
  if (e instanceof RootPinningError) return 'pinning';
  return 'invalid';
}

/** The cached root cannot anchor trust any more (corrupt, or refused by new pins). */
export class CachedRootError extends TufError {
  override name = 'CachedRootError';
  constructor(gun: string, cacheDir: string, cause: Error) {
    super(
      `the cached root of ${gun} in ${cacheDir} cannot be trusted: ${cause.message}`,
      {
        // The trust anchor itself: damaged or changed on this host (a re-created repository shows as a
        // server root the cached one does not vouch for, not as this).
        hint: {
          cli: `restore root.json there from a backup of the trust directory, or forget the local trust data (revoke ${gun} --local-only) and trust the repository anew`,
          ui: 'restore root.json from a backup of the trust directory, or forget the local trust data of the repository and trust it anew',
        },
      },
    );
  }
}

/**
 * The server has no trust data for a repository this host trusted (deleted, lost, or another server).
 * The cache is the user's last trusted state: nothing may initialise a new repository over it.
 */
export class RepositoryMissingOnServerError extends HintedError {
  override name = 'RepositoryMissingOnServerError';
  constructor(
    readonly gun: string,
    readonly serverUrl: string,
    /** The version of the cached metadata (snapshot, else root) this host last trusted. */
    readonly trustedVersion: number,
  ) {
    super(`the trust server ${serverUrl} has no trust data for ${gun}, but this host trusted version ${trustedVersion} of it; nothing was changed`, {
      hint: {
        cli:
          `if the data was lost, publish this host's verified copy to it again with \`trust-tui migrate ${gun} --from-cache --to ${serverUrl}\` ` +
          `(the root key holder runs it); if ${gun} was deleted on purpose, ` +
          `forget it on this host with \`trust-tui revoke ${gun} --local-only\` (the next sign then creates a new repository with new keys)`,
        ui:
          `if the data was lost, publish this host's verified copy to it again: migrate it from the cache to the same server (m on the Repositories screen, root key holder); ` +
          `if ${gun} was deleted on purpose, forget it on this host with trust-tui's revoke command, local only, in a terminal`,
      },
    });
  }
}

/**
 * The server failed to serve the timestamp while the root it has (verified) is expired, or all its
 * certificates are: notary-server cannot re-sign a timestamp then (server/timestamp/timestamp.go
 * createTimestamp loads root with its expiry enforced) and answers 500. The real cause is the root,
 * which only its key's holder can renew. `trusted` holds the verified root, for what it says.
 */
export class RootExpiredOnServerError extends HintedError {
  override name = 'RootExpiredOnServerError';
  constructor(
    readonly gun: string,
    readonly trusted: TrustedSet,
    /** What expired: the root role, or its certificate(s). */
    readonly expired: 'root' | 'root certificate',
    cause: Error,
  ) {
    super(`${expired} of ${gun} expired, so its server cannot re-sign the timestamp (${cause.message})`, {
      cause,
      hint: `the holder of the root key must run \`trust-tui renew ${gun} --role root\``,
    });
  }
}

/** What of the trusted root has expired, if anything. */
export function expiredPartOfRoot(set: TrustedSet): 'root' | 'root certificate' | undefined {
  if (set.root.signed.isExpired(GoTime.fromDate(set.now()))) return 'root';
  const certificates = new RepositoryView(set).rootCertificates();
  return certificates.length > 0 && certificates.every((c) => c.state === 'expired') ? 'root certificate' : undefined;
}

/** `cacheOnly` of a repository this host never cached. */
export class NothingCachedError extends HintedError {
  override name = 'NothingCachedError';
  constructor(gun: string, dir: string) {
    super(`no trust data for ${gun} is cached in ${dir}`, {
      hint: 'name the trust directory that holds it (docker: ~/.docker/trust, notary: ~/.notary)',
    });
  }
}

