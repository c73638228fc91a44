// What a failed TLS handshake means for the user, by node's (OpenSSL's) error code: a certificate
// that does not chain to the trusted CA is fixed by trusting the right CA; one outside its validity
// period by renewing it or by setting this machine's clock right; one for another host name by
// using a name it holds. The Notary and the registry client word the CA advice themselves (they know
// which CA was trusted); the date and name advice is the same for both, and worded here. OpenSSL
// reports one failure, a date rather than a broken chain when both are wrong, so for a date the
// chain is checked here too: renewing a certificate that does not chain would not help.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, rootCertificates, type DetailedPeerCertificate } from 'node:tls';
import type { HintInput } from '../tuf/errors.js';

export type TlsFailureKind = 'chain' | 'validity' | 'name' | 'other';

/** OpenSSL's verification results about dates (X509_V_ERR_*), as node names them. */
const VALIDITY_CODES = new Set([
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
]);

/** node's own check of the host name against the certificate (tls.checkServerIdentity), and OpenSSL's. */
const NAME_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'IP_ADDRESS_MISMATCH']);

/** OpenSSL's results for a chain that does not lead to a trusted CA, or a CA that may not issue it. */
const CHAIN_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

function tlsFailureKind(code: string): TlsFailureKind {
  if (VALIDITY_CODES.has(code)) return 'validity';
  if (NAME_CODES.has(code)) return 'name';
  if (CHAIN_CODES.has(code)) return 'chain';
  return 'other';
}

/** The TLS material a client offered: its trust anchors and its client certificate. */
export interface OfferedTls {
  ca?: readonly (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
}

interface Validity {
  /** `the server's certificate`, `the certificate "CN" in its chain`, `the CA certificate "CN"`. */
  what: string;
  notBefore: Date;
  notAfter: Date;
}

/** How long the look at a server's certificates may take, on top of the failed request. */
const LOOK_TIMEOUT_MS = 5_000;

/**
 * The certificates `target` presents, leaf first, read by a handshake that trusts anything and
 * sends nothing; none when that handshake fails too. node drops the certificates of a handshake it
 * refuses, so their dates can only be read this way.
 */
function presentedCertificates(target: URL, tls: OfferedTls): Promise<DetailedPeerCertificate[]> {
  return new Promise((resolve) => {
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const socket = connect({
      host,
      port: Number(target.port || 443),
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    });
    const done = (certificates: DetailedPeerCertificate[]) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(certificates);
    };
    const timer = setTimeout(() => done([]), LOOK_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      const chain: DetailedPeerCertificate[] = [];
      for (let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw && !chain.includes(c); c = c.issuerCertificate) chain.push(c);
      done(chain);
    });
    socket.once('error', () => done([]));
  });
}

function presentedValidity(chain: DetailedPeerCertificate[]): Validity[] {
  return chain.map((c, i) => ({
    what: i === 0 ? "the server's certificate" : `the certificate "${c.subject?.CN ?? 'unnamed'}" in its chain`,
    notBefore: new Date(c.valid_from),
    notAfter: new Date(c.valid_to),
  }));
}

/** The CA certificates the client trusts, those node can read (others cannot be why a check failed). */
function givenCas(ca: OfferedTls['ca']): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const pem of ca ?? []) {
    for (const block of String(pem).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []) {
      try {
        out.push(new X509Certificate(block));
      } catch {
        // Not a certificate node can read.
      }
    }
  }
  return out;
}

