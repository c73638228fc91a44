// The Requests screen over the real trust services and a real trust-tui server: alice's host opens a
// signing request for a 3-of-3 releases role (2 of 3 signed) in the server's pending area; carol's host sees
// "2 of 3 signed — waiting on carol", approves through the store, and the status changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { StoreProvider } from '../../src/state/context.js';
import { createAppStore } from '../../src/state/store.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { ok } from '../helpers/expect.js';
import { TEST_PASSPHRASES } from '../helpers/peers.js';
import { trustTui, type TrustTuiRunner } from '../helpers/trust-tui.js';
import { renderTui } from './helpers.js';

const GUN = 'registry.example.com/team/requests';
const DIGEST = `sha256:${'cd'.repeat(32)}`;

let server: RunningServer;
let aliceHost: TrustTuiRunner;
let carolHost: TrustTuiRunner;
let requestId: string;

function httpsGet(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode} ${body}`))));
    })
      .on('error', reject)
      .end();
  });
}
const data = mkdtempSync(path.join(tmpdir(), 'trust-tui-requests-server-'));

beforeAll(async () => {
  server = await startServer({ listen: '127.0.0.1:0', dataDir: data, passphrase: 'server-pass-123' });
  aliceHost = trustTui();
  carolHost = trustTui();
  for (const tt of [aliceHost, carolHost]) ok(await tt(['config', 'server', GUN, server.url, '--ca', server.caFile!]));
  ok(await aliceHost(['init', GUN, '--signer', 'alice']));
  ok(await aliceHost(['key', 'generate', 'bob']));
  ok(await carolHost(['key', 'generate', 'carol']));
  ok(await aliceHost(['signer', 'add', GUN, 'bob', '--key', path.join(aliceHost.workDir, 'bob.pub')]));
  ok(await aliceHost(['signer', 'add', GUN, 'carol', '--key', path.join(carolHost.workDir, 'carol.pub'), '--threshold', '3']));
  // alice's host holds alice's and bob's keys: releases gets 2 of its 3 signatures, a request opens.
  const signed = await aliceHost(['--json', 'sign', `${GUN}:v1`, '--digest', DIGEST, '--size', '100']);
  expect(signed.code, signed.stderr).toBe(8);
  const listed = JSON.parse(ok(await aliceHost(['--json', 'request', 'list'])).stdout);
  const first = (Array.isArray(listed) ? listed : listed.requests)[0];
  requestId = first.id;
  // trust-tui server has a pending area: the request lives there, and carol's host finds it through
  // its `config server` entry for the repository, without any file passed around.
  expect(first.transport).toBe('server');
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(data, { recursive: true, force: true });
});
afterEach(() => cleanup());

describe('Requests screen over a real server', () => {
  it('shows the real status in words and approving through the store changes it', async () => {
    const services = createTrustServices({
      trustDir: carolHost.trustDir,
      configDir: carolHost.configDir,
      env: { DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root, DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository },
    });
    const store = createAppStore(services, { workDir: carolHost.workDir });
    store.getState().showScreen('requests');
    const ui = renderTui(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
    );
    await ui.ready();
    await ui.waitFor('2 of 3 signed — waiting on carol', 30_000);
    expect(ui.frame()).toContain('2/3');
    // The detail says where the request lives: the server's pending area.
    await store.getState().showSelectedRequest();
    const detail = store.getState().modal;
    if (detail?.kind !== 'detail') throw new Error(`expected the request's detail, got ${detail?.kind}`);
    expect(detail.lines).toContain(`Kept on the trust server: ${server.url}/v2/${GUN}/_trust/requests/${requestId}`);
    store.getState().closeModal();

    await store.getState().approveSelectedRequest();
    const modal = store.getState().modal;
    if (modal?.kind !== 'confirm') throw new Error(`expected the approval's confirmation, got ${modal?.kind}`);
    // The change, computed from the verified repository: the tag alice signed.
    expect(modal.changes.join('\n')).toContain(`+ tag v1 ${DIGEST} (100 bytes)`);
    expect(modal.changes.join('\n')).toContain('(signed: alice, bob)');
    await store.getState().confirmModal();
    expect(store.getState().banner).toBeNull();
    await ui.waitFor('3 of 3 signed — ready to submit', 30_000);
    expect(ui.frame()).toContain('3/3');
    // The CLI reads the same request on the server: carol's signature is there.
    const status = await carolHost(['request', 'status', requestId]);
    expect(status.stdout + status.stderr).toContain('ready to submit');
  }, 60_000);

  it("m on alice's host merges the detached signature carol made from a copy; the line says whose signature now counts, re-evaluated", async () => {
    // The first request lands; alice's next one waits on carol again in the pending area.
    ok(await aliceHost(['request', 'submit', requestId]));
    const next = JSON.parse((await aliceHost(['--json', 'sign', `${GUN}:v2`, '--digest', DIGEST, '--size', '100'])).stdout).request;
    // carol works from a copy that reached her by mail (here: read from the pending area) and sends
    // back only her signature.
    const copy = path.join(carolHost.workDir, `${next.id}.request.json`);
    writeFileSync(copy, await httpsGet(`${server.url}/v2/${GUN}/_trust/requests/${next.id}`, readFileSync(server.caFile!)));
    ok(await carolHost(['request', 'approve', copy, '--transport', 'file', '--yes', '--detach', path.join(carolHost.workDir, 'carol.sig.json')]));

    const services = createTrustServices({ trustDir: aliceHost.trustDir, configDir: aliceHost.configDir, env: {} });
    const store = createAppStore(services, { workDir: carolHost.workDir });
    store.getState().showScreen('requests');
    store.getState().promptMergeRequestFile();
    const modal = store.getState().modal;
    if (modal?.kind !== 'prompt') throw new Error(`expected the file prompt, got ${modal?.kind}`);
    // Relative to the working directory, as typed.
    await modal.submit('carol.sig.json');
    expect(store.getState().banner).toBeNull();
    expect(store.getState().status).toBe("added carol's signature — 3 of 3 signed — ready to submit");
    // Merged into the server's copy, where every signer sees it.
    const shown = await aliceHost(['request', 'show', next.id]);
    expect(shown.stdout).toContain('3 of 3 signed — ready to submit');
    expect(shown.stdout).toContain(`${server.url}/v2/${GUN}/_trust/requests/${next.id}`);
  }, 60_000);
});
