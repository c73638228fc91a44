// Signs the three export formats with a signer's DCT key (ECDSA P-256). The verifying side is
// verify-signatures.ts and shares nothing with this module but the layouts in formats.ts.
import { createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import type { PrivateKey } from '../../tuf/private-key.js';
import { InputError } from '../errors.js';
import {
  dssePae,
  IN_TOTO_PAYLOAD_TYPE,
  inTotoStatement,
  jwsEnvelope,
  jwsSigningInput,
  notationPayload,
  notationProtectedHeader,
  publicKeyHint,
  sigstoreBundle,
  simpleSigningLayer,
  simpleSigningPayload,
  type Descriptor,
} from './formats.js';

/** The ECDSA P-256 key object of a DCT key: the only kind both cosign and Notation (ES256) take here. */
export function exportSigningKey(key: PrivateKey, who: string): KeyObject {
  const m = key.material;
  if (m.algorithm !== 'ecdsa' || m.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new InputError(`the key of ${who} is ${m.algorithm === 'ecdsa' ? `ECDSA ${m.key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim() : m.algorithm}: export signs with ECDSA P-256 keys only`, {
      hint: 'add a P-256 key to this signer (trust-tui key generate makes one) and export with it',
    });
  }
  return m.key;
}

/** A cosign `.sig` layer and its payload blob. The signature is DER over SHA-256 of the payload bytes. */
export function signSimpleSigning(key: KeyObject, repository: string, digest: string, annotations: Record<string, string>): { payload: Buffer; layer: Descriptor } {
  const payload = simpleSigningPayload(repository, digest, annotations);
  return { payload, layer: simpleSigningLayer(payload, nodeSign('sha256', payload, key)) };
}

/** A Sigstore bundle: DSSE (DER signature over the PAE) around the in-toto statement for `digest`. */
export function signBundle(key: KeyObject, digest: string, annotations: Record<string, string>): Buffer {
  const statement = inTotoStatement(digest, annotations);
  const signature = nodeSign('sha256', dssePae(IN_TOTO_PAYLOAD_TYPE, statement), key);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return sigstoreBundle(statement, signature, publicKeyHint(spki));
}

/** A Notation JWS envelope (ES256: raw r||s) over the descriptor of the signed manifest. */
export function signNotation(
  key: KeyObject,
  subject: Descriptor,
  annotations: Record<string, string>,
  chainDer: readonly Uint8Array[],
  signingTime: Date,
  agent: string,
): Buffer {
  const protectedHeader = notationProtectedHeader(signingTime);
  const payload = notationPayload(subject, annotations);
  const signature = nodeSign('sha256', jwsSigningInput(protectedHeader, payload), { key, dsaEncoding: 'ieee-p1363' });
  return jwsEnvelope(protectedHeader, payload, signature, chainDer, agent);
}
