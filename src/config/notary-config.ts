// The trust pinning of a notary client configuration (notary cmd/notary/config.go, the `trust_pinning`
// section; trustpinning/trustpin.go TrustPinConfig): which root certificates (by TUF key ID) or which
// CA files a notary client requires for a GUN. trust-tui only reads it, to warn before it replaces a
// root certificate such a pin names.
import { homeDirectory } from './paths.js';
import { join } from 'node:path';
import { pathExists, readUserText } from './user-files.js';
import { HintedError } from '../tuf/errors.js';

export interface NotaryTrustPinning {
  /** The configuration file it was read from. */
  file: string;
  /** GUN (or `prefix*`) to pinned certificate key IDs. */
  certs: Record<string, string[]>;
  /** GUN prefix to a CA file. */
  ca: Record<string, string>;
}

export class NotaryConfigError extends HintedError {
  override name = 'NotaryConfigError';
}

/** notary's default client configuration, `~/.notary/config.json` (cmd/notary/main.go). */
export function defaultNotaryConfigFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(homeDirectory(env), '.notary', 'config.json');
}

const stringMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `trust_pinning` from a notary client configuration (JSON, as notary writes it). */
export async function readNotaryTrustPinning(file: string): Promise<NotaryTrustPinning> {
  const text = await readUserText(file, 'notary configuration', { maxBytes: 1024 * 1024 });
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new NotaryConfigError(`notary configuration ${file} is not JSON (${(e as Error).message})`, { hint: 'give a notary client config.json' });
  }
  const pinning = stringMap(config) && stringMap(config.trust_pinning) ? config.trust_pinning : {};
  const certs: Record<string, string[]> = {};
  const ca: Record<string, string> = {};
  if (stringMap(pinning.certs)) {
    for (const [scope, ids] of Object.entries(pinning.certs)) if (Array.isArray(ids)) certs[scope] = ids.filter((id): id is string => typeof id === 'string');
  }
  if (stringMap(pinning.ca)) {
    for (const [prefix, path] of Object.entries(pinning.ca)) if (typeof path === 'string') ca[prefix] = path;
  }
  return { file, certs, ca };
}

/**
 * The named configurations (a problem with one is an error), and notary's default one when it exists
 * (a problem with it is only reported through `onDefaultProblem`: the user did not ask for it).
 */
export async function notaryTrustPinnings(
  files: readonly string[],
  options: { env?: Readonly<Record<string, string | undefined>>; onDefaultProblem?: (e: Error) => void } = {},
): Promise<NotaryTrustPinning[]> {
  const named = await Promise.all(files.map(readNotaryTrustPinning));
  const fallback = defaultNotaryConfigFile(options.env);
  if (files.includes(fallback) || !(await pathExists(fallback))) return named;
  try {
    return [...named, await readNotaryTrustPinning(fallback)];
  } catch (e) {
    options.onDefaultProblem?.(e as Error);
    return named;
  }
}
