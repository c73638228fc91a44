// New signing keys. ECDSA P-256 is what notary and docker generate; ed25519 and RSA are offered for
// users who bring their own key policy (notary verifies all three).
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { PrivateKey } from '../tuf/private-key.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export type GeneratedKeyAlgorithm = 'ecdsa' | 'ed25519' | 'rsa';

/** Notary requires RSA keys of at least 2048 bits; 4096 is the default here. */
export const DEFAULT_RSA_BITS = 4096;

/** Generates a key off the main thread (RSA takes seconds), so a UI stays responsive. */
export async function generatePrivateKey(
  algorithm: GeneratedKeyAlgorithm = 'ecdsa',
  options: { rsaBits?: number } = {},
): Promise<PrivateKey> {
  switch (algorithm) {
    case 'ecdsa':
      return PrivateKey.fromKeyObject((await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' })).privateKey);
    case 'ed25519':
      return PrivateKey.fromKeyObject((await generateKeyPairAsync('ed25519')).privateKey);
    case 'rsa': {
      const bits = options.rsaBits ?? DEFAULT_RSA_BITS;
      if (bits < 2048) throw new RangeError(`RSA keys must have at least 2048 bits, not ${bits}`);
      return PrivateKey.fromKeyObject((await generateKeyPairAsync('rsa', { modulusLength: bits })).privateKey);
    }
  }
}
