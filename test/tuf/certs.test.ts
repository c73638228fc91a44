import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSerial, createRootCertificate } from '../../src/tuf/certificate-create.js';
import { certificateToKey, parseCertificateBundle } from '../../src/tuf/certs.js';
import { assessRootKeys, NO_VALID_LEAF_CERTIFICATES, requireUsableRootKeys, usableRootKeys, usableRootRole } from '../../src/tuf/root-keys.js';
import { matchesPinnedCerts, verifiedByCA } from '../../src/tuf/trust-pinning.js';
import { PublicKey } from '../../src/tuf/key.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { verifyRoleSignatures } from '../../src/tuf/threshold.js';

const GUN = 'example.com/app';
const DAY = 24 * 60 * 60 * 1000;

const ecKey = () => PrivateKey.fromKeyObject(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const rsaKey = (bits = 2048) => PrivateKey.fromKeyObject(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey);
const x509Key = (pem: string, type: 'ecdsa-x509' | 'rsa-x509' = 'ecdsa-x509') =>
  new PublicKey(type, Buffer.from(pem).toString('base64'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trust-tui-certs-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes `pem` to a scratch file and returns `openssl <command> -in file …` output. */
function inspect(pem: string, ...args: string[]): string {
  const file = join(dir, 'inspect.pem');
  writeFileSync(file, pem);
  return openssl(...args, '-in', file);
}

let serial = 1000;

/** A certificate made by openssl: self-signed, or signed by `issuer` (file stem of a cert + key). */
function opensslCert(
  stem: string,
  cn: string,
  { ca = false, eku, issuer, extra = [] }: { ca?: boolean; eku?: string; issuer?: string; extra?: string[] } = {},
): string {
  const ext = [`basicConstraints=critical,CA:${ca ? 'TRUE' : 'FALSE'}`];
  if (ca) ext.push('keyUsage=critical,keyCertSign,cRLSign');
  if (eku) ext.push(`extendedKeyUsage=${eku}`);
  writeFileSync(join(dir, `${stem}.ext`), ext.join('\n') + '\n');
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${stem}.key`, '-subj', `/CN=${cn.replace(/\//g, '\\/')}`];
  if (issuer) {
    openssl('req', '-new', ...newKey, '-out', `${stem}.csr`);
    openssl('x509', '-req', '-in', `${stem}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-set_serial', String(++serial),
      '-days', '30', '-extfile', `${stem}.ext`, '-out', `${stem}.crt`, ...extra);
  } else {
    openssl('req', '-x509', ...newKey, '-days', '30', '-extensions', 'v3', '-config', writeConfig(stem, ext), '-out', `${stem}.crt`, ...extra);
  }
  return readFileSync(join(dir, `${stem}.crt`), 'utf8');
}

function writeConfig(stem: string, ext: string[]): string {
  const file = join(dir, `${stem}.cnf`);
  writeFileSync(file, `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${ext.join('\n')}\n`);
  return file;
}

describe('createRootCertificate', () => {
  const now = new Date('2026-01-02T03:04:05.678Z');
  let key: PrivateKey;
  let pem: string;
  beforeAll(async () => {
    key = ecKey();
    pem = await createRootCertificate(key, GUN, now);
  });

  it('makes the certificate notary init makes, as openssl reads it', () => {
    const text = inspect(pem, 'x509', '-noout', '-text');
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain(`Issuer: CN = ${GUN}`);
    expect(text).toContain(`Subject: CN = ${GUN}`);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toContain('Not Before: Jan  2 03:04:05 2026 GMT');
    // 3650 days later (2028 and 2032 are leap years, so not quite ten calendar years).
    expect(text).toContain('Not After : Dec 31 03:04:05 2035 GMT');
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+Code Signing\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(text).not.toMatch(/Key Identifier/);
    expect(text.match(/X509v3 /g)).toHaveLength(4); // the "X509v3 extensions:" header plus three
  });

  it('encodes CN=<GUN> as PrintableString when Go would, else as UTF8String', async () => {
    expect(inspect(pem, 'asn1parse')).toMatch(/PRINTABLESTRING\s+:example\.com\/app/);
    const other = await createRootCertificate(key, 'docker.io/library/my_app');
    expect(inspect(other, 'asn1parse')).toMatch(/UTF8STRING\s+:docker\.io\/library\/my_app/);
  });

  it('is self-signed, PEM with 64-character lines and a trailing newline', () => {
    const cert = new X509Certificate(pem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    const body = pem.split('\n').slice(1, -2);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
  });

  it('uses a random positive serial below 2^128', async () => {
    const serials = await Promise.all([0, 1, 2].map(async () => new X509Certificate(await createRootCertificate(key, GUN)).serialNumber));
    expect(new Set(serials).size).toBe(3);
    for (const serial of serials) expect(BigInt(`0x${serial}`) < 2n ** 128n && BigInt(`0x${serial}`) > 0n).toBe(true);
  });

  it('gives an ecdsa-x509 key whose canonical ID is the private key ID', () => {
    const rootKey = x509Key(pem);
    expect(rootKey.canonicalId).toBe(key.id);
    expect(rootKey.id).not.toBe(key.id);
    // Re-encoding the certificate as Go's CertBundleToKey does gives the same key and ID.
    expect(certificateToKey(new X509Certificate(pem)).id).toBe(rootKey.id);
  });

  it('signs with sha256WithRSAEncryption for RSA keys', async () => {
    const rsa = rsaKey();
    const rsaPem = await createRootCertificate(rsa, GUN);
    expect(inspect(rsaPem, 'x509', '-noout', '-text')).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    const rootKey = certificateToKey(new X509Certificate(rsaPem));
    expect(rootKey.keytype).toBe('rsa-x509');
    expect(rootKey.canonicalId).toBe(rsa.id);
  });

  it('refuses ed25519 keys', async () => {
    const ed = PrivateKey.fromKeyObject(generateKeyPairSync('ed25519').privateKey);
    await expect(createRootCertificate(ed, GUN)).rejects.toThrow(/ECDSA or RSA/);
  });
});

describe('usableRootKeys', () => {
  const fresh = { requireCurrentValidity: true };
  const rootKeys = (...keys: PublicKey[]) => ({ ids: keys.map((k) => k.id), keys: new Map(keys.map((k) => [k.id, k])) });

  it('accepts a fresh notary root certificate for its GUN', async () => {
    const key = x509Key(await createRootCertificate(ecKey(), GUN));
    const { ids, keys } = rootKeys(key);
    const [usable, ...rest] = usableRootKeys(ids, keys, GUN, fresh);
    expect(rest).toEqual([]);
    expect(usable).toMatchObject({ keyId: key.id, intermediates: [], nearExpiry: false });
    expect(usable!.key.id).toBe(key.id);
  });

  it('rejects a certificate whose CN is another GUN', async () => {
    const key = x509Key(await createRootCertificate(ecKey(), 'example.com/other'));
    const { ids, keys } = rootKeys(key);
    expect(usableRootKeys(ids, keys, GUN, fresh)).toEqual([]);
    expect(assessRootKeys(ids, keys, GUN, fresh)[0]!.problem).toMatch(/CN "example.com\/other" does not match the GUN "example.com\/app"/);
  });

  it('accepts a wildcard CN that is a prefix of the GUN', async () => {
    const key = x509Key(await createRootCertificate(ecKey(), 'example.com/*'));
    const { ids, keys } = rootKeys(key);
    expect(usableRootKeys(ids, keys, GUN, fresh)).toHaveLength(1);
    expect(usableRootKeys(ids, keys, 'example.org/app', fresh)).toEqual([]);
  });

  it('rejects a CA certificate as the leaf, and a bundle that does not start with its leaf', () => {
    const caPem = opensslCert('root-ca', GUN, { ca: true });
    const leafPem = opensslCert('leaf', GUN, { issuer: 'root-ca' });
    const caOnly = x509Key(caPem);
    const caFirst = x509Key(caPem + leafPem);
    const leafFirst = x509Key(leafPem + caPem);
    const { ids, keys } = rootKeys(caOnly, caFirst, leafFirst);
    const verdicts = assessRootKeys(ids, keys, GUN, fresh);
    expect(verdicts[0]!.problem).toMatch(/exactly one leaf \(non-CA\) certificate, found 0/);
    expect(verdicts[1]!.problem).toMatch(/first certificate of the bundle is a CA/);
    expect(verdicts[2]!.usable?.intermediates).toHaveLength(1);
    expect(usableRootKeys(ids, keys, GUN, fresh).map((u) => u.keyId)).toEqual([leafFirst.id]);
    // The usable key (leaf and intermediate) answers its leaf, and the leaf's key ID, as if parsed from its text.
    const usable = verdicts[2]!.usable!.key;
    const reparsed = new PublicKey(usable.keytype, usable.publicB64);
    expect(usable.certificate().fingerprint256).toBe(new X509Certificate(leafPem).fingerprint256);
    expect(usable.canonicalId).toBe(reparsed.canonicalId);
  });

  it('rejects an expired certificate for a new root but keeps it for the trusted root', async () => {
    const key = x509Key(await createRootCertificate(ecKey(), GUN, new Date('2015-01-01T00:00:00Z'), 1));
    const { ids, keys } = rootKeys(key);
    expect(assessRootKeys(ids, keys, GUN, fresh)[0]!.problem).toMatch(/expired on 2016-01-01/);
    expect(usableRootKeys(ids, keys, GUN, { requireCurrentValidity: false })).toHaveLength(1);
  });

  it('tolerates notBefore up to one day in the future, not more', async () => {
    const now = new Date();
    const soon = x509Key(await createRootCertificate(ecKey(), GUN, new Date(now.getTime() + DAY / 2)));
    const later = x509Key(await createRootCertificate(ecKey(), GUN, new Date(now.getTime() + 2 * DAY)));
    const { ids, keys } = rootKeys(soon, later);
    expect(usableRootKeys(ids, keys, GUN, { now, requireCurrentValidity: true }).map((u) => u.keyId)).toEqual([soon.id]);
  });

  it('flags a certificate that expires within six months', async () => {
    const now = new Date();
    const key = x509Key(await createRootCertificate(ecKey(), GUN, new Date(now.getTime() - 300 * DAY), 1));
    const { ids, keys } = rootKeys(key);
    expect(usableRootKeys(ids, keys, GUN, { now, requireCurrentValidity: true })[0]!.nearExpiry).toBe(true);
  });

  it('rejects plain ecdsa keys with notary’s error', () => {
    const plain = ecKey().publicKey;
    const { ids, keys } = rootKeys(plain);
    expect(usableRootKeys(ids, keys, GUN, fresh)).toEqual([]);
    expect(() => requireUsableRootKeys(ids, keys, GUN, fresh)).toThrow(NO_VALID_LEAF_CERTIFICATES);
    expect(() => requireUsableRootKeys(ids, keys, GUN, fresh)).toThrow(/ecdsa key is not a certificate/);
  });

  it('rejects SHA-1 signed certificates and RSA keys below 2048 bits', async () => {
    const sha1 = x509Key(opensslCert('sha1', GUN, { extra: ['-sha1'] }));
    const shortRsa = x509Key(await createRootCertificate(rsaKey(1024), GUN), 'rsa-x509');
    const { ids, keys } = rootKeys(sha1, shortRsa);
    const verdicts = assessRootKeys(ids, keys, GUN, fresh);
    expect(verdicts[0]!.problem).toMatch(/SHA1 signature algorithm/);
    expect(verdicts[1]!.problem).toMatch(/RSA key shorter than 2048 bits/);
  });

  it('considers only the keys listed for the root role', async () => {
    const listed = x509Key(await createRootCertificate(ecKey(), GUN));
    const unlisted = x509Key(await createRootCertificate(ecKey(), GUN));
    const { keys } = rootKeys(listed, unlisted);
    expect(usableRootKeys([listed.id, 'f'.repeat(64)], keys, GUN, fresh).map((u) => u.keyId)).toEqual([listed.id]);
  });

  it('feeds threshold verification of root.json with the usable keys only', async () => {
    const signer = ecKey();
    const good = x509Key(await createRootCertificate(signer, GUN));
    const wrongGunSigner = ecKey();
    const wrongGun = x509Key(await createRootCertificate(wrongGunSigner, 'example.com/other'));
    const { ids, keys } = rootKeys(good, wrongGun);
    const { role, keys: verifyKeys } = usableRootRole(usableRootKeys(ids, keys, GUN, fresh), 1);
    const msg = Buffer.from('{"_type":"Root"}');
    const sig = (k: PrivateKey, id: string) => ({ keyid: id, method: 'ecdsa', sig: k.sign(msg).toString('base64') });
    expect(verifyRoleSignatures('root', msg, [sig(signer, good.id)], role, verifyKeys).validKeyIds).toEqual([good.id]);
    expect(() => verifyRoleSignatures('root', msg, [sig(wrongGunSigner, wrongGun.id)], role, verifyKeys)).toThrow(/did not meet threshold/);
  });
});

describe('trust pinning', () => {
  it('matches pinned certs by the x509 TUF key ID, not the canonical ID', async () => {
    const signer = ecKey();
    const key = x509Key(await createRootCertificate(signer, GUN));
    const usable = usableRootKeys([key.id], { [key.id]: key }, GUN, { requireCurrentValidity: true });
    expect(matchesPinnedCerts(usable, [key.id])).toHaveLength(1);
    expect(matchesPinnedCerts(usable, [signer.id])).toEqual([]);
  });

  describe('verifiedByCA', () => {
    let caPem: string;
    beforeAll(() => {
      caPem = opensslCert('pin-ca', 'Pinned CA', { ca: true });
    });

    it('accepts a CA-issued leaf without extKeyUsage or with serverAuth', () => {
      expect(verifiedByCA(opensslCert('no-eku', GUN, { issuer: 'pin-ca' }), [], [caPem])).toMatchObject({ verified: true });
      const serverAuth = verifiedByCA(opensslCert('server-auth', GUN, { issuer: 'pin-ca', eku: 'serverAuth,codeSigning' }), [], [caPem]);
      expect(serverAuth.verified).toBe(true);
      expect(serverAuth.chain).toHaveLength(2);
    });

    it('refuses a codeSigning-only leaf as Go does, and says that EKU is the reason', () => {
      const leaf = opensslCert('code-signing', GUN, { issuer: 'pin-ca', eku: 'codeSigning' });
      const result = verifiedByCA(leaf, [], [caPem]);
      expect(result).toMatchObject({ verified: false, blockedByServerAuthEku: true });
      expect(result.problem).toMatch(/without serverAuth/);
      expect(verifiedByCA(leaf, [], [caPem], { requireServerAuthEku: false }).verified).toBe(true);
    });

    it('refuses a leaf issued by another CA', () => {
      opensslCert('other-ca', 'Other CA', { ca: true });
      const leaf = opensslCert('foreign', GUN, { issuer: 'other-ca' });
      expect(verifiedByCA(leaf, [], [caPem])).toMatchObject({ verified: false, blockedByServerAuthEku: false });
    });

    it('builds the path through intermediates from the root key bundle', () => {
      const intermediate = opensslCert('intermediate', 'Intermediate CA', { ca: true, issuer: 'pin-ca' });
      const leaf = opensslCert('via-intermediate', GUN, { issuer: 'intermediate' });
      expect(verifiedByCA(leaf, [intermediate], [caPem])).toMatchObject({ verified: true });
      expect(verifiedByCA(leaf, [], [caPem]).verified).toBe(false);
      // The same chain as a root key bundle: usableRootKeys hands leaf and intermediates over.
      const key = x509Key(leaf + intermediate);
      const [usable] = usableRootKeys([key.id], { [key.id]: key }, GUN, { requireCurrentValidity: true });
      expect(verifiedByCA(usable!.leaf, usable!.intermediates, [caPem]).verified).toBe(true);
    });

    it('refuses when no certificate of the CA bundle is currently valid', () => {
      const leaf = opensslCert('late', GUN, { issuer: 'pin-ca' });
      const result = verifiedByCA(leaf, [], [caPem], { now: new Date(Date.now() + 60 * DAY) });
      expect(result).toMatchObject({ verified: false, problem: 'invalid CA certs provided' });
    });
  });
});

describe('parseCertificateBundle', () => {
  it('refuses non-certificate PEM blocks and text without certificates, as Go does', () => {
    expect(() => parseCertificateBundle('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(/invalid PEM block type: PUBLIC KEY/);
    expect(() => parseCertificateBundle('hello')).toThrow(/no valid certificates found/);
  });
});

describe('certificate serial numbers', () => {
  it('are always minimal positive DER integers (OpenSSL rejects a padded one as "illegal padding")', () => {
    for (let i = 0; i < 20_000; i++) {
      const serial = new Uint8Array(randomSerial());
      expect(serial[0]! & 0x80).toBe(0);
      if (serial.length > 1 && serial[0] === 0) expect(serial[1]! & 0x80).not.toBe(0);
    }
  });
});