function anchorValidity(ca: OfferedTls['ca']): Validity[] {
  return givenCas(ca).map((cert) => {
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? 'unnamed';
    return { what: `the CA certificate "${cn}"`, notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
  });
}

/**
 * The CAs node trusts when the client gives none: its bundled store and NODE_EXTRA_CA_CERTS.
 * Undefined when node was told to use the system's OpenSSL store instead, which cannot be listed.
 */
function defaultCas(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (/--use-(openssl|system)-ca/.test(`${process.execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`)) return undefined;
  let extra: string[] = [];
  try {
    if (env.NODE_EXTRA_CA_CERTS) extra = [readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8')];
  } catch {
    // node warns about an unreadable file itself and trusts its store alone.
  }
  return [...rootCertificates, ...extra];
}

/**
 * Whether the presented chain leads to a CA certificate the client trusts (the ones it gave, else
 * node's own store), by names and signatures, dates aside. True when nothing was presented or the
 * trusted CAs cannot be known: no claim about the chain then.
 */
function chainsToTrustedCa(presented: readonly DetailedPeerCertificate[], ca: OfferedTls['ca']): boolean {
  const trusted = ca?.length ? ca : defaultCas();
  if (trusted === undefined) return true;
  const anchors = givenCas(trusted);
  if (anchors.length === 0 || presented.length === 0) return true;
  let chain: X509Certificate[];
  try {
    chain = presented.map((c) => new X509Certificate(c.raw));
  } catch {
    return true;
  }
  const issued = (cert: X509Certificate, by: X509Certificate) => cert.checkIssued(by) && cert.verify(by.publicKey);
  let cert = chain[0]!;
  for (let depth = 0; depth < chain.length; depth++) {
    if (anchors.some((a) => a.fingerprint256 === cert.fingerprint256 || issued(cert, a))) return true;
    const issuer = chain.find((c) => c !== cert && issued(cert, c));
    if (!issuer) return false;
    cert = issuer;
  }
  return false;
}

/**
 * The next step for a certificate outside its validity period: which certificate, its date, and
 * this machine's time, because either the certificate or the clock is wrong.
 */
function validityAdvice(code: string, presented: DetailedPeerCertificate[], tls: OfferedTls, now = new Date()): string {
  const clock = `this machine's clock says ${now.toISOString()}`;
  if (code.startsWith('CRL_') || code.includes('_CRL_')) {
    return `a certificate revocation list is outside its validity period and ${clock}: have the CA publish a current one, or set this machine's clock right if it is wrong`;
  }
  const certificates = [...presentedValidity(presented), ...anchorValidity(tls.ca)];
  const expired = certificates.find((c) => c.notAfter < now);
  const early = certificates.find((c) => c.notBefore > now);
  const notYet = code === 'CERT_NOT_YET_VALID' || code === 'ERROR_IN_CERT_NOT_BEFORE_FIELD';
  const culprit = notYet ? (early ?? expired) : (expired ?? early);
  if (culprit && culprit === early) {
    return `${culprit.what} is valid from ${culprit.notBefore.toISOString()} and ${clock}: set this machine's clock right if it is wrong, else the certificate must be reissued`;
  }
  if (culprit) {
    return `${culprit.what} expired on ${culprit.notAfter.toISOString()} and ${clock}: the certificate must be renewed, or this machine's clock set right if it is wrong`;
  }
  const state = notYet ? 'not valid yet' : 'expired';
  return `a certificate of the server is ${state} and ${clock}: the certificate must be ${notYet ? 'reissued' : 'renewed'}, or this machine's clock set right if it is wrong`;
}

/** The next step for a certificate issued to other names than the host that was asked for. */
function nameAdvice(error: unknown, target: URL): string {
  const { host, cert } = error as { host?: string; cert?: { subjectaltname?: string; subject?: { CN?: string } } };
  const asked = host ?? target.hostname;
  const names = (cert?.subjectaltname ?? '')
    .split(', ')
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  if (names.length === 0 && cert?.subject?.CN) names.push(cert.subject.CN);
  const held = names.length > 0 ? `holds only ${names.join(', ')}` : 'names no host';
  return `the server's certificate ${held}, not ${asked}: reach the server by a name it holds, or have the certificate reissued for ${asked}`;
}

/** What a refused certificate needs. */
export interface TlsAdvice {
  /** It does not chain to the trusted CA: the caller words that advice, with the CA it trusted. */
  chain: boolean;
  /** What else is wrong (dates, host name, the handshake itself) and what to do. */
  other?: string;
}

/** Why a TLS handshake failed, as advice: see TlsAdvice, and tlsHint to put it in words. */
export async function tlsAdvice(error: unknown, target: URL, tls: OfferedTls, now?: Date): Promise<TlsAdvice> {
  const code = typeof (error as NodeJS.ErrnoException)?.code === 'string' ? (error as NodeJS.ErrnoException).code! : '';
  switch (tlsFailureKind(code)) {
    case 'chain':
      return { chain: true };
    case 'validity': {
      const presented = code.includes('CRL') ? [] : await presentedCertificates(target, tls);
      return { chain: !chainsToTrustedCa(presented, tls.ca), other: validityAdvice(code, presented, tls, now) };
    }
    case 'name':
      // node checks the name only of a certificate that chains.
      return { chain: false, other: nameAdvice(error, target) };
    case 'other':
      return {
        chain: false,
        other: "check that the URL is the server's TLS port, and, if the server asks for a client certificate, that this machine offers one it accepts",
      };
  }
}

/**
 * The advice in words, given the caller's `caAdvice` for a certificate that does not chain: that
 * first when the chain is broken too, since renewing the certificate alone would not help.
 */
export function tlsHint(advice: TlsAdvice, caAdvice: HintInput): HintInput {
  if (!advice.other) return caAdvice;
  if (!advice.chain) return advice.other;
  const both = (ca: string) => `the server's certificate does not chain to the trusted CA either, so a new certificate alone would not help: ${ca}; then ${advice.other}`;
  return typeof caAdvice === 'string' ? both(caAdvice) : { cli: both(caAdvice.cli), ui: both(caAdvice.ui) };
}
