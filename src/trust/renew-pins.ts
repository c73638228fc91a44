// Pins on a root certificate that `renew` replaces. A pin names the certificate (its TUF key ID) or
// a CA it must chain to. trust-tui applies it to every new root (src/notary/root-pinning.ts); notary
// to a root it has no valid cached root for: a new machine, a clean CI runner, or once the cached
// root's certificate expired (client/tufclient.go bootstrapClient, trustpinning/certs.go ValidateRoot).
// So a new certificate breaks clients whose pin names the old one, and a self-signed one breaks
// clients that pin a CA. renew says so before acting and refuses unless told how to go on.
import type { NotaryTrustPinning } from '../config/notary-config.js';
import type { SettingsData } from '../config/settings.js';
import { matchServerEntry } from '../notary/endpoint.js';
import type { Hint } from '../tuf/errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { pinFor } from './config.js';
import type { TrustContext } from './context.js';

export interface PinOnCertificate {
  /** Whose pin: trust-tui's own (`config pin`) or a notary client configuration's `trust_pinning`. */
  source: 'trust-tui' | 'notary';
  /** The notary configuration file (source notary). */
  file?: string;
  /** The pin's scope: a GUN, a `prefix*`, or (notary CA pins) a GUN prefix. */
  scope: string;
  /** `certificate`: the pin names the old certificate; `ca`: root certificates must chain to a CA. */
  kind: 'certificate' | 'ca';
  /** The old certificate's key ID that the pin names (kind certificate). */
  keyId?: string;
}

