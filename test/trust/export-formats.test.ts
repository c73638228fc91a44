// The export's layouts, signing and product-side checks in-process: what the signing code makes, the
// product's verifier and the independent verifiers accept; wrong keys, tampering, another digest or
// another tag are refused; the Notation certificate has the profile Notation requires and is reused.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { describe as descriptor, provenanceAnnotations, simpleSigningPayload } from '../../src/trust/export/formats.js';
import { notationCertificate } from '../../src/trust/export/notation-certificate.js';
import { exportSigningKey, signBundle, signNotation, signSimpleSigning } from '../../src/trust/export/sign-signatures.js';
import { checkBundle, checkNotation, checkSimpleSigning, type Expected } from '../../src/trust/export/verify-signatures.js';
import { verifyNotationJws, verifySigstoreBundle, verifySimpleSigning } from '../helpers/signature-verifiers.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const alice = p256();
const mallory = p256();
const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 525 };
const expected: Expected = { repository: 'registry.example.com/team/app', subject, provenance: { gun: 'registry.example.com/team/app', tag: 'v1', role: 'targets/alice' } };
const annotations = provenanceAnnotations(expected.provenance);
const otherTag: Expected = { ...expected, provenance: { ...expected.provenance, tag: 'v2' } };
const otherDigest: Expected = { ...expected, subject: { ...subject, digest: `sha256:${'2'.repeat(64)}` } };

describe('export signatures', () => {
  it('.sig: verifies with the key (product and independent check), not with another key, tampered, or for another digest or tag', () => {
    const { payload, layer } = signSimpleSigning(alice.privateKey, expected.repository, subject.digest, annotations);
    expect(checkSimpleSigning(layer, payload, [alice.publicKey], expected)).toBeUndefined();
    expect(verifySimpleSigning(layer, payload, alice.publicKey, subject.digest, expected.repository)).toEqual(annotations);
    expect(checkSimpleSigning(layer, payload, [mallory.publicKey], expected)).toMatch(/does not verify/);
    expect(checkSimpleSigning(layer, Buffer.from(payload.toString().replace('v1', 'v2')), [alice.publicKey], otherTag)).toMatch(/does not verify/);
    expect(checkSimpleSigning(layer, payload, [alice.publicKey], otherDigest)).toMatch(/another manifest digest/);
    expect(checkSimpleSigning(layer, payload, [alice.publicKey], otherTag)).toMatch(/another tag/);
    // exactly the members containers/image accepts
    expect(Object.keys(JSON.parse(simpleSigningPayload('r', subject.digest, {}).toString()).critical)).toEqual(['identity', 'image', 'type']);
  });

  it('bundle: @sigstore/verify and the product accept it; another key, a changed statement or digest are refused', () => {
    const bundle = signBundle(alice.privateKey, subject.digest, annotations);
    expect(checkBundle(bundle, [alice.publicKey], expected)).toBeUndefined();
    expect(verifySigstoreBundle(bundle, alice.publicKey, subject.digest)).toEqual(annotations);
    expect(() => verifySigstoreBundle(bundle, mallory.publicKey, subject.digest)).toThrow();
    expect(checkBundle(bundle, [mallory.publicKey], expected)).toMatch(/does not verify/);
    expect(checkBundle(bundle, [alice.publicKey], otherDigest)).toMatch(/another manifest digest/);
    const parsed = JSON.parse(bundle.toString());
    parsed.dsseEnvelope.payload = Buffer.from(Buffer.from(parsed.dsseEnvelope.payload, 'base64').toString().replace('"v1"', '"v2"')).toString('base64');
    expect(checkBundle(Buffer.from(JSON.stringify(parsed)), [alice.publicKey], otherTag)).toMatch(/does not verify/);
  });

  it('notation: jose and the product accept it; the certificate profile is what Notation requires; it is stored 0644 and reused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-export-'));
    const spki = alice.publicKey.export({ type: 'spki', format: 'der' });
    const who = { gun: expected.provenance.gun, signer: 'alice' };
    const cert = await notationCertificate(dir, alice.privateKey, spki, who, new Date(), () => undefined);
    expect(cert.created).toBe(true);
    expect(statSync(cert.path).mode & 0o777).toBe(0o644);
    const x = new X509Certificate(readFileSync(cert.path));
    expect(x.subject).toBe('C=ZZ\nST=Docker Content Trust\nO=registry.example.com/team/app\nCN=alice');
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3']); // node lists the extended key usage: codeSigning only
    const again = await notationCertificate(dir, alice.privateKey, spki, who, new Date(), () => undefined);
    expect(again.created).toBe(false);
    expect(again.der.equals(cert.der)).toBe(true);
    const warnings: string[] = [];
    const otherKey = await notationCertificate(dir, mallory.privateKey, mallory.publicKey.export({ type: 'spki', format: 'der' }), who, new Date(), (m) => warnings.push(m));
    expect(otherKey.created).toBe(true);
    expect(warnings[0]).toMatch(/over another key/);

    const envelope = signNotation(alice.privateKey, subject, annotations, [cert.der], new Date(), 'trust-tui');
    expect(checkNotation(envelope, [alice.publicKey], expected)).toBeUndefined();
    expect((await verifyNotationJws(envelope, alice.publicKey, subject)).annotations).toEqual(annotations);
    expect(checkNotation(envelope, [mallory.publicKey], expected)).toMatch(/not over the signer key/);
    expect(checkNotation(envelope, [alice.publicKey], { ...expected, subject: { ...subject, size: 1 } })).toMatch(/another manifest/);
    const jws = JSON.parse(envelope.toString());
    jws.payload = Buffer.from(Buffer.from(jws.payload, 'base64url').toString().replace('525', '526')).toString('base64url');
    expect(checkNotation(Buffer.from(JSON.stringify(jws)), [alice.publicKey], { ...expected, subject: { ...subject, size: 526 } })).toMatch(/does not verify/);
    await expect(verifyNotationJws(Buffer.from(JSON.stringify(jws)), alice.publicKey, { ...subject, size: 526 })).rejects.toThrow();
    expect(descriptor(envelope, 'application/jose+json').digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses keys other than ECDSA P-256, saying which key it is', () => {
    const p384 = PrivateKey.fromKeyObject(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey);
    expect(() => exportSigningKey(p384, 'alice')).toThrow(/the key of alice is ECDSA secp384r1: export signs with ECDSA P-256 keys only/);
    const ed = PrivateKey.fromKeyObject(generateKeyPairSync('ed25519').privateKey);
    expect(() => exportSigningKey(ed, 'alice')).toThrow(/is ed25519/);
  });
});
