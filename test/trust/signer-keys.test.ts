/** `--key FILE` of `signer add`: public keys and certificates become the TUF keys notary would write. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyPem } from '../../src/trust/keys.js';
import { publicKeyFromPem } from '../../src/trust/signer-keys.js';
import { createRootCertificate } from '../../src/tuf/certificate-create.js';
import { PrivateKey } from '../../src/tuf/private-key.js';
import { newEcdsaKey, newEd25519Key } from '../tuf/memory-repo.js';

describe('publicKeyFromPem', () => {
  it('reads the .pub docker trust key generate writes as the same ecdsa key notary stores', () => {
    const key = newEcdsaKey();
    const pub = publicKeyFromPem(publicKeyPem(key, 'alice'), 'alice.pub');
    expect(pub.keytype).toBe('ecdsa');
    expect(pub.id).toBe(key.id);
  });

  it('reads ed25519 and rsa public keys', () => {
    const ed = newEd25519Key();
    const edPub = publicKeyFromPem(publicKeyPem(ed, 'ed'), 'ed.pub');
    expect([edPub.keytype, edPub.publicBytes.length, edPub.id]).toEqual(['ed25519', 32, ed.id]);
    const rsa = PrivateKey.fromKeyObject(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(publicKeyFromPem(publicKeyPem(rsa, 'r'), 'r.pub')).toMatchObject({ keytype: 'rsa' });
  });

  it('turns a certificate into an ecdsa-x509 key whose canonical ID is the plain key ID', async () => {
    const key = newEcdsaKey();
    const pem = await createRootCertificate(key, 'alice');
    const pub = publicKeyFromPem(`some text before\n${pem}`, 'alice.crt');
    expect(pub.keytype).toBe('ecdsa-x509');
    expect(pub.canonicalId).toBe(key.id);
    expect(pub.id).not.toBe(key.id);
    expect(pub.publicBytes.toString()).toBe(pem);
  });

  it('refuses expired certificates as notary delegation add does', async () => {
    const pem = await createRootCertificate(newEcdsaKey(), 'alice', new Date('2000-01-01T00:00:00Z'), 1);
    expect(() => publicKeyFromPem(pem, 'old.crt')).toThrow(/certificate in old.crt expired/);
  });

  it("refuses files that hold no public key, with docker's message", () => {
    expect(() => publicKeyFromPem('{"fake":"manifest v1"}\n', 'm1.json')).toThrow(
      'could not parse public key from file: m1.json: no valid public key found',
    );
    const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => publicKeyFromPem(pkcs8, 'alice.key')).toThrow(/alice.key: it holds a private key/);
    expect(() => publicKeyFromPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'bad.pub')).toThrow(
      /could not parse public key from file: bad.pub/,
    );
  });

  it('refuses RSA keys shorter than 2048 bits: no signature of theirs would verify, here or in notary', () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => publicKeyFromPem(k, 'weak.pub')).toThrow(/weak.pub: its RSA key has 1024 bits; signatures need at least 2048/);
  });

  it('refuses curves notary cannot verify', () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => publicKeyFromPem(k, 'k1.pub')).toThrow(/curve secp256k1 is not supported/);
  });
});
