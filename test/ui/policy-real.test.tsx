// The Policy screen over the real trust services and a real trust-tui server: a repository with
// signers alice and bob at releases threshold 1, a policy asking 2 of them. The screen shows it
// drifted; `a` shows what apply does and asks, and the result read back from the server says it is
// in sync (and `policy plan` agrees).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { KEYS, renderTui } from './helpers.js';

const GUN = 'registry.example.com/team/policy';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

let server: RunningServer;
let host: TrustTuiRunner;
let policyFile: string;
const data = mkdtempSync(path.join(tmpdir(), 'trust-tui-policy-server-'));

beforeAll(async () => {
  server = await startServer({ listen: '127.0.0.1:0', dataDir: data, passphrase: 'server-pass-123' });
  host = trustTui();
  ok(await host(['config', 'server', GUN, server.url, '--ca', server.caFile!]));
  ok(await host(['init', GUN, '--signer', 'alice']));
  ok(await host(['key', 'generate', 'bob']));
  ok(await host(['signer', 'add', GUN, 'bob', '--key', path.join(host.workDir, 'bob.pub')]));
  ok(await host(['sign', `${GUN}:v1`, '--digest', DIGEST, '--size', '100']));
  const ids = JSON.parse(ok(await host(['--json', 'signer', 'list', GUN])).stdout).signers as { name: string; keys: { id: string }[] }[];
  const key = (name: string) => ids.find((s) => s.name === name)!.keys[0]!.id;
  policyFile = path.join(host.workDir, 'trust-policy.yaml');
  writeFileSync(
    policyFile,
    [
      'version: 1',
      'signers:',
      `  alice: { key: ${key('alice')} }`,
      `  bob: { key: ${key('bob')} }`,
      'repositories:',
      `  - match: ${GUN}`,
      '    roles:',
      '      releases: { signers: [alice, bob], threshold: 2 }',
      '      alice: { signers: [alice] }',
      '      bob: { signers: [bob] }',
      '',
    ].join('\n'),
  );
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(data, { recursive: true, force: true });
});
afterEach(() => cleanup());

describe('Policy screen over a real server', () => {
  it('drifted → apply (confirmed) → in sync, read back from the server', async () => {
    const services = createTrustServices({
      trustDir: host.trustDir,
      configDir: host.configDir,
      env: { DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root, DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository },
    });
    const store = createAppStore(services, { workDir: host.workDir });
    store.setState({ policyFile });
    const ui = renderTui(
      <StoreProvider store={store}>
        <App />
      </StoreProvider>,
    );
    await ui.ready();
    await ui.press('8');
    await ui.waitFor(/registry\.example\.com\/team\/policy\s+~ drifted\s+1 to change/, 20_000);
    await ui.press(KEYS.enter);
    await ui.waitFor('~ threshold 1 → 2');
    await ui.press(KEYS.esc);
    await ui.press('a');
    await ui.waitFor(`Apply ${policyFile}`, 20_000);
    // releases v1 carries both signatures: the raise hides nothing, so a plain yes confirms it.
    expect(ui.frame()).toMatch(/• publish ~ targets\/releases: ~ threshold 1 → 2/);
    expect(ui.frame()).toContain('version 1 of targets/releases stays valid (signed by alice, bob)');
    // …and the impact computed from the upload apply would make: v1 stays pullable.
    expect(ui.frame()).toMatch(/Impact on docker pull of registry\.example\.com\/team\/policy:[\s│•]*Every pullable tag stays pullable as it is \(1\)\./);
    await ui.press('y');
    await ui.waitFor(`Policy applied to ${GUN}`, 30_000);
    expect(ui.frame()).toContain(`${GUN}: now in sync with the policy ✓ (read back from the server)`);
    await ui.press(KEYS.esc);
    await ui.waitFor(/registry\.example\.com\/team\/policy\s+✓ in sync/, 20_000);
    const plan = await host(['policy', 'plan', '-f', policyFile]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(JSON.parse(ok(await host(['--json', 'signer', 'list', GUN])).stdout).releases.threshold).toBe(2);
  }, 120_000);
});
