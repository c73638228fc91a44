// Destructive actions in the UI over the real trust services and a real trust-tui server: the
// confirmation shows one plan, and exactly that plan is carried out (checked with the CLI after).
// Adding a signer is planned the same way: publish, or a signing request, as its confirmation says.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

const GUN = 'registry.example.com/team/plans';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

let server: RunningServer;
let tt: TrustTuiRunner;
const data = mkdtempSync(path.join(tmpdir(), 'trust-tui-plans-server-'));
let alice: string;
let bob: string;

interface ListedSigner {
  name: string;
  keys: { id: string }[];
}
const signers = async () => (JSON.parse(ok(await tt(['--json', 'signer', 'list', GUN])).stdout).signers as ListedSigner[]).map((s) => `${s.name}:${s.keys.map((k) => k.id.slice(0, 7)).sort().join(',')}`);

beforeAll(async () => {
  server = await startServer({ listen: '127.0.0.1:0', dataDir: data, passphrase: 'server-pass-123' });
  tt = trustTui();
  ok(await tt(['config', 'server', GUN, server.url, '--ca', server.caFile!]));
  ok(await tt(['init', GUN, '--signer', 'owner']));
  alice = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'alice'])).stdout).id;
  bob = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'bob'])).stdout).id;
  ok(await tt(['signer', 'add', GUN, 'alice', '--key', path.join(tt.workDir, 'alice.pub')]));
  // bob signs with his own key and, shared with alice, hers (a team key).
  ok(await tt(['signer', 'add', GUN, 'bob', '--key', path.join(tt.workDir, 'bob.pub'), '--key', path.join(tt.workDir, 'alice.pub')]));
  ok(await tt(['sign', `${GUN}:v1`, '--digest', DIGEST, '--size', '100']));
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(data, { recursive: true, force: true });
});
afterEach(() => cleanup());

/** The UI's trust services on the test's trust directory, passphrases from the environment. */
function realServices() {
  return createTrustServices({
    trustDir: tt.trustDir,
    configDir: tt.configDir,
    env: { DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root, DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository },
  });
}

async function openSigners() {
  const services = realServices();
  const store = createAppStore(services, { workDir: tt.workDir });
  store.getState().openRepository(GUN, 'signers');
  const ui = renderTui(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  await ui.ready();
  await ui.waitFor(`Signers of ${GUN} (3)`, 20_000);
  return { ...ui, store };
}

describe('x on the Signers screen', () => {
  it('removes the chosen key from the chosen signer only, as the confirmation said', async () => {
    const short = (id: string) => id.slice(0, 7);
    expect(await signers()).toEqual(expect.arrayContaining([`alice:${short(alice)}`, 'bob:' + [alice, bob].map(short).sort().join(',')]));
    const ui = await openSigners();
    for (let i = 0; i < 3 && !/❯ bob/.test(ui.frame()); i++) await ui.press('j');
    await ui.waitFor(/❯ bob/);
    await ui.press('x');
    await ui.waitFor('Remove which key of bob?');
    const options = ui.frame();
    // Choose alice's key (shared with bob).
    if (options.indexOf(`❯ ${alice}`) < 0) await ui.press('j');
    await ui.waitFor(`❯ ${alice}`);
    await ui.press(KEYS.enter);
    await ui.waitFor(`Type ${short(alice)} to confirm`, 20_000);
    const confirm = ui.frame();
    expect(confirm).toContain(`from signer bob`);
    expect(confirm).not.toMatch(/targets\/alice/); // alice is not touched
    await ui.type(short(alice));
    await ui.press(KEYS.enter);
    await ui.waitFor(`Removed key ${short(alice)}`, 30_000);
    // The result names the role the server now shows changed, read back after publishing.
    await ui.waitFor(`targets/bob: key(s) ${short(alice)}`);

    // The CLI sees exactly that: bob lost alice's key, alice keeps it, releases still has it.
    const after = await signers();
    expect(after).toContain(`alice:${short(alice)}`);
    expect(after).toContain(`bob:${short(bob)}`);
    const info = JSON.parse(ok(await tt(['--json', 'info', GUN])).stdout) as { releases: { keys: { id: string }[] } };
    expect(info.releases.keys.map((k) => k.id)).toContain(alice);
  }, 90_000);
});

describe('a confirmed plan', () => {
  it('is not carried out when the repository changed since it was shown', async () => {
    const services = realServices();
    const plan = await services.planRevokeTag(GUN, 'v1');
    expect(plan.changes.join('\n')).toContain('v1 is removed from targets/releases');
    // Meanwhile v1 is signed into a new signer's role too: the plan shown no longer says what would happen.
    const carol = JSON.parse(ok(await tt(['--json', 'key', 'generate', 'carol'])).stdout).id as string;
    ok(await tt(['signer', 'add', GUN, 'carol', '--key', path.join(tt.workDir, 'carol.pub')]));
    ok(await tt(['sign', `${GUN}:v1`, '--digest', DIGEST, '--size', '100']));
    const passphrases = { get: async () => TEST_PASSPHRASES.repository };
    await expect(services.executePlan(plan, { passphrases })).rejects.toThrow(/changed since this preview, so nothing was changed/);
    const listed = JSON.parse(ok(await tt(['--json', 'inspect', GUN])).stdout)[0];
    expect(listed.SignedTags.map((t: { SignedTag: string }) => t.SignedTag)).toContain('v1');
    expect(carol).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('is not carried out when the tag was signed again with another digest (the same roles would change)', async () => {
    ok(await tt(['sign', `${GUN}:v2`, '--digest', DIGEST, '--size', '100']));
    const services = realServices();
    const plan = await services.planRevokeTag(GUN, 'v2');
    const other = `sha256:${'cd'.repeat(32)}`;
    ok(await tt(['sign', `${GUN}:v2`, '--digest', other, '--size', '7']));
    const passphrases = { get: async () => TEST_PASSPHRASES.repository };
    await expect(services.executePlan(plan, { passphrases })).rejects.toThrow(/changed since this preview, so nothing was changed/);
    const listed = JSON.parse(ok(await tt(['--json', 'inspect', GUN])).stdout)[0];
    expect(listed.SignedTags.find((t: { SignedTag: string }) => t.SignedTag === 'v2')?.Digest).toBe('cd'.repeat(32));
  }, 60_000);
});

describe('adding a signer', () => {
  it('is planned as a publish, or as a signing request when releases would need keys this host lacks; the add keeps to what was confirmed', async () => {
    const services = realServices();
    // dave's key is not in this host's keystore.
    const pub = path.join(tt.workDir, 'dave.pem');
    execFileSync('sh', ['-c', `openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout -out '${pub}'`], { stdio: 'ignore' });
    const dave = [{ from: 'file' as const, path: pub }];
    expect(await services.planAddSigner(GUN, 'dave', dave)).toEqual({ delivery: 'publish' });
    // Every releases key must sign, dave's too: this host cannot sign alone.
    const { releases } = await services.listSigners(GUN);
    const all = releases!.keys + 1;
    expect(await services.planAddSigner(GUN, 'dave', dave, all)).toEqual({ delivery: 'request' });
    const before = await signers();
    const passphrases = { get: async () => TEST_PASSPHRASES.repository };
    await expect(services.addSigner(GUN, 'dave', dave, { passphrases }, all, 'publish')).rejects.toThrow(/changed since this preview, so nothing was changed/);
    expect(await signers()).toEqual(before);
  }, 60_000);
});
