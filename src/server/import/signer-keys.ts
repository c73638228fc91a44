// notary-signer's stored keys: each private key is a JWE (compact form) made by jose2go with
// PBES2-HS256+A128KW and A256GCM under the passphrase of its alias (notary
// signer/keydbstore/sql_keydbstore.go). notary-signer reads that passphrase from the environment
// variable NOTARY_SIGNER_<ALIAS> (cmd/notary-signer/config.go passphraseRetriever). The plaintext is
// notary's data.PrivateKey.Private(): SEC1 DER for ecdsa, seed followed by public key for ed25519.
import { createPrivateKey } from 'node:crypto';
import { compactDecrypt } from 'jose';
import { PrivateKey } from '../../tuf/private-key.js';
import { shortKeyId } from '../../tuf/short-key-id.js';
import type { SourceSignerKey } from './source.js';

/** A key that could not be opened; the message names the alias and what to set. */
export class SignerKeyError extends Error {
  override name = 'SignerKeyError';
}

/** The variable notary-signer itself reads for an alias. */
export function signerPassphraseVariable(alias: string): string {
  return `NOTARY_SIGNER_${alias.toUpperCase()}`;
}

/**
 * Passphrases by alias: from `ALIAS=VARIABLE` pairs the operator named, else from the variable
 * notary-signer reads (NOTARY_SIGNER_<ALIAS>). Only names are given on the command line, never values.
 */
export function passphraseFor(alias: string, named: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): { variable: string; value: string | undefined } {
  const variable = named.get(alias) ?? named.get(alias.toLowerCase()) ?? signerPassphraseVariable(alias);
  return { variable, value: env[variable] || undefined };
}

/** Parses `--signer-passphrase-env` values: `ALIAS=VARIABLE`, or `NOTARY_SIGNER_<ALIAS>` alone. */
export function parsePassphraseVariables(values: readonly string[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const value of values) {
    const pair = /^([^=\s]+)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    if (pair) {
      named.set(pair[1]!.toLowerCase(), pair[2]!);
      continue;
    }
    const own = /^NOTARY_SIGNER_([A-Za-z0-9_]+)$/.exec(value);
    if (own) {
      named.set(own[1]!.toLowerCase(), value);
      continue;
    }
    throw new SignerKeyError(
      `--signer-passphrase-env ${JSON.stringify(value)}: give ALIAS=VARIABLE (the variable holding that alias's passphrase) or NOTARY_SIGNER_<ALIAS>`,
    );
  }
  return named;
}

/** jose2go writes 8192 PBKDF2 iterations; allow more, but not an unbounded count from a database row. */
const MAX_PBES2_COUNT = 1_000_000;

/** Decrypts one notary-signer key and checks that it is the key its row says. */
export async function openSignerKey(key: SourceSignerKey, passphrase: string, variable: string): Promise<PrivateKey> {
  let plain: Uint8Array;
  try {
    ({ plaintext: plain } = await compactDecrypt(key.jwe, new TextEncoder().encode(passphrase), {
      keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxPBES2Count: MAX_PBES2_COUNT,
    }));
  } catch (e) {
    const what = (e as { code?: string }).code === 'ERR_JWE_DECRYPTION_FAILED' ? 'wrong passphrase' : (e as Error).message;
    throw new SignerKeyError(
      `the passphrase in ${variable} does not open notary-signer key ${shortKeyId(key.keyId)} (alias ${key.passphraseAlias}, ${key.role} of ${key.gun}): ${what}`,
    );
  }
  const privateKey = decodeNotaryPrivateKey(key.algorithm, Buffer.from(plain), key.keyId);
  if (privateKey.id !== key.keyId) {
    throw new SignerKeyError(`notary-signer key ${shortKeyId(key.keyId)} (${key.role} of ${key.gun}) decrypts to another key (${shortKeyId(privateKey.id)}); the signer database is inconsistent`);
  }
  return privateKey;
}

function decodeNotaryPrivateKey(algorithm: string, bytes: Buffer, keyId: string): PrivateKey {
  try {
    if (algorithm === 'ecdsa') return PrivateKey.fromKeyObject(createPrivateKey({ key: bytes, format: 'der', type: 'sec1' }));
    if (algorithm === 'ed25519' && bytes.length === 64) {
      return new PrivateKey({ algorithm: 'ed25519', seed: bytes.subarray(0, 32), publicKey: bytes.subarray(32) });
    }
  } catch (e) {
    throw new SignerKeyError(`notary-signer key ${shortKeyId(keyId)} does not decode as an ${algorithm} key: ${(e as Error).message}`);
  }
  throw new SignerKeyError(`notary-signer key ${shortKeyId(keyId)} has algorithm ${JSON.stringify(algorithm)}, which notary-signer does not make (ecdsa, ed25519)`);
}
