// Placeholder for issue 12's local image sources (engineer A's module replaces this file at merge).
import type { LocalImage, LocalSourceKind, LocalSourceSpec } from './image.js';
import { LocalImageError } from './image.js';

export interface LocalImageOptions {
  env: Readonly<Record<string, string | undefined>>;
  dockerConfigDir: string;
}

const KINDS: LocalSourceKind[] = ['oci-archive', 'oci', 'docker-archive', 'docker-daemon'];

/** `oci:DIR[:REF]`, `oci-archive:FILE[:REF]`, `docker-archive:FILE[:IMAGE]`, `docker-daemon:IMAGE`. */
export function parseLocalSource(input: string): LocalSourceSpec {
  const kind = KINDS.find((k) => input.startsWith(`${k}:`));
  const rest = kind ? input.slice(kind.length + 1) : '';
  if (!kind || rest === '') {
    throw new LocalImageError(`--from ${input}: not a local image source`, {
      hint: 'use oci:DIR[:REF], oci-archive:FILE, docker-archive:FILE or docker-daemon:IMAGE',
    });
  }
  if (kind === 'docker-daemon') return { kind, location: rest, input };
  const colon = rest.indexOf(':');
  return colon > 0 ? { kind, location: rest.slice(0, colon), ref: rest.slice(colon + 1), input } : { kind, location: rest, input };
}

export async function openLocalImage(_spec: LocalSourceSpec, _options: LocalImageOptions): Promise<LocalImage> {
  throw new Error('not implemented');
}

/** Whether a reachable docker daemon has `image`; undefined when no daemon answers. */
export async function findDaemonImage(_image: string, _options: LocalImageOptions): Promise<boolean | undefined> {
  throw new Error('not implemented');
}
