// `config tofu|pin|server`: how this host decides which roots and which servers to trust.
import { X509Certificate } from 'node:crypto';
import { MAX_PEM_BYTES, pathExists, readUserText } from '../config/user-files.js';
import { resolve } from 'node:path';
import type { PinEntry, ServerEntry, SettingsData } from '../config/settings.js';
import { decodePem } from '../keys/pem.js';
import { matchServerEntry } from '../notary/endpoint.js';
import { PublicKey } from '../tuf/key.js';
import { isKeyId, shortKeyId } from '../tuf/short-key-id.js';
import { checkFilePath, checkRepositoryName, checkScope, checkServerUrl, type Checked } from './config-rules.js';
import type { TrustContext } from './context.js';
import { InputError } from './errors.js';

/** The checked value, or an InputError with the rule's message (the same text the UI shows). */
function valid(checked: Checked): string {
  if (!checked.ok) throw new InputError(checked.problem);
  return checked.value;
}

export async function setTofu(ctx: TrustContext, enabled: boolean): Promise<{ tofu: boolean }> {
  await ctx.settings.update((s) => {
    s.tofu = enabled;
  });
  return { tofu: enabled };
}

/** The x509 key a root.json would carry for this certificate: Go's PEM layout, so the TUF ID matches. */
export function rootKeyOfCertificate(cert: X509Certificate): PublicKey {
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const type = cert.publicKey.asymmetricKeyType === 'rsa' ? 'rsa-x509' : 'ecdsa-x509';
  return new PublicKey(type, Buffer.from(pem).toString('base64'));
}

export interface PinResult {
  scope: string;
  pin: PinEntry | null;
}

/**
 * Pins the roots of `scope` to certificates (leaf certificates: their root keys must be used) or to
 * a CA (root certificates must chain to it). A new pin replaces the old one for that scope.
 */
export async function setPin(ctx: TrustContext, scopeInput: string, files: string[]): Promise<PinResult> {
  const scope = valid(checkScope(scopeInput));
  if (files.length === 0) {
    throw new InputError('no certificate file to pin', { hint: { cli: 'give at least one PEM certificate file, or --clear', ui: 'give at least one PEM certificate file' } });
  }
  const certs: string[] = [];
  const cas: string[] = [];
  for (const input of files) {
    // A root certificate's key ID, as notary's trust_pinning.certs lists them (and `init` prints it).
    if (isKeyId(input) && !(await pathExists(input))) {
      certs.push(input);
      continue;
    }
    const file = valid(checkFilePath(input, 'a PEM certificate file'));
    const text = await readUserText(file, 'certificate file', { maxBytes: MAX_PEM_BYTES });
    const blocks = decodePem(text, file).filter((b) => b.type === 'CERTIFICATE');
    if (blocks.length === 0) throw new InputError(`${file} holds no PEM certificate`);
    for (const block of blocks) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(block.bytes);
      } catch (e) {
        throw new InputError(`${file}: certificate cannot be parsed (${(e as Error).message})`);
      }
      if (cert.ca) cas.push(cert.toString());
      else certs.push(rootKeyOfCertificate(cert).id);
    }
  }
  if (certs.length > 0 && cas.length > 0) {
    throw new InputError('pin either root certificates or CA certificates for one scope, not both');
  }
  const pin: PinEntry = certs.length > 0 ? { certs } : { ca: cas.join('') };
  await ctx.settings.update((s) => {
    s.pins[scope] = pin;
  });
  return { scope, pin };
}

export async function clearPin(ctx: TrustContext, scopeInput: string): Promise<PinResult> {
  const scope = valid(checkScope(scopeInput));
  await ctx.settings.update((s) => {
    if (!s.pins[scope]) throw new InputError(`no pin is set for ${scope}`);
    delete s.pins[scope];
  });
  return { scope, pin: null };
}

export interface ServerResult {
  scope: string;
  server: ServerEntry | null;
}

