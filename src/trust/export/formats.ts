// The byte layouts of the signatures `export cosign|notation` writes, built without keys (pure):
// - cosign's legacy scheme: an image at tag `sha256-<hex>.sig`, one simple-signing layer per
//   signature (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md; payload shape
//   from sigstore/sigstore pkg/signature/payload/payload.go; layer and annotation names from cosign
//   pkg/oci/static);
// - cosign v3's Sigstore bundle as an OCI referrer: a DSSE envelope over an in-toto statement
//   (https://github.com/sigstore/cosign/blob/main/specs/BUNDLE_SPEC.md, cmd/cosign/cli/sign/sign.go);
// - a Notary Project JWS signature as an OCI referrer
//   (https://github.com/notaryproject/specifications/tree/main/specs, the signature specification
//   and its JWS envelope page).
// The signing code (sign-signatures.ts) and the verifying code (verify-signatures.ts) both use
// these names, and nothing else.
import { createHash } from 'node:crypto';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** The OCI empty descriptor: `{}`, for artifacts without a config. */
export const OCI_EMPTY = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const;
export const OCI_EMPTY_BYTES = Buffer.from('{}');
const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
const CREATED_ANNOTATION = 'org.opencontainers.image.created';

export const SIMPLE_SIGNING_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT = 'https://in-toto.io/Statement/v1';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export const NOTATION_ARTIFACT = 'application/vnd.cncf.notary.signature';
export const JWS_ENVELOPE = 'application/jose+json';
export const NOTATION_PAYLOAD = 'application/vnd.cncf.notary.payload.v1+json';
export const NOTATION_SIGNING_SCHEME = 'io.cncf.notary.signingScheme';
export const NOTATION_SIGNING_TIME = 'io.cncf.notary.signingTime';
export const NOTATION_THUMBPRINTS = 'io.cncf.notary.x509chain.thumbprint#S256';

/**
 * Where the DCT facts go in every format: cosign's `optional` map, the in-toto subject's
 * annotations and Notation's user metadata (`cosign verify -a`, `notation verify --user-metadata`
 * check them). The signatures themselves bind only the digest.
 */
export const PROVENANCE = {
  gun: 'dev.trust-tui.dct.gun',
  tag: 'dev.trust-tui.dct.tag',
  role: 'dev.trust-tui.dct.role',
} as const;

export interface Provenance {
  gun: string;
  tag: string;
  /** The DCT role that signed the tag: `targets/alice`, or `targets` for the repository key. */
  role: string;
}

export function provenanceAnnotations(p: Provenance): Record<string, string> {
  return { [PROVENANCE.gun]: p.gun, [PROVENANCE.role]: p.role, [PROVENANCE.tag]: p.tag };
}

/** True when `annotations` carry exactly this provenance (other keys may be there too). */
export function carriesProvenance(annotations: unknown, p: Provenance): boolean {
  if (typeof annotations !== 'object' || annotations === null) return false;
  const a = annotations as Record<string, unknown>;
  return a[PROVENANCE.gun] === p.gun && a[PROVENANCE.tag] === p.tag && a[PROVENANCE.role] === p.role;
}

/** An OCI descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function describe(bytes: Uint8Array, mediaType: string): Descriptor {
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

// ---------------------------------------------------------------------------------------------
// cosign legacy `.sig`

/** `sha256-<hex>.sig`: the tag cosign reads signatures of `sha256:<hex>` from (pkg/oci/remote/remote.go). */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/**
 * The simple-signing payload, exactly the members containers/image's strict parser accepts
 * (signature/internal/sigstore_payload.go): critical {identity, image, type} and optional.
 * `repository` is the registry-qualified name without tag, as cosign writes it.
 */
export function simpleSigningPayload(repository: string, digest: string, optional: Record<string, string>): Buffer {
  return json({
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional,
  });
}

/** The layer descriptor of one signature: the payload blob, its DER signature in an annotation. */
export function simpleSigningLayer(payload: Uint8Array, signatureDer: Uint8Array): Descriptor {
  return { ...describe(payload, SIMPLE_SIGNING_LAYER), annotations: { [COSIGN_SIGNATURE_ANNOTATION]: Buffer.from(signatureDer).toString('base64') } };
}

/** The image config cosign writes for a `.sig` image (go-containerregistry's empty image + layers); nothing reads it back. */
export function signatureImageConfig(layers: readonly Descriptor[]): Buffer {
  return json({
    architecture: '',
    created: '0001-01-01T00:00:00Z',
    history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    config: {},
  });
}

/**
 * The `.sig` manifest after adding `layer` to `existing` (its parsed JSON, or undefined for a new
 * one): every other member and layer is kept as it was. Returns the manifest and its config blob.
 */
