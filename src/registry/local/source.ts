// `--from` syntax: the transport names of skopeo and containers/image, `oci:DIR[:REF]`,
// `oci-archive:FILE[:REF]`, `docker-archive:FILE[:IMAGE]` and `docker-daemon:IMAGE`.
import { existsSync } from 'node:fs';
import { parseReference } from '../reference.js';
import { LocalImageError, type LocalSourceKind, type LocalSourceSpec } from './image.js';

export const LOCAL_SOURCE_FORMS = 'oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:IMAGE] or docker-daemon:IMAGE';

const KINDS: readonly LocalSourceKind[] = ['oci-archive', 'oci', 'docker-archive', 'docker-daemon'];

// OCI image-spec annotations, `org.opencontainers.image.ref.name`: components of alphanumerics
// joined by `-._:@+` or `--`, separated by `/`.
const REF_COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const OCI_REF = new RegExp(`^${REF_COMPONENT}(?:/${REF_COMPONENT})*$`);
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

export function isOciRefName(ref: string): boolean {
  return OCI_REF.test(ref);
}

function isImageName(image: string): boolean {
  if (IMAGE_ID.test(image)) return true;
  try {
    parseReference(image);
    return true;
  } catch {
    return false;
  }
}

function bad(input: string, why: string): LocalImageError {
  return new LocalImageError(`--from ${input}: ${why}`, { hint: `name a local image as ${LOCAL_SOURCE_FORMS}` });
}

/**
 * Splits `PATH[:REF]`. Paths may hold colons, so the rule is: the whole text, when it exists on
 * disk, is the path; otherwise the shortest prefix ending before a `:` that exists is the path and
 * the rest is REF; when nothing exists, the first `:` splits (as skopeo does), so the error names
 * the missing path.
 */
function splitPath(rest: string, exists: (p: string) => boolean): { location: string; ref?: string } {
  if (exists(rest) || !rest.includes(':')) return { location: rest };
  for (let i = rest.indexOf(':'); i >= 0; i = rest.indexOf(':', i + 1)) {
    if (i > 0 && exists(rest.slice(0, i))) return { location: rest.slice(0, i), ref: rest.slice(i + 1) };
  }
  const i = rest.indexOf(':');
  return { location: rest.slice(0, i), ref: rest.slice(i + 1) };
}

/** Parses a `--from` value. Throws LocalImageError (one line, with the forms as hint) for bad input. */
export function parseLocalSource(input: string, exists: (p: string) => boolean = existsSync): LocalSourceSpec {
  const kind = KINDS.find((k) => input.startsWith(`${k}:`));
  if (kind === undefined) {
    const prefix = /^([\w-]+):/.exec(input)?.[1];
    throw bad(input, prefix === undefined ? 'no transport given' : `unknown transport "${prefix}"`);
  }
  const rest = input.slice(kind.length + 1);
  if (rest === '') throw bad(input, kind === 'docker-daemon' ? 'no image named' : 'no path given');
  if (kind === 'docker-daemon') {
    if (!isImageName(rest)) throw bad(input, `"${rest}" is not an image name or ID`);
    return { kind, location: rest, input };
  }
  const { location, ref } = splitPath(rest, exists);
  if (location === '') throw bad(input, 'no path given');
  if (ref === undefined) return { kind, location, input };
  if (ref === '') throw bad(input, `empty ${kind === 'docker-archive' ? 'image name' : 'reference'} after "${location}:"`);
  if (kind === 'docker-archive' ? !isImageName(ref) : !isOciRefName(ref)) {
    throw bad(input, `"${ref}" is not a valid ${kind === 'docker-archive' ? 'image name' : 'reference name'} (and ${location}:${ref} does not exist)`);
  }
  return { kind, location, ref, input };
}