export async function setServer(ctx: TrustContext, scopeInput: string, url: string, options: { ca?: string } = {}): Promise<ServerResult> {
  const scope = valid(checkScope(scopeInput));
  const server: ServerEntry = { url: valid(checkServerUrl(url)) };
  if (options.ca?.trim()) {
    const ca = resolve(valid(checkFilePath(options.ca, 'the CA certificate file')));
    const text = await readUserText(ca, 'CA file', { maxBytes: MAX_PEM_BYTES });
    if (!decodePem(text, ca).some((b) => b.type === 'CERTIFICATE')) throw new InputError(`${options.ca} holds no PEM certificate`);
    server.ca = ca;
  }
  await ctx.settings.update((s) => {
    s.servers[scope] = server;
  });
  return { scope, server };
}

export async function clearServer(ctx: TrustContext, scopeInput: string): Promise<ServerResult> {
  const scope = valid(checkScope(scopeInput));
  await ctx.settings.update((s) => {
    if (!s.servers[scope]) throw new InputError(`no server is configured for ${scope}`);
    delete s.servers[scope];
  });
  return { scope, server: null };
}

export interface WatchResult {
  gun: string;
  watched: boolean;
}

/** Lists a repository on the Repositories screen even before this host has its trust data. */
export async function watchRepository(ctx: TrustContext, name: string): Promise<WatchResult> {
  const gun = valid(checkRepositoryName(name));
  await ctx.settings.update((s) => {
    if (!s.watched.includes(gun)) s.watched.push(gun);
  });
  return { gun, watched: true };
}

export async function unwatchRepository(ctx: TrustContext, name: string): Promise<WatchResult> {
  const gun = valid(checkRepositoryName(name));
  await ctx.settings.update((s) => {
    if (!s.watched.includes(gun)) throw new InputError(`${gun} is not watched`);
    s.watched = s.watched.filter((g) => g !== gun);
  });
  return { gun, watched: false };
}

/**
 * The pin that applies to `gun`, as notary evaluates trust_pinning: certificate pins (exact GUN,
 * then the longest matching prefix) beat CA pins (same order); without either, TOFU decides.
 */
export function pinFor(settings: SettingsData, gun: string): { scope: string; pin: PinEntry } | undefined {
  const withCerts = Object.fromEntries(Object.entries(settings.pins).filter(([, p]) => p.certs?.length));
  const withCa = Object.fromEntries(Object.entries(settings.pins).filter(([, p]) => p.ca));
  const hit = matchServerEntry(gun, withCerts) ?? matchServerEntry(gun, withCa);
  return hit ? { scope: hit.key, pin: hit.entry } : undefined;
}

/** The trust policy the updater applies to `gun`'s root. */
export function trustPolicyFor(settings: SettingsData, gun: string): { tofu: boolean; pinnedCerts?: string[]; pinnedCa?: string } {
  const hit = pinFor(settings, gun);
  return {
    tofu: settings.tofu,
    ...(hit?.pin.certs?.length ? { pinnedCerts: hit.pin.certs } : hit?.pin.ca ? { pinnedCa: hit.pin.ca } : {}),
  };
}

/** A CA bundle by its first certificate's common name (PEM text is no way to show a pin). */
function caName(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  let name = 'certificate';
  try {
    const subject = new X509Certificate(blocks[0] ?? pem).subject;
    name = /^CN=(.*)$/m.exec(subject)?.[1] ?? subject.split('\n')[0] ?? name;
  } catch {
    // An unreadable bundle was refused when pinned; describe it without its name.
  }
  return blocks.length > 1 ? `${name} (+${blocks.length - 1} more)` : name;
}

/** One line for a pin, as `config show` and the Config screen show it. */
export function describePin(pin: PinEntry): string {
  const parts = [
    ...(pin.certs?.length ? [`certificates ${pin.certs.map(shortKeyId).join(', ')}`] : []),
    ...(pin.ca ? [`CA ${caName(pin.ca)}`] : []),
  ];
  return parts.join('; ') || '(none)';
}
