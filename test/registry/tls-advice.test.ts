/**
 * What the registry client advises when a registry's TLS certificate is refused, against a real TLS
 * server: a certificate outside its validity period or for other names gets advice about that
 * certificate; only one that does not chain to a trusted CA gets "put its CA in …".
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { makePki, makeScratchDir, makeServerCertificate, removeScratchDir, type PkiFiles } from '../helpers/peers.js';

let dir: string;
let pki: PkiFiles;
const servers: https.Server[] = [];

beforeAll(async () => {
  dir = await makeScratchDir('registry-tls-advice');
  pki = await makePki(path.join(dir, 'pki'));
});
afterAll(async () => {
  for (const server of servers) server.close();
  await removeScratchDir(dir);
});

/** A registry that answers every request with 200, serving a certificate from `pki`'s CA made with `options`. */
async function registryWith(name: string, options: Parameters<typeof makeServerCertificate>[2]): Promise<string> {
  const files = await makeServerCertificate(pki, name, options);
  const server = https.createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (_req, res) => res.writeHead(200).end('{}'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The error and hint of reading a manifest from `host`, trusting `caFile`. */
async function failure(host: string, caFile = pki.caCert): Promise<{ message: string; hint?: { cli: string; ui: string } }> {
  const client = new RegistryClient({
    credentials: async () => undefined,
    tls: { caPem: [readFileSync(caFile, 'utf8')] },
    dockerConfigDir: path.join(dir, 'docker'),
    env: { ...process.env, TRUST_TUI_DOCKER_DAEMON_CONFIG: path.join(dir, 'no-daemon.json') },
    loopbackScheme: 'https',
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
  });
  const e = await client.fetchManifest(parseReference(`${host}/team/app:v1`), 'v1').then(
    () => expect.unreachable('the certificate was accepted'),
    (err: Error & { hint?: { cli: string; ui: string } }) => err,
  );
  expect(e.message).toContain(`TLS failure talking to registry ${host}: `);
  return e;
}

describe('registry TLS advice follows the cause', () => {
  it('an expired certificate: its end date and this machine\'s time, not the CA', async () => {
    const host = await registryWith('registry-expired', { issuedAt: '2020-01-01 00:00:00' });
    const { hint } = await failure(host);
    expect(hint?.cli).toMatch(/^the server's certificate expired on 2020-01-31T\S+ and this machine's clock says \S+: the certificate must be renewed, or this machine's clock set right if it is wrong$/);
    expect(hint?.ui).toBe(hint?.cli);
  });

  it('a certificate not valid yet: its start date', async () => {
    const host = await registryWith('registry-future', { issuedAt: '2036-01-01 00:00:00' });
    expect((await failure(host)).hint?.cli).toMatch(/^the server's certificate is valid from 2036-01-01T\S+ and this machine's clock says /);
  });

  it('a certificate for another name: the names it holds', async () => {
    const host = await registryWith('registry-other-name', { subjectAltName: 'DNS:registry.example.com' });
    expect((await failure(host)).hint?.cli).toMatch(/^the server's certificate holds only registry\.example\.com, not 127\.0\.0\.1: /);
  });

  it('an expired certificate that does not chain to a trusted CA either: where its CA goes, then its end date', async () => {
    const host = await registryWith('registry-expired-elsewhere', { issuedAt: '2020-01-01 00:00:00' });
    const other = await makePki(path.join(dir, 'other-pki-expired'));
    const { message, hint } = await failure(host, other.caCert);
    expect(message).toContain('certificate has expired');
    expect(hint?.cli).toMatch(
      new RegExp(
        `^the server's certificate does not chain to the trusted CA either, so a new certificate alone would not help: put its CA in \\$DOCKER_CONFIG/tls/${host}/ca\\.crt; then the server's certificate expired on 2020-01-31T`,
      ),
    );
  });

  it('a certificate that does not chain to a trusted CA: where its CA goes', async () => {
    const host = await registryWith('registry-chained', {});
    const other = await makePki(path.join(dir, 'other-pki'));
    expect((await failure(host, other.caCert)).hint?.cli).toBe(`put its CA in $DOCKER_CONFIG/tls/${host}/ca.crt`);
  });
});
