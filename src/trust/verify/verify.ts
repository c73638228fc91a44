// `verify IMAGE…` and `verify --dockerfile FILE`: is each image signed as required (by default: as
// `docker pull` with content trust accepts it)? Reads each repository once through the TUF client
// workflow (openRepository: verified, or the unexpired cache when the server is unreachable),
// evaluates the requirement per image, and optionally asks the registry whether it still serves
// the signed manifest.
import { dockerConfigDir } from '../../config/paths.js';
import { readUserText } from '../../config/user-files.js';
import { RepositoryNotInitialisedError } from '../../notary/http-errors.js';
import { RegistryClient } from '../../registry/client.js';
import { RegistryRequestError } from '../../registry/errors.js';
import { parseReference, type ImageReference } from '../../registry/reference.js';
import { hintOf } from '../../tuf/errors.js';
import { deadlineOf, type ServerOptions } from '../connect.js';
import type { TrustContext } from '../context.js';
import { checkConcurrency, DEFAULT_CONCURRENCY, mapLimited, repositoryContext } from '../bulk.js';
import { openRepository, type OpenedRepository } from '../repository.js';
import { DockerfileError, parseDockerfile, type FromBase } from './dockerfile.js';
import { releasedRequirement } from './released.js';
import type { Requirement, Satisfied, VerifyReason, VerifyTarget } from './requirement.js';

/** docker pull's tag when a reference names none. */
export const DEFAULT_TAG = 'latest';

export interface VerifyOptions extends ServerOptions {
  /** What each image must satisfy; default: released as docker pull accepts it. */
  requirement?: Requirement;
  /** Also ask the registry for the tag (or pinned digest): it must serve the signed digest and size. */
  registry?: boolean;
}

export interface ImageVerdict {
  /** As given (a FROM line's image after substitution). */
  image: string;
  gun: string;
  tag?: string;
  /** The pinned digest, if the reference has one. */
  digest?: string;
  /** `latest` was assumed because the reference names no tag and no digest. */
  defaultTag?: boolean;
  requirement: string;
  status: 'signed' | 'not-signed' | 'error';
  /** Read from the cache: the trust server was unreachable. */
  offline: boolean;
  signed?: Omit<Satisfied, 'satisfied'>;
  reason?: VerifyReason;
  /** Why it is not signed as required, or why it could not be checked; one line. */
  message?: string;
  missing?: string[];
  needed?: number;
  /** What the registry served, with `--registry`. */
  registry?: { digest: string; size: number };
  hint?: string;
}

/**
 * One reader for a whole command: each repository opened once (in its own context: its own
 * deadline, the command's kept-alive connections), its registry client with it.
 */
class Verifier {
  readonly #repos = new Map<string, { ctx: TrustContext; repo: Promise<OpenedRepository>; registry?: RegistryClient }>();

  constructor(
    readonly ctx: TrustContext,
    readonly options: VerifyOptions,
  ) {}

  get requirement(): Requirement {
    return this.options.requirement ?? releasedRequirement;
  }

  #opened(reference: ImageReference) {
    let opened = this.#repos.get(reference.gun);
    if (!opened) {
      const anchorOf = this.requirement.rootAnchor?.bind(this.requirement);
      const ctx = repositoryContext(this.ctx);
      const repo = openRepository(ctx, reference, { ...this.options, ...(anchorOf ? { rootAnchor: anchorOf } : {}) });
      opened = { ctx, repo };
      this.#repos.set(reference.gun, opened);
    }
    return opened;
  }

  #open(reference: ImageReference): Promise<OpenedRepository> {
    return this.#opened(reference).repo;
  }

  #registryClient(reference: ImageReference): RegistryClient {
    const opened = this.#opened(reference);
    const env = opened.ctx.env as NodeJS.ProcessEnv;
    opened.registry ??= new RegistryClient({ env, dockerConfigDir: dockerConfigDir(env), deadline: deadlineOf(opened.ctx) });
    return opened.registry;
  }

  async verify(image: string): Promise<ImageVerdict> {
    let reference: ImageReference;
    try {
      reference = parseReference(image);
    } catch (e) {
      return this.#error({ image, gun: image, requirement: this.requirement.name, offline: false }, e);
    }
    const defaultTag = reference.tag === undefined && reference.digest === undefined;
    const target: VerifyTarget = {
      ...(reference.tag !== undefined || defaultTag ? { tag: reference.tag ?? DEFAULT_TAG } : {}),
      ...(reference.digest !== undefined ? { digest: reference.digest.toLowerCase() } : {}),
    };
    const base = {
      image,
      gun: reference.gun,
      ...target,
      ...(defaultTag ? { defaultTag: true } : {}),
      requirement: this.requirement.nameFor?.(reference.gun) ?? this.requirement.name,
      offline: false,
    };
    let repo: OpenedRepository;
    try {
      repo = await this.#open(reference);
    } catch (e) {
      if (e instanceof RepositoryNotInitialisedError) {
        return {
          ...base,
          status: 'not-signed',
          reason: 'no-trust-data',
          message: `${reference.gun} has no trust data on its trust server: nothing in it is signed`,
          missing: [],
          needed: 0,
        };
      }
      return this.#error(base, e);
    }
    const state = repo.state!;
    const verdict = { ...base, offline: state.offline };
    const result = this.requirement.evaluate(state.view, target);
    if (!result.satisfied) {
      const { satisfied: _s, ...failure } = result;
      return { ...verdict, status: 'not-signed', ...failure };
    }
    const { satisfied: _s, ...signed } = result;
    if (!this.options.registry) return { ...verdict, status: 'signed', signed };
    try {
      return { ...verdict, ...(await this.#checkRegistry(reference, target, signed)) };
    } catch (e) {
      return this.#error({ ...verdict, signed }, e);
    }
  }

  async #checkRegistry(reference: ImageReference, target: VerifyTarget, signed: Omit<Satisfied, 'satisfied'>): Promise<Partial<ImageVerdict> & Pick<ImageVerdict, 'status'>> {
    // A pinned reference is pulled by its digest; a tag is resolved by the registry.
    const asked: ImageReference = target.digest
      ? { ...reference, tag: undefined, digest: target.digest }
      : { ...reference, tag: target.tag, digest: undefined };
    const what = target.digest ? target.digest : `tag ${target.tag}`;
    try {
      const served = await this.#registryClient(reference).resolve(asked);
      const registry = { digest: served.digest, size: served.size };
      if (served.digest === signed.digest && served.size === signed.size) return { status: 'signed', signed, registry };
      return {
        status: 'not-signed',
        signed,
        registry,
        reason: 'registry-moved',
        message: `${reference.registryHost} serves ${served.digest} (${served.size} bytes) for ${what}, not the signed ${signed.digest} (${signed.size} bytes): the tag moved after it was signed`,
        missing: [],
        needed: 0,
      };
    } catch (e) {
      if (!(e instanceof RegistryRequestError) || e.status !== 404) throw e;
      return {
        status: 'not-signed',
        signed,
        reason: 'registry-missing',
        message: `${reference.registryHost} has no ${what} in ${reference.path}: the signed image ${signed.digest} cannot be pulled`,
        missing: [],
        needed: 0,
      };
    }
  }

  #error(base: Omit<ImageVerdict, 'status'>, e: unknown): ImageVerdict {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const hint = hintOf(e, 'cli');
    return { ...base, status: 'error', message, ...(hint ? { hint } : {}) };
  }
}

