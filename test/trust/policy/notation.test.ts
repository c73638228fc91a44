/**
 * Notation inputs: which certificates a Notation verifier would take as a signer's self-signed
 * signing certificate (and which key they must carry), the identity string built from the subject,
 * and writing the trust policy next to policies already in the directory.
 */
import { generateKeyPairSync, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeyUsageFlags, id_kp_serverAuth } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { policyCaveats } from '../../../src/trust/policy/caveats.js';
import { POLICY_FORMATS, type PolicyFormat } from '../../../src/trust/policy/common.js';
import { kyvernoNotaryPolicy, notationAttemptsWarning } from '../../../src/trust/policy/kyverno.js';
import { checkSignerCertificate, escapeDnValue } from '../../../src/trust/policy/notation-certificate.js';
import { notationPolicy } from '../../../src/trust/policy/notation.js';
import { spkiPem, type PolicySigner } from '../../../src/trust/policy/signers.js';
import { writePolicy } from '../../../src/trust/policy/write.js';
import { makeCertificate, notationSubject } from '../../helpers/notation-cert.js';

const GUN = 'registry.example.com/team/app';
const DAY = 86_400_000;

function signer(name: string, ...keys: KeyObject[]): PolicySigner {
  return {
    name,
    role: `targets/${name}`,
    state: 'trusted',
    threshold: 1,
    keys: keys.map((k, i) => {
      const spki = createPublicKey(k).export({ type: 'spki', format: 'der' });
      return { id: `${name}${i}`.padEnd(64, '0'), keytype: 'ecdsa', pem: spkiPem(spki), spki };
    }),
    unusableKeys: [],
  };
}
const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