export function signatureImageWith(existing: Record<string, unknown> | undefined, layer: Descriptor): { manifest: Buffer; mediaType: string; config: Buffer; configDescriptor: Descriptor } {
  const layers = [...((existing?.layers as Descriptor[] | undefined) ?? []), layer];
  const config = signatureImageConfig(layers);
  const oldConfig = existing?.config as Descriptor | undefined;
  const configDescriptor = describe(config, typeof oldConfig?.mediaType === 'string' ? oldConfig.mediaType : OCI_IMAGE_CONFIG);
  const mediaType = typeof existing?.mediaType === 'string' ? existing.mediaType : OCI_MANIFEST;
  const manifest = json({ ...(existing ?? { schemaVersion: 2 }), mediaType, config: configDescriptor, layers });
  return { manifest, mediaType, config, configDescriptor };
}

// ---------------------------------------------------------------------------------------------
// cosign v3 Sigstore bundle

/** The in-toto statement cosign v3 signs for an image: one subject (the digest), no name, empty predicate. */
export function inTotoStatement(digest: string, annotations: Record<string, string>): Buffer {
  const [algorithm, hex] = digest.split(':');
  return json({
    _type: IN_TOTO_STATEMENT,
    subject: [{ digest: { [algorithm!]: hex }, annotations }],
    predicateType: COSIGN_SIGN_PREDICATE,
    predicate: {},
  });
}

/** DSSE pre-authentication encoding: what a DSSE signature covers (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md). */
export function dssePae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** cosign's key hint (internal/key/svkeypair.go): base64 of the SHA-256 of the public key's SPKI DER. */
export function publicKeyHint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('base64');
}

/** A v0.3 bundle (protobuf-specs JSON form) with a public-key hint, no log entries, one DSSE signature. */
export function sigstoreBundle(statement: Uint8Array, signatureDer: Uint8Array, hint: string): Buffer {
  return json({
    mediaType: SIGSTORE_BUNDLE,
    verificationMaterial: { publicKey: { hint }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: {
      payload: Buffer.from(statement).toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: Buffer.from(signatureDer).toString('base64'), keyid: '' }],
    },
  });
}

/** An OCI 1.1 referrer manifest: empty config, one layer, `subject` = the signed manifest. */
export function referrerManifest(artifactType: string, layer: Descriptor, subject: Descriptor, annotations: Record<string, string>, created: Date): Buffer {
  return json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: OCI_EMPTY,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { ...annotations, [CREATED_ANNOTATION]: rfc3339Seconds(created) },
  });
}

/** The manifest annotations cosign v3 writes on a bundle referrer (pkg/oci/remote/write.go). */
export const BUNDLE_MANIFEST_ANNOTATIONS = {
  'dev.sigstore.bundle.content': 'dsse-envelope',
  'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE,
} as const;

/**
 * The referrers tag schema's index after adding `entry` (kept if already listed): every other
 * member and entry of `existing` is kept.
 */
export function referrersIndexWith(existing: Record<string, unknown> | undefined, entry: Descriptor): Buffer {
  const manifests = [...((existing?.manifests as Descriptor[] | undefined) ?? [])];
  if (!manifests.some((m) => m.digest === entry.digest)) manifests.push(entry);
  return json({ ...(existing ?? { schemaVersion: 2 }), mediaType: OCI_INDEX, manifests });
}

// ---------------------------------------------------------------------------------------------
// Notation JWS

/** `{"targetArtifact": descriptor}`; the annotations are Notation's user metadata. */
export function notationPayload(subject: Descriptor, annotations: Record<string, string>): Buffer {
  return json({ targetArtifact: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size, annotations } });
}

/** The protected header of a `notary.x509` signature with an ES256 key. */
export function notationProtectedHeader(signingTime: Date): Buffer {
  return json({
    alg: 'ES256',
    crit: [NOTATION_SIGNING_SCHEME],
    cty: NOTATION_PAYLOAD,
    [NOTATION_SIGNING_SCHEME]: 'notary.x509',
    [NOTATION_SIGNING_TIME]: rfc3339Seconds(signingTime),
  });
}

/** The ASCII JWS signing input: base64url(protected) "." base64url(payload). */
export function jwsSigningInput(protectedHeader: Uint8Array, payload: Uint8Array): Buffer {
  return Buffer.from(`${Buffer.from(protectedHeader).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`, 'ascii');
}

/** The flattened JWS JSON envelope; `x5c` holds the certificates (leaf first) in standard base64. */
export function jwsEnvelope(protectedHeader: Uint8Array, payload: Uint8Array, signatureRaw: Uint8Array, chainDer: readonly Uint8Array[], agent: string): Buffer {
  return json({
    payload: Buffer.from(payload).toString('base64url'),
    protected: Buffer.from(protectedHeader).toString('base64url'),
    header: { x5c: chainDer.map((c) => Buffer.from(c).toString('base64')), 'io.cncf.notary.signingAgent': agent },
    signature: Buffer.from(signatureRaw).toString('base64url'),
  });
}

/** The required referrer annotation: SHA-256 fingerprints (lowercase hex) of the `x5c` chain, as a JSON array. */
export function thumbprintAnnotation(chainDer: readonly Uint8Array[]): string {
  return JSON.stringify(chainDer.map((c) => createHash('sha256').update(c).digest('hex')));
}

/** RFC 3339 in UTC without fractional seconds (Notation's signingTime; OCI's created). */
export function rfc3339Seconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