/** notary's CA pin for a GUN: the longest configured prefix of it (trustpinning/trustpin.go getPinnedCAFilepathByPrefix). */
function notaryCaScope(gun: string, ca: Record<string, string>): string | undefined {
  return Object.keys(ca)
    .filter((prefix) => gun.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
}

/** The pins that apply to `gun` and would no longer match once the certificates `oldKeyIds` are replaced. */
export function pinsOnCertificates(settings: SettingsData, notary: readonly NotaryTrustPinning[], gun: string, oldKeyIds: readonly string[]): PinOnCertificate[] {
  if (oldKeyIds.length === 0) return [];
  const pins: PinOnCertificate[] = [];
  const own = pinFor(settings, gun);
  if (own?.pin.certs?.length) {
    for (const keyId of oldKeyIds.filter((id) => own.pin.certs!.includes(id))) pins.push({ source: 'trust-tui', scope: own.scope, kind: 'certificate', keyId });
  } else if (own?.pin.ca) {
    pins.push({ source: 'trust-tui', scope: own.scope, kind: 'ca' });
  }
  for (const config of notary) {
    // Certificate pins win over CA pins, as in notary's NewTrustPinChecker.
    const certs = matchServerEntry(gun, config.certs);
    if (certs) {
      for (const keyId of oldKeyIds.filter((id) => certs.entry.includes(id))) pins.push({ source: 'notary', file: config.file, scope: certs.key, kind: 'certificate', keyId });
      continue;
    }
    const ca = notaryCaScope(gun, config.ca);
    if (ca !== undefined) pins.push({ source: 'notary', file: config.file, scope: ca, kind: 'ca' });
  }
  return pins;
}

/** `the trust-tui pin of SCOPE` / `the pin of SCOPE in FILE`. */
export function pinName(pin: PinOnCertificate): string {
  return pin.source === 'trust-tui' ? `the trust-tui pin of ${pin.scope}` : `the notary pin of ${pin.scope} in ${pin.file}`;
}

/** Why renewing `gun` is refused because of its pins, with what to do; undefined when it may go on. */
export function pinRefusal(gun: string, pins: readonly PinOnCertificate[], updatePins: boolean): { problem: string; hint: Hint } | undefined {
  const ca = pins.find((p) => p.kind === 'ca');
  if (ca) {
    return {
      problem: `the root certificate of ${gun} must chain to the CA of ${pinName(ca)}, and the self-signed certificate renew makes would not`,
      hint: {
        cli: 'have that CA issue a new certificate for the root key, or remove the CA pin first; `--role targets` (or another role) renews the rest',
        ui: 'have that CA issue a new certificate for the root key, or remove the CA pin first (Config screen, 5)',
      },
    };
  }
  const certs = pins.filter((p) => p.kind === 'certificate');
  if (certs.length === 0 || updatePins) return undefined;
  return {
    problem: `the new root certificate of ${gun} would not match ${certs.map(pinName).join(' or ')}, which names the old one (${shortKeyId(certs[0]!.keyId!)})`,
    hint: {
      cli: "add --update-pins: trust-tui's pin then names the new certificate in the same run, and the new ID for notary configurations is printed",
      ui: "confirm with the pins updated: trust-tui's pin then names the new certificate, and the new ID for notary configurations is shown",
    },
  };
}

/** What became of one pin after its certificate was replaced. */
export interface PinFollowUp {
  source: PinOnCertificate['source'];
  file?: string;
  scope: string;
  from: string;
  to: string;
  /** trust-tui's pin now names `to`; a notary configuration's pin must be changed by its owner. */
  updated: boolean;
}

async function editPinnedIds(ctx: TrustContext, pins: readonly PinOnCertificate[], edit: (ids: string[], pin: PinOnCertificate) => string[]): Promise<void> {
  const own = pins.filter((p) => p.source === 'trust-tui' && p.kind === 'certificate');
  if (own.length === 0) return;
  await ctx.settings.update((s) => {
    for (const pin of own) {
      const entry = s.pins[pin.scope];
      if (entry?.certs) entry.certs = [...new Set(edit(entry.certs, pin))];
    }
  });
}

/** Adds each new certificate beside the old one in trust-tui's pins, so the root is read either way while it is published. */
export function pinBeside(ctx: TrustContext, pins: readonly PinOnCertificate[], replacements: ReadonlyMap<string, string>): Promise<void> {
  return editPinnedIds(ctx, pins, (ids, pin) => [...ids, replacements.get(pin.keyId!)!]);
}

/** Removes these certificate IDs from trust-tui's pins again (the old ones once published, else the new ones). */
export function unpin(ctx: TrustContext, pins: readonly PinOnCertificate[], ids: ReadonlySet<string>): Promise<void> {
  return editPinnedIds(ctx, pins, (list) => {
    const kept = list.filter((id) => !ids.has(id));
    return kept.length ? kept : list; // a pin is never left empty (it would mean trust on first use)
  });
}

export function pinFollowUps(pins: readonly PinOnCertificate[], replacements: ReadonlyMap<string, string>): PinFollowUp[] {
  return pins
    .filter((p) => p.kind === 'certificate' && replacements.has(p.keyId!))
    .map((p) => ({ source: p.source, ...(p.file ? { file: p.file } : {}), scope: p.scope, from: p.keyId!, to: replacements.get(p.keyId!)!, updated: p.source === 'trust-tui' }));
}

/** One sentence per pin for a plan (CLI and UI alike). */
export function pinPlanLine(gun: string, pin: PinOnCertificate, updatePins: boolean): string {
  if (pin.kind === 'ca') return `${gun}: ${pinName(pin)} requires a certificate from its CA; the self-signed replacement would not chain to it`;
  const then = pin.source === 'trust-tui' ? (updatePins ? 'it is moved to the new certificate' : 'it stops matching') : 'put the new ID (shown afterwards) there';
  return `${gun}: ${pinName(pin)} names the old root certificate ${shortKeyId(pin.keyId!)}: ${then}`;
}

/** One sentence per pin after the renewal: what was updated, and the full new ID where someone must put it. */
export function pinFollowUpLine(f: PinFollowUp): string {
  return f.updated
    ? `the trust-tui pin of ${f.scope} now names the new certificate ${shortKeyId(f.to)}`
    : `in ${f.file}, replace ${f.from} with ${f.to} in trust_pinning.certs "${f.scope}"`;
}