describe('a signer certificate for Notation', () => {
  const key = ecKey();
  const alice = signer('alice', ecKey(), key);
  const good = makeCertificate(key, { subject: notationSubject(GUN, 'alice') });

  it('is taken when self-signed over one of the signer\'s keys with keyUsage digitalSignature only; the identity is its subject', async () => {
    const c = await checkSignerCertificate(alice, good, 'alice.crt');
    expect(c.subject).toBe(`C=ZZ, ST=Docker Content Trust, O=${GUN}, CN=alice`);
    expect(c.keyId).toBe(alice.keys[1]!.id);
  });

  it.each([
    ['notary-made (keyEncipherment)', { keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment }, /keyUsage allows keyEncipherment/],
    ['expired', { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) }, /it expired on/],
    ['a CA', { ca: true }, /CA certificate/],
    ['for TLS servers', { eku: [id_kp_serverAuth] }, /extendedKeyUsage includes serverAuth/],
    ['without C, ST and O', { subject: [['CN', 'alice']] as [string, string][] }, /subject lacks C, ST, O/],
    ['issued by another key', { issuerKey: ecKey() }, /not self-signed/],
  ])('is refused when %s', async (_, options, why) => {
    const pem = makeCertificate(key, { subject: notationSubject(GUN, 'alice'), ...options });
    await expect(checkSignerCertificate(alice, pem, 'x.crt')).rejects.toThrow(why);
  });

  it('is refused when it carries a key the signer does not have, naming the signer\'s keys', async () => {
    await expect(checkSignerCertificate(signer('bob', ecKey()), good, 'alice.crt')).rejects.toThrow(/not a key of bob in the trust data \(bob's keys: bob0000/);
    await expect(checkSignerCertificate(alice, good + good, 'two.crt')).rejects.toThrow(/holds 2 certificates/);
    await expect(checkSignerCertificate(alice, 'hello', 'junk.crt')).rejects.toThrow(/not a PEM or DER certificate/);
  });

  it('escapes subject values as LDAP DNs', () => {
    expect(escapeDnValue('a,b+c;d"e<f>g=h\\i')).toBe('a\\,b\\+c\\;d\\"e\\<f\\>g\\=h\\\\i');
    expect(escapeDnValue(' #x ')).toBe('\\ #x\\ ');
  });
});

describe('writing a Notation policy directory', () => {
  it('keeps foreign policies, replaces its own, drops certificates of signers no longer required, and refuses a foreign policy on the same scope', async () => {
    const [ka, kb] = [ecKey(), ecKey()];
    const a = await checkSignerCertificate(signer('alice', ka), makeCertificate(ka, { subject: notationSubject(GUN, 'alice') }), 'a.crt');
    const b = await checkSignerCertificate(signer('bob', kb), makeCertificate(kb, { subject: notationSubject(GUN, 'bob') }), 'b.crt');
    const dir = await mkdtemp(path.join(tmpdir(), 'notation-out-'));
    const foreign = { name: 'other', registryScopes: ['registry.example.com/other'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] };
    await writeFile(path.join(dir, 'trustpolicy.oci.json'), JSON.stringify({ version: '1.0', trustPolicies: [foreign] }));
    const both = notationPolicy({ gun: GUN, signers: [signer('alice', ka), signer('bob', kb)], threshold: 1, caveats: [] }, [a, b]);
    await writePolicy('notation', both.files, dir);
    const onlyBob = notationPolicy({ gun: GUN, signers: [signer('bob', kb)], threshold: 1, caveats: [] }, [b]);
    const written = await writePolicy('notation', onlyBob.files, dir);
    expect(written.map((p) => path.relative(dir, p))).toEqual(['truststore/x509/ca/dct-registry-example-com-team-app/bob.crt', 'trustpolicy.oci.json']);
    const policy = JSON.parse(await readFile(path.join(dir, 'trustpolicy.oci.json'), 'utf8'));
    expect(policy.trustPolicies.map((p: { name: string }) => p.name)).toEqual(['other', 'dct-registry-example-com-team-app']);
    expect(policy.trustPolicies[1].trustedIdentities).toEqual([`x509.subject: C=ZZ, ST=Docker Content Trust, O=${GUN}, CN=bob`]);
    expect(await readdir(path.join(dir, 'truststore/x509/ca/dct-registry-example-com-team-app'))).toEqual(['bob.crt']);

    const clash = await mkdtemp(path.join(tmpdir(), 'notation-clash-'));
    await mkdir(clash, { recursive: true });
    await writeFile(path.join(clash, 'trustpolicy.oci.json'), JSON.stringify({ version: '1.0', trustPolicies: [{ ...foreign, registryScopes: [GUN] }] }));
    await expect(writePolicy('notation', onlyBob.files, clash)).rejects.toThrow(/trust policy "other" .* already covers registry.example.com\/team\/app: nothing was written/);
    expect(await readdir(clash)).toEqual(['trustpolicy.oci.json']);
  });
});

describe('Kyverno type Notary and the caveats of every format', () => {
  const selection = (signers: PolicySigner[], threshold: number) => ({ signers, threshold, leftOut: [] });

  it('one entry per signer with all its certificates, k of n, and a nested set for a signer needing two of its keys', async () => {
    const [ka, kb, kt1, kt2] = [ecKey(), ecKey(), ecKey(), ecKey()];
    const team = { ...signer('team', kt1, kt2), threshold: 2 };
    const cert = (s: PolicySigner, k: KeyObject) => checkSignerCertificate(s, makeCertificate(k, { subject: notationSubject(GUN, s.name) }), `${s.name}.crt`);
    const alice = signer('alice', ka);
    const bob = signer('bob', kb);
    // alice re-exported with a second certificate over the same key: both are trust anchors.
    const certs = [await cert(alice, ka), await cert(alice, ka), await cert(bob, kb), await cert(team, kt1), await cert(team, kt2)];
    const caveats = policyCaveats({ gun: GUN, format: 'kyverno-notary', selection: selection([alice, bob, team], 2), offline: false, certificates: certs });
    const built = kyvernoNotaryPolicy({ gun: GUN, signers: [alice, bob, team], threshold: 2, caveats }, certs);
    expect(built.files[0]!.path).toBe('dct-registry-example-com-team-app.kyverno-notary.yaml');
    const text = built.files[0]!.content;
    const rule = parseAllDocuments(text)[0]!.toJS().spec.rules[0].verifyImages[0];
    expect(rule).toMatchObject({ type: 'Notary', imageReferences: [GUN, `${GUN}:*`, `${GUN}@*`] });
    expect(rule.attestors[0].count).toBe(2);
    const [a, b, t] = rule.attestors[0].entries;
    const pems = (cert: string) => cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(pems(a.certificates.cert)).toHaveLength(2);
    expect(new X509Certificate(b.certificates.cert).raw.equals(new X509Certificate(certs[2]!.pem).raw)).toBe(true);
    expect(t.attestor.count).toBe(2);
    expect(t.attestor.entries).toHaveLength(2);
    expect(text).not.toContain('No transparency log');
    expect(text).toMatch(/# .*passes no user metadata/);
    expect(notationAttemptsWarning(10)).toBeUndefined();
    expect(notationAttemptsWarning(11)).toMatch(/at most 10 Notation signatures .* names 11 signers/);
    // team needs two keys, but only one has a certificate.
    expect(() => kyvernoNotaryPolicy({ gun: GUN, signers: [team], threshold: 1, caveats: [] }, [certs[3]!])).toThrow(/needs 2 of its keys, but Notation certificates exist for 1/);
  });

  it('names the tag annotation in every format, and says how a format that can check it does', () => {
    const alice = signer('alice', ecKey());
    const digestCaveat = (format: PolicyFormat) =>
      policyCaveats({ gun: GUN, format, selection: selection([alice], 1), offline: false }).find((c) => c.startsWith('Digest-only binding'))!;
    for (const format of POLICY_FORMATS) expect(digestCaveat(format)).toContain('dev.trust-tui.dct.tag, dev.trust-tui.dct.role, dev.trust-tui.dct.gun');
    expect(digestCaveat('kyverno')).toContain('annotations: {dev.trust-tui.dct.tag: <tag>}');
    expect(digestCaveat('cosign-cmd')).toContain('cosign verify --key KEY --insecure-ignore-tlog=true -a dev.trust-tui.dct.tag=<tag>');
    expect(digestCaveat('notation')).toContain('notation verify --user-metadata dev.trust-tui.dct.tag=<tag>');
    expect(digestCaveat('policy-controller')).toContain('deploy by digest');
  });
});
