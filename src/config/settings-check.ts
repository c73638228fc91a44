// The settings file is security configuration (trust on first use, root pins): a value of the wrong
// type or a misspelt field must stop the command, never fall back to a default. `{"tofu":"false"}`
// read as "anything but false" would turn TOFU on, and a pin whose certificate list is misspelt would
// pin nothing. Every field is checked against what trust-tui itself writes.
import { isKeyId } from '../tuf/short-key-id.js';
import type { SettingsData } from './settings.js';

type Problem = string;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const jsonOf = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function unknownFields(value: Record<string, unknown>, known: readonly string[], where: string): Problem | undefined {
  const extra = Object.keys(value).find((k) => !known.includes(k));
  return extra === undefined ? undefined : `${where} has an unknown field "${extra}" (known: ${known.join(', ')})`;
}

function pinProblem(scope: string, pin: unknown): Problem | undefined {
  const where = `pins["${scope}"]`;
  if (!isObject(pin)) return `${where} must be an object with "certs" or "ca", not ${jsonOf(pin)}`;
  const unknown = unknownFields(pin, ['certs', 'ca'], where);
  if (unknown) return unknown;
  if (pin.certs !== undefined && pin.ca !== undefined) return `${where} has both "certs" and "ca"; a pin is one or the other`;
  if (pin.certs !== undefined) {
    if (!isStringArray(pin.certs) || pin.certs.length === 0) return `${where}.certs must be a non-empty list of root key IDs, not ${jsonOf(pin.certs)}`;
    const bad = pin.certs.find((id) => !isKeyId(id));
    return bad === undefined ? undefined : `${where}.certs holds ${jsonOf(bad)}, which is not a key ID (64 hex digits)`;
  }
  if (typeof pin.ca === 'string' && pin.ca.includes('-----BEGIN CERTIFICATE-----')) return undefined;
  return pin.ca === undefined ? `${where} pins nothing: it needs "certs" or "ca"` : `${where}.ca must be PEM certificate text, not ${jsonOf(pin.ca)}`;
}

function serverProblem(scope: string, server: unknown): Problem | undefined {
  const where = `servers["${scope}"]`;
  if (!isObject(server)) return `${where} must be an object with "url", not ${jsonOf(server)}`;
  const unknown = unknownFields(server, ['url', 'ca'], where);
  if (unknown) return unknown;
  if (typeof server.url !== 'string' || !server.url) return `${where}.url must be the server's URL, not ${jsonOf(server.url)}`;
  if (server.ca !== undefined && typeof server.ca !== 'string') return `${where}.ca must be a CA file's path, not ${jsonOf(server.ca)}`;
  return undefined;
}

function recordProblem(name: string, value: unknown, entryProblem: (key: string, entry: unknown) => Problem | undefined): Problem | undefined {
  if (!isObject(value)) return `"${name}" must be an object, not ${jsonOf(value)}`;
  for (const [key, entry] of Object.entries(value)) {
    const problem = entryProblem(key, entry);
    if (problem) return problem;
  }
  return undefined;
}

const FIELDS: Record<keyof SettingsData, (value: unknown) => Problem | undefined> = {
  rootKeyId: (v) => (typeof v === 'string' && isKeyId(v) ? undefined : `"rootKeyId" must be a key ID (64 hex digits), not ${jsonOf(v)}`),
  tofu: (v) => (typeof v === 'boolean' ? undefined : `"tofu" must be true or false, not ${jsonOf(v)}`),
  pins: (v) => recordProblem('pins', v, pinProblem),
  servers: (v) => recordProblem('servers', v, serverProblem),
  watched: (v) => (isStringArray(v) ? undefined : `"watched" must be a list of repositories, not ${jsonOf(v)}`),
  keyTypes: (v) => recordProblem('keyTypes', v, (id, type) => (typeof type === 'string' ? undefined : `keyTypes["${id}"] must be a key type such as "ecdsa", not ${jsonOf(type)}`)),
};

/** What is wrong with the parsed settings file `stored`, or undefined when every field is as trust-tui writes it. */
export function settingsProblem(stored: unknown): Problem | undefined {
  if (!isObject(stored)) return `it must hold a JSON object, not ${jsonOf(stored)}`;
  const unknown = unknownFields(stored, Object.keys(FIELDS), 'it');
  if (unknown) return unknown;
  for (const [name, check] of Object.entries(FIELDS)) {
    if (stored[name] !== undefined) {
      const problem = check(stored[name]);
      if (problem) return problem;
    }
  }
  return undefined;
}