/**
 * Verifies every image, `concurrency` repositories at a time (a repository named twice is read once);
 * the verdicts keep the order of `images`. Never throws for one image.
 */
export async function verifyImages(ctx: TrustContext, images: string[], options: VerifyOptions & { concurrency?: number } = {}): Promise<ImageVerdict[]> {
  const { concurrency = DEFAULT_CONCURRENCY, ...verifyOptions } = options;
  const verifier = new Verifier(ctx, verifyOptions);
  return mapLimited(images, checkConcurrency(concurrency), (image) => verifier.verify(image));
}

export interface FromVerdict {
  line: number;
  /** The FROM instruction as written. */
  text: string;
  stage: number;
  name?: string;
  platform?: string;
  base: FromBase;
  /** Undefined for `scratch` and for earlier stages (nothing is pulled). */
  verdict?: ImageVerdict;
}

export interface DockerfileVerdict {
  froms: FromVerdict[];
  unusedBuildArgs: string[];
}

/** Far beyond any real Dockerfile; a bigger file is refused before it is read. */
const MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024;

/** Every FROM image of a Dockerfile, verified (an image used twice is verified once). */
export async function verifyDockerfile(
  ctx: TrustContext,
  file: string,
  buildArgs: ReadonlyMap<string, string>,
  options: VerifyOptions = {},
): Promise<DockerfileVerdict> {
  const text = await readUserText(file, 'Dockerfile', { maxBytes: MAX_DOCKERFILE_BYTES });
  let parsed: ReturnType<typeof parseDockerfile>;
  try {
    parsed = parseDockerfile(text, buildArgs);
  } catch (e) {
    if (e instanceof DockerfileError) throw new DockerfileError(e.line, e.message.replace(/^line \d+: /, ''), file);
    throw e;
  }
  const verifier = new Verifier(ctx, options);
  const seen = new Map<string, ImageVerdict>();
  const froms: FromVerdict[] = [];
  for (const from of parsed.froms) {
    let verdict: ImageVerdict | undefined;
    if (from.base.kind === 'image') {
      verdict = seen.get(from.base.reference) ?? (await verifier.verify(from.base.reference));
      seen.set(from.base.reference, verdict);
    }
    froms.push({
      line: from.line,
      text: from.text,
      stage: from.stage,
      ...(from.name !== undefined ? { name: from.name } : {}),
      ...(from.platform !== undefined ? { platform: from.platform } : {}),
      base: from.base,
      ...(verdict ? { verdict } : {}),
    });
  }
  return { froms, unusedBuildArgs: parsed.unusedBuildArgs };
}

export type VerifyOutcome = 'signed' | 'not-signed' | 'error';

/**
 * The command's result: an image known not to be signed outweighs one that could not be checked
 * (retrying cannot turn the first into a pass; the second may be a passing outage).
 */
export function overallOutcome(verdicts: readonly ImageVerdict[]): VerifyOutcome {
  if (verdicts.some((v) => v.status === 'not-signed')) return 'not-signed';
  if (verdicts.some((v) => v.status === 'error')) return 'error';
  return 'signed';
}
