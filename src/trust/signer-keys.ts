// The keys a signer is given with `--key K`: a PEM public key or certificate file (what
// `docker trust key generate` writes, or a CA-issued certificate), or a key of the local keystore
// named by its role (`alice`) or its ID (full or a prefix of at least 7 hex digits).
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { MAX_PEM_BYTES, pathExists, readUserText } from '../config/user-files.js';
import { decodePem, PRIVATE_KEY_BLOCK_TYPES, type PemBlock } from '../keys/index.js';
import { isBaseRole } from '../tuf/delegation.js';
import { certificateToKey } from '../tuf/certs.js';
import { PublicKey } from '../tuf/key.js';
import type { TrustContext } from './context.js';
import { InputError } from './errors.js';
import type { HintInput } from '../tuf/errors.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { MIN_RSA_BITS, shortRsaKeyBits } from '../tuf/verify.js';

/** A key ready to go into a delegation, and where it came from (for messages). */
export interface SignerKey {
  key: PublicKey;
  /** The file name, or `local key <id>`. */
  source: string;
}

// Curves notary 0.7 verifies ECDSA signatures on (r||s of twice the coordinate size).
const ECDSA_CURVES = ['prime256v1', 'secp384r1'];
const SHORTEST_ID_PREFIX = 7;

function notAKey(file: string, why = 'no valid public key found', hint?: HintInput): InputError {
  // docker's wording, so scripts matching it keep working.
  return new InputError(`could not parse public key from file: ${file}: ${why}`, hint === undefined ? {} : { hint });
}

/** The TUF key of a `PUBLIC KEY` block: SPKI DER for ecdsa and rsa, the 32 raw bytes for ed25519 (notary's encodings). */
function keyOfSpki(der: Buffer, file: string): PublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw notAKey(file, 'the PUBLIC KEY block does not parse');
  }
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      if (!ECDSA_CURVES.includes(curve)) throw notAKey(file, `ECDSA curve ${curve} is not supported (use P-256)`);
      return new PublicKey('ecdsa', der.toString('base64'));
    }
    case 'rsa': {
      // notary's verifier (and this one) refuses shorter keys: such a signer could never sign.
      const bits = shortRsaKeyBits(key);
      if (bits !== undefined) throw notAKey(file, `its RSA key has ${bits} bits; signatures need at least ${MIN_RSA_BITS}`);
      return new PublicKey('rsa', der.toString('base64'));
    }
    case 'ed25519':
      return new PublicKey('ed25519', Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url').toString('base64'));
    default:
      throw notAKey(file, `${key.asymmetricKeyType ?? 'unknown'} keys are not supported`);
  }
}

/** notary's `delegation add` refuses certificates that are expired or not yet valid. */
function keyOfCertificate(der: Buffer, file: string, now: Date): PublicKey {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw notAKey(file, 'the CERTIFICATE block does not parse');
  }
  if (new Date(cert.validTo) < now) throw new InputError(`certificate in ${file} expired on ${cert.validTo}: renew it first`);
  if (new Date(cert.validFrom) > now) throw new InputError(`certificate in ${file} is not valid before ${cert.validFrom}`);
  try {
    // The leaf alone, re-encoded in Go's PEM layout, so the key ID equals the one notary computes.
    return certificateToKey(cert);
  } catch (e) {
    throw notAKey(file, (e as Error).message);
  }
}

/** The public key in PEM text: the first `PUBLIC KEY` or `CERTIFICATE` block. */
export function publicKeyFromPem(text: string, file: string, now = new Date()): PublicKey {
  let blocks: PemBlock[];
  try {
    blocks = decodePem(text, file);
  } catch (e) {
    throw notAKey(file, (e as Error).message.replace(`${file}: `, ''));
  }
  const block = blocks.find((b) => b.type === 'PUBLIC KEY' || b.type === 'CERTIFICATE');
  if (block?.type === 'PUBLIC KEY') return keyOfSpki(block.bytes, file);
  if (block?.type === 'CERTIFICATE') return keyOfCertificate(block.bytes, file, now);
  if (blocks.some((b) => PRIVATE_KEY_BLOCK_TYPES.includes(b.type))) {
    throw notAKey(file, 'it holds a private key', {
      cli: 'give its public key (.pub), or import it with `trust-tui key load` and pass its name',
      ui: 'give its public key (.pub), or import it on the Keys screen (4) and give its name',
    });
  }
  throw notAKey(file);
}

/** Key names and IDs are `[a-z0-9_-]`: a slash or a file extension means a path. */
function looksLikePath(spec: string): boolean {
  return /[/\\]|\.(pub|pem|crt|cert|key)$/i.test(spec);
}

/** A keystore key by role name, else by ID prefix; the public key is derived by unlocking it. */
async function localKey(ctx: TrustContext, spec: string): Promise<SignerKey> {
  const all = (await ctx.keys.list()).filter((k) => !k.problem);
  let matches = all.filter((k) => k.role === spec);
  if (matches.length === 0 && /^[0-9a-f]+$/.test(spec)) {
    if (spec.length < SHORTEST_ID_PREFIX) {
      throw new InputError(`key ID prefix "${spec}" is too short`, { hint: `give at least ${SHORTEST_ID_PREFIX} characters` });
    }
    matches = all.filter((k) => k.id.startsWith(spec));
  }
  if (matches.length === 0) {
    throw new InputError(`key ${spec}: no such file, and no local key has that name or ID`, {
      hint: { cli: 'see trust-tui key list', ui: 'see the Keys screen (4)' },
    });
  }
  if (matches.length > 1) {
    throw new InputError(`key ${spec} matches ${matches.length} local keys (${matches.map((k) => shortKeyId(k.id)).join(', ')})`, { hint: 'give the key ID' });
  }
  const stored = matches[0]!;
  // Repository keys sign root, targets, snapshot and timestamp; a signer needs a key of its own.
  if (isBaseRole(stored.role)) {
    throw new InputError(`key ${spec} is a ${stored.role} key, and a signer needs a key of its own`, {
      hint: { cli: 'make one with trust-tui key generate NAME', ui: 'generate one on the Keys screen (4)' },
    });
  }
  const key = await ctx.keys.unlock(stored.id, ctx.passphrases);
  return { key: key.publicKey, source: `local key ${shortKeyId(stored.id)} (${stored.role})` };
}

/** Resolves one `--key` argument: an existing file is read as PEM, anything else names a local key. */
export async function resolveSignerKey(ctx: TrustContext, spec: string): Promise<SignerKey> {
  // Anything at that path (a directory too) is meant as a file, and so is a name that looks like a path.
  if ((await pathExists(spec)) || looksLikePath(spec)) {
    const text = await readUserText(spec, 'public key file', { maxBytes: MAX_PEM_BYTES });
    return { key: publicKeyFromPem(text, spec), source: spec };
  }
  return localKey(ctx, spec);
}

/** Every `--key` argument, distinct by canonical ID (the same key given twice counts once). */
export async function resolveSignerKeys(ctx: TrustContext, specs: readonly string[]): Promise<SignerKey[]> {
  if (specs.length === 0) throw new InputError('path to a public key must be provided using the `--key` flag');
  const out: SignerKey[] = [];
  for (const spec of specs) {
    const resolved = await resolveSignerKey(ctx, spec);
    if (!out.some((k) => k.key.canonicalId === resolved.key.canonicalId)) out.push(resolved);
  }
  return out;
}
