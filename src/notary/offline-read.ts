// Reading a repository without its server: a `cacheOnly` refresh (the last verified state of a
// repository whose server is gone), or notary's fallback when the server cannot be reached. The
// cached files go through every check a download would; only where they come from differs.
import { TufError } from '../tuf/errors.js';
import type { FileMeta, Root } from '../tuf/metadata/index.js';
import { TrustedSet, type TrustedSetOptions } from '../tuf/trusted-set.js';
import { RootCertificateError } from '../tuf/update-errors.js';
import type { TrustCache } from './cache.js';
import { ServerUnreachableError } from './http-errors.js';
import { CachedRootError, NothingCachedError, refusalKind, TrustDataRefusedError } from './refresh-errors.js';
import { CachedFileMismatchError, NotCachedError, type CachedFiles, type Fetched, type UpdateFiles } from './update-files.js';
import { loadAfterRoot, type Walk } from './update-walk.js';

/** Offline: every file comes from the cache, in the version trusted metadata names, or not at all. */
export class CacheFiles implements UpdateFiles {
  readonly offline = true;

  constructor(readonly cached: CachedFiles) {}

  async timestamp(root: Root): Promise<Fetched> {
    const cached = await this.cached.read('timestamp', root);
    if (!cached) throw new NotCachedError('timestamp');
    return { bytes: cached };
  }

  async vouched(role: string, meta: FileMeta, root?: Root): Promise<Fetched> {
    const cached = await this.cached.read(role, root);
    if (!cached) throw new NotCachedError(role);
    if (meta.mismatch(cached) !== undefined) throw new CachedFileMismatchError(this.cached.gun, role);
    return { bytes: cached };
  }
}

export interface OfflineRead {
  gun: string;
  cache: TrustCache;
  setOptions: TrustedSetOptions;
  /** The walk after root, its files a CacheFiles. */
  walk: Walk;
}

/** `cacheOnly`: the cached files, verified as a download would be; nothing is asked of the server. */
export async function readCacheOnly({ gun, cache, setOptions, walk }: OfflineRead): Promise<TrustedSet> {
  const root = await cache.read(gun, 'root');
  if (!root) throw new NothingCachedError(gun, cache.metadataDir(gun));
  try {
    let set: TrustedSet;
    try {
      set = TrustedSet.fromTrustedRoot(root, setOptions);
    } catch (e) {
      throw new CachedRootError(gun, cache.metadataDir(gun), e as Error);
    }
    await loadAfterRoot(set, walk);
    return set;
  } catch (e) {
    if (e instanceof CachedRootError) throw e;
    if (e instanceof CachedFileMismatchError) throw new TrustDataRefusedError(gun, cache.metadataDir(gun), 'tampered', e);
    if (e instanceof NotCachedError) {
      // Missing or unusable on this host: nothing for the repository's owner or server to do.
      const fill = 'or restore the trust directory from a backup';
      const incomplete = new TufError(`the cache is incomplete: ${e.message}`, {
        hint: { cli: `read the repository from its server once to complete this host's cache (trust-tui inspect ${gun}), ${fill}`, ui: `open the repository while its server answers, ${fill}` },
      });
      throw new TrustDataRefusedError(gun, cache.metadataDir(gun), 'invalid', incomplete);
    }
    if (e instanceof TufError) throw new TrustDataRefusedError(gun, cache.metadataDir(gun), refusalKind(e), e);
    throw e;
  }
}

/** The server (at `serverUrl`) is unreachable: the same checks over cached files only; expired data is refused. */
export async function readCacheWhenUnreachable(
  { gun, cache, setOptions, walk }: OfflineRead,
  unreachable: ServerUnreachableError,
  serverUrl: string,
): Promise<TrustedSet> {
  const root = await cache.read(gun, 'root');
  if (!root) throw unreachable;
  try {
    const set = TrustedSet.fromTrustedRoot(root, setOptions);
    await loadAfterRoot(set, walk);
    const when = set.timestamp!.signed.expires.toDate().toISOString();
    walk.warn(`cannot reach the trust server at ${unreachable.url}: ${unreachable.reason}; showing the trust data cached on this machine (valid until ${when})`);
    return set;
  } catch (e) {
    if (!(e instanceof TufError)) throw e;
    if (e instanceof RootCertificateError) throw new TrustDataRefusedError(gun, serverUrl, 'root-certificate', e);
    throw new ServerUnreachableError(unreachable.url, `${unreachable.reason}, and the cached trust data for ${gun} cannot be used (${e.message})`, unreachable.hint);
  }
}
