/**
 * Independent verifiers for exported signatures, sharing no code with trust-tui: raw HTTP to the
 * registry, @sigstore/verify for Sigstore bundles, jose for Notation JWS, and node:crypto plus the
 * simple-signing rules of containers/image (signature/internal/sigstore_payload.go) for cosign's
 * legacy `.sig` layers. Each returns normally when the signature verifies and throws otherwise.
 */
import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { flattenedVerify } from 'jose';
import { httpRequest } from './http.js';
import type { Registry } from './peers.js';

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** A PEM public key file as `docker trust key generate` writes it (with a `role:` header). */
export function publicKeyOfPem(pem: string): KeyObject {
  const body = pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----') && !l.includes(':'))
    .join('');
  return createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'spki' });
}

export async function getManifest(registry: Registry, repo: string, ref: string): Promise<{ status: number; bytes: Buffer; json: Record<string, unknown> }> {
  const r = await httpRequest(`${registry.url}/v2/${repo}/manifests/${ref}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
    caFile: registry.caFile,
  });
  return { status: r.status, bytes: r.body, json: r.status === 200 ? (JSON.parse(r.body.toString()) as Record<string, unknown>) : {} };
}

export async function getBlob(registry: Registry, repo: string, digest: string): Promise<Buffer> {
  const r = await httpRequest(`${registry.url}/v2/${repo}/blobs/${digest}`, { caFile: registry.caFile });
  if (r.status !== 200) throw new Error(`blob ${digest}: ${r.status}`);
  if (`sha256:${createHash('sha256').update(r.body).digest('hex')}` !== digest) throw new Error(`blob ${digest} does not match`);
  return r.body;
}

const exactKeys = (o: unknown, keys: string[]) =>
  typeof o === 'object' && o !== null && Object.keys(o).sort().join() === [...keys].sort().join();

/**
 * A cosign `.sig` layer: DER ECDSA over the payload bytes with `key`, the payload by the strict
 * schema (exact members, type, digest claim, identity), as containers/image and cosign check it.
 */
export function verifySimpleSigning(layer: OciDescriptor, payload: Buffer, key: KeyObject, digest: string, repository: string): Record<string, unknown> {
  if (layer.mediaType !== 'application/vnd.dev.cosign.simplesigning.v1+json') throw new Error(`layer type ${layer.mediaType}`);
  const sig = layer.annotations?.['dev.cosignproject.cosign/signature'];
  if (!sig) throw new Error('no signature annotation');
  if (!verify('sha256', payload, key, Buffer.from(sig, 'base64'))) throw new Error('signature does not verify');
  const p = JSON.parse(payload.toString()) as { critical: Record<string, Record<string, unknown>>; optional: Record<string, unknown> };
  if (!exactKeys(p, ['critical', 'optional'])) throw new Error('payload top level');
  if (!exactKeys(p.critical, ['identity', 'image', 'type'])) throw new Error('payload critical');
  if (p.critical.type as unknown !== 'cosign container image signature') throw new Error('payload type');
  if (!exactKeys(p.critical.image, ['docker-manifest-digest']) || p.critical.image!['docker-manifest-digest'] !== digest) throw new Error('digest claim');
  if (!exactKeys(p.critical.identity, ['docker-reference']) || p.critical.identity!['docker-reference'] !== repository) throw new Error('identity');
  if (p.optional !== null && typeof p.optional !== 'object') throw new Error('optional');
  return p.optional;
}

/** The referrers of `digest` from the referrers tag schema (the registry has no referrers API). */
export async function fallbackReferrers(registry: Registry, repo: string, digest: string): Promise<OciDescriptor[]> {
  const index = await getManifest(registry, repo, digest.replace(':', '-'));
  if (index.status === 404) return [];
  return (index.json.manifests as OciDescriptor[]) ?? [];
}

/** A Sigstore bundle with @sigstore/verify (key from the finder, no log, no timestamps), then the in-toto subject. */
export function verifySigstoreBundle(bundleBytes: Buffer, key: KeyObject, digest: string): Record<string, string> | undefined {
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
  const material = toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
  const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  const bundle = bundleFromJSON(JSON.parse(bundleBytes.toString()));
  verifier.verify(toSignedEntity(bundle));
  // @sigstore/verify does not look at the statement: the subject must be the image.
  const envelope = JSON.parse(bundleBytes.toString()).dsseEnvelope as { payload: string; payloadType: string };
  if (envelope.payloadType !== 'application/vnd.in-toto+json') throw new Error('not in-toto');
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as { subject: { digest: Record<string, string>; annotations?: Record<string, string> }[] };
  const subject = statement.subject.find((s) => s.digest.sha256 === digest.slice('sha256:'.length));
  if (!subject) throw new Error('statement subject is another digest');
  return subject.annotations;
}

/**
 * A Notation JWS with jose (ES256, `crit` with the signing scheme), its certificate (one
 * self-signed leaf over `key`), and the target artifact against the manifest's descriptor.
 */
export async function verifyNotationJws(envelopeBytes: Buffer, key: KeyObject, subject: OciDescriptor): Promise<{ annotations?: Record<string, string>; certificate: X509Certificate }> {
  const jws = JSON.parse(envelopeBytes.toString()) as { header: { x5c: string[] } };
  if (jws.header.x5c.length !== 1) throw new Error('expected one certificate');
  const certificate = new X509Certificate(Buffer.from(jws.header.x5c[0]!, 'base64'));
  if (!certificate.verify(certificate.publicKey)) throw new Error('certificate not self-signed');
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  if (spki(certificate.publicKey) !== spki(key)) throw new Error('certificate is over another key');
  const result = await flattenedVerify(jws as never, certificate.publicKey, {
    algorithms: ['ES256'],
    crit: { 'io.cncf.notary.signingScheme': true },
  });
  const header = result.protectedHeader as Record<string, unknown>;
  if (header['io.cncf.notary.signingScheme'] !== 'notary.x509' || !header['io.cncf.notary.signingTime']) throw new Error('protected header');
  if (header.cty !== 'application/vnd.cncf.notary.payload.v1+json') throw new Error('content type');
  const payload = JSON.parse(Buffer.from(result.payload).toString()) as { targetArtifact: OciDescriptor };
  const t = payload.targetArtifact;
  if (t.digest !== subject.digest || t.size !== subject.size || t.mediaType !== subject.mediaType) throw new Error('target artifact');
  return { ...(t.annotations ? { annotations: t.annotations } : {}), certificate };
}
