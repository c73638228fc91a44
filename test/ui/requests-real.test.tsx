// The Requests screen over the real trust services and a real trust-tui server: alice's host opens a
// signing request for a 3-of-3 releases role (2 of 3 signed), carol's host merges it, sees
// "2 of 3 signed — waiting on carol", approves through the store, and the status changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { startServer, type RunningServer } from '../../src/notary/server/server.js';
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
  const file = path.join(aliceHost.trustDir, 'trust-tui', 'requests', GUN, `${requestId}.request.json`);
  ok(await carolHost(['request', 'merge', file]));
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
    // The CLI reads the same request file: carol's signature is there.
    const status = await carolHost(['request', 'status', requestId]);
    expect(status.stdout + status.stderr).toContain('ready to submit');
  }, 60_000);

  it("m on alice's host merges carol's signed copy; the line says whose signature now counts, re-evaluated", async () => {
    const services = createTrustServices({ trustDir: aliceHost.trustDir, configDir: aliceHost.configDir, env: {} });
    const store = createAppStore(services, { workDir: carolHost.workDir });
    store.getState().showScreen('requests');
    store.getState().promptMergeRequestFile();
    const modal = store.getState().modal;
    if (modal?.kind !== 'prompt') throw new Error(`expected the file prompt, got ${modal?.kind}`);
    // Relative to the working directory, as typed.
    await modal.submit(path.relative(carolHost.workDir, path.join(carolHost.trustDir, 'trust-tui', 'requests', GUN, `${requestId}.request.json`)));
    expect(store.getState().banner).toBeNull();
    expect(store.getState().status).toBe("added carol's signature — 3 of 3 signed — ready to submit");
    const status = await aliceHost(['request', 'status', requestId]);
    expect(status.stdout).toContain('3 of 3 signed — ready to submit');
  }, 60_000);
});
