// The UI's tag detail reads the tag's custom data (`sign --meta`, notary's `--custom`) from the
// verified repository, as `info` does.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { NotaryClient } from '../../src/notary/http-client.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { buildWithRootCertificate, publishBuilt } from '../helpers/root-certificate-repo.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

let dir: string;
let server: TestServer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-tag-detail-'));
  server = await startTestServer();
});
afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

it("describes a tag with the custom data its role records", async () => {
  const gun = 'registry.example.test/team/meta';
  const custom = { sbom: { sha256: 'ab'.repeat(32), size: 42 }, note: 'built by ci' };
  const client = new NotaryClient({ baseUrl: server.url, tls: { ca: [await readFile(server.caFile!, 'utf8')] } });
  await publishBuilt(client, gun, await buildWithRootCertificate(client, gun, { from: new Date(), seconds: 365 * 86_400 }, undefined, custom));

  const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env: {} });
  await services.updateConfig({ kind: 'server', prefix: 'registry.example.test/*', url: server.url, ca: server.caFile! });
  const detail = await services.describeTag(gun, 'v1');
  expect(detail.signatures).toEqual([expect.objectContaining({ role: 'targets', custom })]);
});
