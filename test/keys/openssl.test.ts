// Interop with the openssl binary: OpenSSL reads the files we write, and we read what it writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WrongPassphraseError } from '../../src/keys/errors.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { encodeKeyFile, openKeyFile, parseKeyFile } from '../../src/keys/keyfile.js';
import { run, scratchDir, stripPemHeaders } from './fixtures.js';
import { requireBinary } from '../helpers/proc.js';

const PASS = 'abcdefgh-1234';

/** The base64 SPKI between the PUBLIC KEY lines of `openssl pkey -pubout` output. */
const spkiOf = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe('openssl interop', () => {
  beforeAll(() => {
    requireBinary('openssl');
  });

  it('our encrypted file is PBES2 / PBKDF2 without PRF field / 2048 iterations / aes-256-cbc', async () => {
    const dir = scratchDir();
    const file = join(dir, 'k.pem');
    writeFileSync(file, stripPemHeaders(await encodeKeyFile(await generatePrivateKey(), { role: 'targets', gun: 'g' }, PASS)));
    const asn1 = run('openssl', ['asn1parse', '-in', file]);
    const objects = [...asn1.matchAll(/OBJECT\s+:(\S+)/g)].map((m) => m[1]);
    // A PRF field would add an hmacWith* object; notary (Go) cannot read files that have one.
    expect(objects).toEqual(['PBES2', 'PBKDF2', 'aes-256-cbc']);
    expect(asn1).toMatch(/prim:\s+OCTET STRING\s+\[HEX DUMP\]:[0-9A-F]{16}\n.*INTEGER\s+:0800\n/);
    expect(asn1).toMatch(/l=\s*16 prim:\s+OCTET STRING/); // 16-byte IV
  });

  it.each(['ecdsa', 'rsa'] as const)('openssl pkey decrypts our %s file and derives the same public key', async (algorithm) => {
    const dir = scratchDir();
    const key = await generatePrivateKey(algorithm, { rsaBits: 2048 });
    const file = join(dir, 'k.pem');
    writeFileSync(file, stripPemHeaders(await encodeKeyFile(key, { role: 'root' }, PASS)));
    const pub = run('openssl', ['pkey', '-in', file, '-passin', `pass:${PASS}`, '-pubout']);
    expect(spkiOf(pub)).toBe(key.publicKey.publicB64);
    expect(() => run('openssl', ['pkey', '-in', file, '-passin', 'pass:wrong-pass', '-pubout'])).toThrow();
  });

  it('reads a PBES2 file from openssl pkcs8 -topk8 -v2 aes-256-cbc (HMAC-SHA256 PRF)', async () => {
    const plain = run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const encrypted = run('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASS}`], { input: plain });
    expect(run('openssl', ['asn1parse'], { input: encrypted })).toContain('hmacWithSHA256');
    const pub = run('openssl', ['pkey', '-pubout'], { input: plain });
    const file = parseKeyFile(encrypted, 'openssl.pem');
    expect((await openKeyFile(file, PASS)).publicKey.publicB64).toBe(spkiOf(pub));
    await expect(openKeyFile(file, 'wrong-pass')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('reads an openssl ecparam -genkey file (EC PARAMETERS block first)', async () => {
    const pem = run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey']);
    expect(pem.startsWith('-----BEGIN EC PARAMETERS-----')).toBe(true);
    const pub = run('openssl', ['pkey', '-pubout'], { input: pem });
    expect((await openKeyFile(parseKeyFile(pem, 'ec.pem'), '')).publicKey.publicB64).toBe(spkiOf(pub));
  });

  it('reads a PKCS#1 RSA key (openssl genrsa -traditional)', async () => {
    const pem = run('openssl', ['genrsa', '-traditional', '2048']);
    expect(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----')).toBe(true);
    const pub = run('openssl', ['pkey', '-pubout'], { input: pem });
    expect((await openKeyFile(parseKeyFile(pem, 'rsa.pem'), '')).publicKey.publicB64).toBe(spkiOf(pub));
  });

  it('reads a legacy encrypted SEC1 key (openssl ec -aes256)', async () => {
    const plain = run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
    const pem = run('openssl', ['ec', '-aes256', '-passout', `pass:${PASS}`], { input: plain });
    expect(pem).toContain('Proc-Type: 4,ENCRYPTED');
    const pub = run('openssl', ['pkey', '-pubout'], { input: plain });
    const file = parseKeyFile(pem, 'legacy.pem');
    expect((await openKeyFile(file, PASS)).publicKey.publicB64).toBe(spkiOf(pub));
    await expect(openKeyFile(file, 'wrong-pass')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('reads an RFC 8410 ed25519 key (openssl genpkey -algorithm ed25519)', async () => {
    const pem = run('openssl', ['genpkey', '-algorithm', 'ed25519']);
    const pubDer = Buffer.from(spkiOf(run('openssl', ['pkey', '-pubout'], { input: pem })), 'base64');
    const key = await openKeyFile(parseKeyFile(pem, 'ed.pem'), '');
    expect(key.algorithm).toBe('ed25519');
    expect(key.publicKey.publicBytes).toEqual(pubDer.subarray(-32)); // raw key = last 32 bytes of the SPKI
  });
});
