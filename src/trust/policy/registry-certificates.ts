// A signer's Notation certificate, found where `export notation --as NAME` put it: in the x5c of
// that signer's Notation signatures of the repository's released tags. A certificate is taken only
// from an envelope the export's own verifier accepts with the signer's keys from the verified trust
// data (the JWS verifies with the certificate, whose key is one of the signer's), and only when it
// passes the checks a `--certificate` file gets (Notation's signing profile, unexpired).
import { createPublicKey, X509Certificate } from 'node:crypto';
import { RegistryRequestError } from '../../registry/errors.js';
import type { ImageReference } from '../../registry/reference.js';
import type { RefreshResult } from '../../notary/updater.js';
import type { TrustContext } from '../context.js';
import { registryClient } from '../sign.js';
import { releasedTags } from '../export/dct-signers.js';
import { RegistrySignatures } from '../export/registry-signatures.js';
import { checkNotation, notationLeafCertificate } from '../export/verify-signatures.js';
import { checkSignerCertificate, type SignerCertificate } from './notation-certificate.js';
import type { PolicySigner } from './signers.js';

export interface RegistryCertificates {
  /** Per signer, its distinct certificates (a signer re-exported with a new one, or has several keys). */
  found: Map<string, SignerCertificate[]>;
  /** Per signer, why a certificate that came with a verifying signature was not taken. */
  refused: Map<string, string>;
  /** The registry could not be read (nothing was found then). */
  problem?: string;
}

export async function certificatesInRegistry(
  ctx: TrustContext,
  repo: { gun: string; reference: ImageReference; state: RefreshResult },
  signers: readonly PolicySigner[],
  now: Date = new Date(),
): Promise<RegistryCertificates> {
  const result: RegistryCertificates = { found: new Map(), refused: new Map() };
  if (signers.length === 0) return result;
  const client = registryClient(ctx);
  const store = new RegistrySignatures(client, repo.reference);
  const keysOf = new Map(signers.map((s) => [s.name, s.keys.map((k) => createPublicKey({ key: k.spki, format: 'der', type: 'spki' }))]));
  try {
    const { tags } = releasedTags(repo.state);
    for (const t of [...tags].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))) {
      const mine = signers.filter((s) => t.signers.includes(s.name));
      if (mine.length === 0) continue;
      // The signatures name the digest DCT signed, whatever the tag points at now.
      let subject;
      try {
        subject = await client.resolve({ ...repo.reference, digest: t.digest });
      } catch (e) {
        if (e instanceof RegistryRequestError && e.status === 404) continue;
        throw e;
      }
      if (subject.size !== t.size) continue;
      const envelopes = await store.referrerSignatures(t.digest, 'notation');
      for (const signer of mine) {
        const expected = { repository: repo.gun, subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }, provenance: { gun: repo.gun, tag: t.tag, role: signer.role } };
        for (const { bytes } of envelopes) {
          if (checkNotation(bytes, keysOf.get(signer.name)!, expected, now) !== undefined) continue;
          const der = notationLeafCertificate(bytes)!;
          const list = result.found.get(signer.name) ?? [];
          if (list.some((c) => new X509Certificate(c.pem).raw.equals(der))) continue;
          try {
            list.push(await checkSignerCertificate(signer, der, `the Notation signature of ${repo.gun}:${t.tag}`, now));
            result.found.set(signer.name, list);
          } catch (e) {
            if (!result.refused.has(signer.name)) result.refused.set(signer.name, (e as Error).message);
          }
        }
      }
    }
  } catch (e) {
    result.problem = (e as Error).message;
  }
  return result;
}
