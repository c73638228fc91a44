/**
 * A throwaway PKI for loopback TLS, made with the openssl CLI:
 * a CA, a server certificate for notary-server / docker-registry, a notary-signer certificate
 * (mutual TLS: serverAuth + clientAuth) and the client certificate notary-server presents to the signer.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, runCommand } from './proc.js';

export interface PkiFiles {
  dir: string;
  caCert: string;
  caKey: string;
  /** serverAuth; SAN IP:127.0.0.1, DNS:localhost. */
  serverCert: string;
  serverKey: string;
  /** notary-signer's gRPC endpoint: serverAuth + clientAuth. */
  signerCert: string;
  signerKey: string;
  /** notary-server's client certificate towards notary-signer: clientAuth. */
  clientCert: string;
  clientKey: string;
}

const VALID_DAYS = '30';
// Go's TLS stack checks SANs only (CN is ignored), so both loopback spellings go in the SAN.
const LOOPBACK_SAN = 'DNS:localhost,IP:127.0.0.1';

/** Runs openssl; `at` (faketime's syntax, e.g. `2020-01-01 00:00:00`) makes it believe it is then. */
async function openssl(args: string[], cwd: string, at?: string): Promise<void> {
  const result = at
    ? await runCommand(requireBinary('faketime'), [at, requireBinary('openssl'), ...args], { cwd })
    : await runCommand(requireBinary('openssl'), args, { cwd });
  if (result.code !== 0) {
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  }
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

interface LeafOptions {
  /** e.g. `DNS:notary.example.com`; default: both loopback names. */
  subjectAltName?: string;
  /** When the certificate is issued (faketime's syntax): its 30 days start then. Default: now. */
  issuedAt?: string;
}

async function makeLeaf(dir: string, name: string, extendedKeyUsage: string, options: LeafOptions = {}): Promise<void> {
  await openssl(['req', ...P256, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
  await writeFile(
    path.join(dir, `${name}.ext`),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${extendedKeyUsage}`,
      `subjectAltName=${options.subjectAltName ?? LOOPBACK_SAN}`,
      '',
    ].join('\n'),
  );
  // A random serial instead of -CAcreateserial: no shared ca.srl file to race on.
  const serial = `0x${randomBytes(8).toString('hex')}`;
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial,
      '-days', VALID_DAYS, '-extfile', `${name}.ext`, '-out', `${name}.crt`],
    dir,
    options.issuedAt,
  );
}

/**
 * One more server certificate from the CA of `pki` (serverAuth), e.g. one issued in 2020 (expired)
 * or for other names; returns its certificate and key files.
 */
export async function makeServerCertificate(pki: PkiFiles, name: string, options: LeafOptions): Promise<{ cert: string; key: string }> {
  await makeLeaf(pki.dir, name, 'serverAuth', options);
  return { cert: path.join(pki.dir, `${name}.crt`), key: path.join(pki.dir, `${name}.key`) };
}

/** Writes the CA and the three leaf certificates into `dir` (created if needed). */
export async function makePki(dir: string): Promise<PkiFiles> {
  await mkdir(dir, { recursive: true });
  await openssl(
    ['req', '-x509', ...P256, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', VALID_DAYS,
      '-subj', '/CN=trust-tui test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  await Promise.all([
    makeLeaf(dir, 'server', 'serverAuth'),
    makeLeaf(dir, 'signer', 'serverAuth,clientAuth'),
    makeLeaf(dir, 'srvclient', 'clientAuth'),
  ]);
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    signerCert: file('signer.crt'),
    signerKey: file('signer.key'),
    clientCert: file('srvclient.crt'),
    clientKey: file('srvclient.key'),
  };
}
