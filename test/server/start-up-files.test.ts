// Start-up refusals of the files an operator names, in words: OpenSSL says "no start line" for a
// swapped certificate and key, and mkdir says EEXIST for a data directory that is a file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type PkiFiles } from '../helpers/pki.js';
import { startTestServer } from './server-harness.js';

describe('server start-up files', () => {
  let dir: string;
  let pki: PkiFiles;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-start-up-files-'));
    pki = await makePki(path.join(dir, 'pki'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (tlsCert: string, tlsKey: string) => startTestServer({ dataDir: path.join(dir, 'data'), tlsCert, tlsKey });

  it('says when --tls-cert and --tls-key are swapped', async () => {
    await expect(start(pki.serverKey, pki.serverCert)).rejects.toThrow(
      `--tls-cert ${pki.serverKey} and --tls-key ${pki.serverCert} cannot serve TLS: the two files are swapped: give the certificate to --tls-cert and the private key to --tls-key`,
    );
  });

  it('says which file holds the wrong thing, and when the key belongs to another certificate', async () => {
    await expect(start(pki.serverCert, pki.caCert)).rejects.toThrow('cannot serve TLS: the key file holds no PEM private key (it holds a certificate)');
    await expect(start(pki.serverKey, pki.serverKey)).rejects.toThrow('cannot serve TLS: the certificate file holds no PEM certificate (it holds a private key)');
    await expect(start(pki.serverCert, pki.signerKey)).rejects.toThrow("cannot serve TLS: the key is not the certificate's");
  });

  it('says a --data that is a file is a file', async () => {
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, '');
    await expect(startTestServer({ dataDir: file })).rejects.toThrow(`cannot use the data directory ${file}: ${file} is a file, not a directory; give --data a directory this user can write`);
    await expect(startTestServer({ dataDir: path.join(file, 'below') })).rejects.toThrow(`: ${file} is a file, not a directory;`);
  });
});
