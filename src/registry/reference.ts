// Docker image references, parsed and normalised exactly as docker does it
// (distribution/reference ParseNormalizedNamed): `alpine` -> `docker.io/library/alpine`.
// The fully qualified name is the Notary GUN, so this decides which trust data an image uses.
import { ReferenceError } from './errors.js';
import { DOCKER_HUB_DOMAIN, LEGACY_DOCKER_HUB_DOMAIN } from './hosts.js';

export interface ImageReference {
  /** What the user typed (docker quotes it verbatim in some errors). */
  input: string;
  /** Fully qualified repository name, e.g. `docker.io/library/alpine`; the Notary GUN. */
  gun: string;
  /** Registry host[:port], e.g. `docker.io`, `registry.example.com:5000`. */
  registryHost: string;
  /** Repository path inside the registry, e.g. `library/alpine`, `team/app`. */
  path: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  digest?: string;
}

export type TaggedReference = ImageReference & { tag: string };

// The grammar of distribution/reference (regexp.go), written out piece by piece.
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Host = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6Host})(?::[0-9]+)?`;
const namePattern = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;
const TAG = new RegExp(`^${tagPattern}$`);

/** distribution/reference NameTotalLengthMax. */
const NAME_TOTAL_LENGTH_MAX = 255;
/** Far beyond any valid reference; keeps the backtracking regex engine on bounded input. */
const INPUT_LENGTH_MAX = 4096;

/** Hex lengths of the digest algorithms go-digest knows. */
const DIGEST_HEX_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const INVALID_FORMAT = 'invalid reference format';

/**
 * Parses `[registry[:port]/]path[:tag][@digest]` the way docker does and returns the normalised
 * reference. Throws ReferenceError with docker's wording for anything docker refuses.
 */
export function parseReference(input: string): ImageReference {
  if (input.length > INPUT_LENGTH_MAX) throw new ReferenceError(`${INVALID_FORMAT}: it is ${input.length} characters long`);
  if (ANCHORED_IDENTIFIER.test(input)) {
    throw new ReferenceError(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(input);
  const tagSeparator = remainder.indexOf(':');
  const remoteName = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
  if (remoteName.toLowerCase() !== remoteName) {
    throw new ReferenceError(`${INVALID_FORMAT}: repository name (${remoteName}) must be lowercase`);
  }

  const qualified = `${domain}/${remainder}`;
  const match = REFERENCE.exec(qualified);
  if (!match) {
    if (REFERENCE.test(qualified.toLowerCase())) throw new ReferenceError('repository name must be lowercase');
    // docker stops at "invalid reference format"; say what is wrong.
    throw new ReferenceError(`${INVALID_FORMAT}: ${whatIsWrong(input)}`, { hint: 'write it as [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST]' });
  }
  const [, name = '', tag, digest] = match;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new ReferenceError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (digest !== undefined) validateDigest(digest);

  const slash = name.indexOf('/');
  const reference: ImageReference = {
    input,
    gun: name,
    registryHost: name.slice(0, slash),
    path: name.slice(slash + 1),
  };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/**
 * For commands that act on one tag (sign, revoke TAG): docker's errors when there is none.
 * `repo:tag@digest` keeps its tag, as in docker.
 */
export function requireTag(reference: ImageReference): TaggedReference {
  if (reference.tag !== undefined) return reference as TaggedReference;
  if (reference.digest !== undefined) throw new ReferenceError('cannot use a digest reference for IMAGE:TAG');
  throw new ReferenceError(`no tag specified for ${reference.input}`);
}

/** True for a string docker accepts as a tag. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** `registry/path[:tag][@digest]` in its fully qualified form. */
export function formatReference(reference: Omit<ImageReference, 'input'>): string {
  let text = reference.gun;
  if (reference.tag !== undefined) text += `:${reference.tag}`;
  if (reference.digest !== undefined) text += `@${reference.digest}`;
  return text;
}

/**
 * The first component is a registry when it contains `.` or `:`, is `localhost`, or has upper-case
 * letters (repository paths cannot); everything else lives on Docker Hub, where single-component
 * names are official images under `library/`.
 */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DOCKER_HUB_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(slash + 1);
  }
  if (domain === LEGACY_DOCKER_HUB_DOMAIN) domain = DOCKER_HUB_DOMAIN;
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain, remainder };
}

const PATH_COMPONENT = new RegExp(`^${pathComponent}$`);
const DOMAIN = new RegExp(`^${domainAndPort}$`);
const DIGEST = new RegExp(`^${digestPattern}$`);

/** Why a reference the grammar refused is wrong, in words (first problem found, left to right). */
function whatIsWrong(input: string): string {
  if (input === '') return 'it is empty';
  const space = /\s/u.exec(input);
  if (space) return `it contains ${space[0] === ' ' ? 'a space' : 'white space'} at character ${space.index + 1}`;
  const foreign = /[^A-Za-z0-9._\-/:@+[\]]/u.exec(input);
  if (foreign) {
    return `it contains ${JSON.stringify(foreign[0])} at character ${foreign.index + 1}; only letters a-z, digits, ".", "_", "-", "/", ":" and "@" are allowed`;
  }
  const at = input.indexOf('@');
  if (at !== -1 && !DIGEST.test(input.slice(at + 1))) return 'the digest after "@" must be ALGORITHM:HEX, e.g. sha256:<64 hex digits>';
  const named = at === -1 ? input : input.slice(0, at);
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    const tag = named.slice(colon + 1);
    if (tag.includes(':')) return 'it has more than one ":" after the repository name; a tag follows a single ":"';
    if (tag === '') return 'the tag after ":" is empty';
    if (tag.length > 128) return `the tag is ${tag.length} characters long; at most 128 are allowed`;
    if (!TAG.test(tag)) return `the tag "${tag}" must start with a letter, digit or "_" and contain only letters, digits, "_", "." and "-"`;
  }
  const parts = (colon === -1 ? named : named.slice(0, colon)).split('/');
  if (parts.some((p) => p === '')) return 'it has an empty path component (a "/" at the start or end, or "//")';
  const hasDomain = parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost' || parts[0]!.toLowerCase() !== parts[0]);
  if (hasDomain && !DOMAIN.test(parts[0]!)) return `the registry "${parts[0]}" is not a valid host[:port]`;
  const bad = parts.slice(hasDomain ? 1 : 0).find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) {
    return `the path component "${bad}" must start and end with a lowercase letter or digit, with only ".", "_", "__" or "-" in between`;
  }
  return 'it does not follow [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST]';
}

/** go-digest Digest.Validate, with its messages. */
function validateDigest(digest: string): void {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const expectedLength = DIGEST_HEX_LENGTHS[algorithm];
  if (expectedLength === undefined) throw new ReferenceError('unsupported digest algorithm');
  if (encoded.length !== expectedLength) throw new ReferenceError('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(encoded)) throw new ReferenceError('invalid checksum digest format');
}
