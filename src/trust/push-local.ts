// `sign --from SOURCE`: the local-image half of signing — parse the source, open the image, push it,
// and say in one phrase what the push did. The digest signed is the one the registry stored, which
// the push compared with the one computed locally (src/registry/push.ts).
import { defaultCacheDir, dockerConfigDir } from '../config/paths.js';
import type { RegistryClient } from '../registry/client.js';
import { loadRegistryCredentials } from '../registry/credentials.js';
import { RegistryRequestError } from '../registry/errors.js';
import { hintOf } from '../tuf/errors.js';
import { LocalImageError, type LocalImage, type LocalSourceSpec } from '../registry/local/image.js';
import { findDaemonImage, openLocalImage, parseLocalSource } from '../registry/local/index.js';
import { pushImage } from '../registry/push.js';
import type { PushProgressEvent, PushResult } from '../registry/push-types.js';
import type { TaggedReference } from '../registry/reference.js';
import type { TrustContext } from './context.js';
import { InputError, TrustError } from './errors.js';

/** What `sign --from` pushed before signing (SignResult.pushed). */
export interface PushedImage {
  /** The `--from` input, e.g. `oci:build/app:1.0`. */
  source: string;
  blobs: { uploaded: number; existing: number; mounted: number; bytesSent: number };
  /** Manifests stored (an index's entries and the root). */
  manifests: number;
  /** The digest the tag pointed to before this push, when it was another one (the push moved the tag). */
  replaced?: string;
}

/** The forms `--from` accepts, for help texts and hints. */
export const LOCAL_SOURCE_FORMS = 'oci:DIR[:REF] | oci-archive:FILE | docker-archive:FILE | docker-daemon:IMAGE';

/** Parses `--from`; a typo is an InputError naming the input, raised before anything is contacted. */
export function parseFrom(input: string): LocalSourceSpec {
  try {
    return parseLocalSource(input);
  } catch (e) {
    if (e instanceof LocalImageError) throw e;
    throw new InputError(`--from ${input}: ${(e as Error).message}`, { cause: e, hint: `use ${LOCAL_SOURCE_FORMS}` });
  }
}

/** Why `input` is not a `--from` source (undefined when it is one), for a field checked as it is typed. */
export function localSourceProblem(input: string): string | undefined {
  try {
    parseFrom(input);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function localOptions(ctx: TrustContext) {
  const env = ctx.env as NodeJS.ProcessEnv;
  return { env, dockerConfigDir: dockerConfigDir(env) };
}

export function openLocal(ctx: TrustContext, spec: LocalSourceSpec): Promise<LocalImage> {
  return openLocalImage(spec, localOptions(ctx));
}

/**
 * Whether the docker daemon (when one is reachable) has `image`: plain `sign REPO:TAG` pushes it from
 * there when the registry lacks the tag, as `docker trust sign` does. A daemon that cannot be asked
 * counts as "not known" — the registry's not-found error is the one worth showing.
 */
export async function daemonHas(ctx: TrustContext, image: string): Promise<boolean> {
  try {
    return (await findDaemonImage(image, localOptions(ctx))) === true;
  } catch (e) {
    ctx.debug(`docker daemon not asked about ${image}: ${(e as Error).message}`);
    return false;
  }
}

/** Pushes `image` to `reference` and returns the manifest the registry stored (checked against the local root). */
export async function pushLocal(
  registry: RegistryClient,
  reference: TaggedReference,
  image: LocalImage,
  onProgress?: (event: PushProgressEvent) => void,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<{ manifest: { digest: string; size: number }; pushed: PushedImage }> {
  // What the tag was before, to say so when the push moves it (as docker does, the push replaces it).
  // A registry that does not answer here answers the push, whose error is the one worth showing.
  const previous = await registry.fetchManifest(reference, reference.tag).catch(() => undefined);
  // The record of where blobs were pushed before (for cross-repository mounts) follows the context's HOME.
  const result: PushResult = await pushImage(registry, reference, image, {
    cacheDir: defaultCacheDir(env),
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  }).catch(async (e: unknown) => {
    throw await explainPushFailure(e, reference, env);
  });
  // The push compares them already; signing a digest other than the local one must never happen.
  if (result.digest !== image.root.digest || result.size !== image.root.size) {
    throw new TrustError(
      `${reference.gun}:${reference.tag} was stored as ${result.digest} (${result.size} bytes), not as ${image.source}'s ${image.root.digest} (${image.root.size} bytes): nothing signed`,
      { hint: 'check that nothing else pushes this tag at the same time, then run the command again' },
    );
  }
  return {
    manifest: { digest: result.digest, size: result.size },
    pushed: {
      source: image.source,
      blobs: { ...result.blobs },
      manifests: result.manifests,
      ...(previous && previous.digest !== result.digest ? { replaced: previous.digest } : {}),
    },
  };
}

/**
 * A push that could not reach the registry, or whose credentials it refused, says what to check:
 * the registry's error alone reads the same with no credentials and with wrong ones.
 */
async function explainPushFailure(e: unknown, reference: TaggedReference, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!(e instanceof RegistryRequestError)) return e;
  const host = reference.registryHost;
  if (e.status === undefined && !hintOf(e, 'cli')) {
    return new RegistryRequestError(`${e.message}; the push did not complete and nothing was signed`, undefined, {
      cause: e,
      hint: `check that a registry runs at ${host} and that nothing (a proxy, a firewall) is in the way`,
    });
  }
  if (e.status === 401) {
    const sent = await loadRegistryCredentials(host, { env, dockerConfigDir: dockerConfigDir(env) }).catch(() => undefined);
    if (sent) {
      return new RegistryRequestError(`registry ${host} refused the credentials for it from ${sent.source}${sent.username ? ` (user ${sent.username})` : ''}: the push did not complete and nothing was signed`, 401, {
        cause: e,
        hint: `run \`docker login ${host}\` again with the right user and password`,
      });
    }
  }
  return e;
}

/** "pushed 3 blobs (2 already there, 1 mounted), 1 manifest": only what the push did (and the digest the tag no longer points to). */
export function describePushed(p: PushedImage, to?: string): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const { uploaded, existing, mounted } = p.blobs;
  const total = uploaded + existing + mounted;
  const notSent = [...(existing ? [`${existing} already there`] : []), ...(mounted ? [`${mounted} mounted from another repository`] : [])];
  const blobs = uploaded === 0 && total > 0 ? `pushed no blob (${notSent.join(', ')})` : `pushed ${plural(uploaded, 'blob')}${notSent.length ? ` (${notSent.join(', ')})` : ''}`;
  const replaced = p.replaced ? `, replacing ${p.replaced} that the tag pointed to before` : '';
  return `${blobs} and ${plural(p.manifests, 'manifest')} from ${p.source}${to ? ` to ${to}` : ''}${replaced}`;
}
