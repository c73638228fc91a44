// The UI offers screens and keys, not command-line flags: no failure it shows (the cause and the next
// step) tells the user to pass `--force`, `--tlscacert`, `--trust-dir` and the like. The command
// line keeps that advice in its form of the same hint.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/errors.js';
import { DirectoryNotWritableError } from '../../src/config/writable.js';
import { TlsTrustError } from '../../src/notary/http-errors.js';
import { NotaryClient } from '../../src/notary/http-client.js';
import { RepositoryMissingOnServerError } from '../../src/notary/updater.js';
import { RequestTimeoutError } from '../../src/net/deadline.js';
import { ScriptedPassphraseSource } from '../../src/keys/passphrase.js';
import { describeFailure } from '../../src/state/failure.js';
import { createTrustServices } from '../../src/state/trust-services.js';
import { publicKeyFromPem } from '../../src/trust/signer-keys.js';
import { releasesRefusal } from '../../src/trust/signers.js';
import { planRemoval } from '../../src/trust/signer-removal.js';
import { RepositoryEditor, type RepositoryState } from '../../src/tuf/editor.js';
import { RepositoryView } from '../../src/tuf/repository-view.js';
import { GoTime } from '../../src/tuf/time.js';
import { TrustedSet } from '../../src/tuf/trusted-set.js';
import { sourceFiles } from '../architecture/imports.js';
import { makePki, type PkiFiles } from '../helpers/pki.js';
import { MemoryRepo, newEcdsaKey } from '../tuf/memory-repo.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

/** A command-line flag: `--force`, `--trust-dir`, `--tlscacert`… */
const FLAG = /(^|[\s(`'"])--[a-z]/;

/** The banner's two lines as the UI shows them. */
function uiLine(e: unknown): string {
  const { cause, next } = describeFailure(e);
  return `${cause}\n${next}`;
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

let dir: string;
let pki: PkiFiles;
let server: TestServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trust-tui-ui-flags-'));
  pki = await makePki(join(dir, 'other-pki'));
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('UI failures name no command-line flag', () => {
  it('an untrusted TLS certificate, whatever CA was (or was not) given', async () => {
    const gun = 'registry.example.test/team/app';
    const services = createTrustServices({ trustDir: join(dir, 'trust'), configDir: join(dir, 'cfg'), env: { DOCKER_CONFIG: join(dir, 'docker') } });
    const failures: unknown[] = [];
    // No CA anywhere, then the wrong CA set for the server (the Config screen's way).
    await services.updateConfig({ kind: 'server', prefix: 'registry.example.test/*', url: server.url });
    failures.push(await failureOf(services.listTags(gun)));
    await services.updateConfig({ kind: 'server', prefix: 'registry.example.test/*', url: server.url, ca: pki.caCert });
    failures.push(await failureOf(services.listTags(gun)));
    // A client made without connect.ts's words for the CA.
    failures.push(await failureOf(new NotaryClient({ baseUrl: server.url }).getMetadata(gun, 'root')));
    for (const e of failures) {
      expect(e).toBeInstanceOf(TlsTrustError);
      expect(uiLine(e)).not.toMatch(FLAG);
    }
    expect(describeError(failures[2]).message).toContain('pass --tlscacert');
  });

  it('a request that hangs, in every phase', () => {
    for (const phase of ['connect', 'handshake', 'answer'] as const) {
      const e = new RequestTimeoutError('GET https://notary.example.com/v2/a/_trust/tuf/timestamp.json', phase, 30_000);
      expect(uiLine(e)).not.toMatch(FLAG);
    }
    expect(describeError(new RequestTimeoutError('GET x', 'answer', 30_000)).message).toContain('--timeout');
  });

  it('a trust directory this user cannot write', () => {
    const e = new DirectoryNotWritableError('/srv/shared/trust', 'EROFS');
    expect(uiLine(e)).not.toMatch(FLAG);
    expect(describeFailure(e).next).toMatch(/writable trust directory/);
    expect(describeError(e).message).toContain('--trust-dir');
  });

  it('a repository the server lost', () => {
    const e = new RepositoryMissingOnServerError('registry.example.test/team/app', 'https://notary.example.test', 4);
    expect(uiLine(e)).not.toMatch(FLAG);
    expect(describeError(e).message).toContain('--local-only');
  });

  it('a signer removal refused because releases would not verify', async () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const repo = await MemoryRepo.create('registry.example.test/team/app', now);
    const [alice, bob] = [newEcdsaKey(), newEcdsaKey()];
    repo.addDelegation('targets/releases', [alice], { keys: [alice.publicKey, bob.publicKey] });
    repo.addDelegation('targets/alice', [alice]);
    repo.addTarget('targets/releases', 'v2');
    repo.publish(['targets', 'targets/releases', 'targets/alice']);
    const set = TrustedSet.fromTrustedRoot(repo.file('root'), { gun: repo.gun, clock: () => now });
    set.updateTimestamp(repo.file('timestamp'));
    set.updateSnapshot(repo.file('snapshot'));
    set.updateTargets(repo.file('targets'));
    for (const role of ['targets/releases', 'targets/alice']) set.updateDelegation(role, repo.file(role), 'targets');
    const delegations = new Map([...set.delegations].map(([n, d]) => [n, d.envelope]));
    const state: RepositoryState = { root: set.root, targets: set.targets, snapshot: set.snapshot, delegations };
    const editor = new RepositoryEditor(state, GoTime.fromDate(now));
    const plan = planRemoval(new RepositoryView(set), editor, new Set([repo.targetsKey.id]), { signer: 'alice' });

    const refusal = releasesRefusal(plan, 'signer alice', repo.gun);
    expect(refusal).toBeDefined();
    expect(uiLine(refusal)).toMatch(/would leave targets\/releases of .* unverifiable/);
    expect(uiLine(refusal)).not.toMatch(FLAG);
    expect(describeError(refusal).message).toMatch(/unverifiable.*v2.* — ask a holder .*, or pass --force$/);
  });

  it('a private key given where a signer needs a public key, and an existing .pub', async () => {
    const services = createTrustServices({ trustDir: join(dir, 'trust2'), configDir: join(dir, 'cfg2') });
    const ports = { passphrases: new ScriptedPassphraseSource(() => 'correct-horse') };
    await services.generateKey('carol', 'ecdsa', dir, ports);
    const again = await failureOf(services.generateKey('carol', 'ecdsa', dir, ports));
    expect(uiLine(again)).toMatch(/public key file already exists/);
    expect(uiLine(again)).not.toMatch(FLAG);

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let notPublic: unknown;
    try {
      publicKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'alice.key');
    } catch (e) {
      notPublic = e;
    }
    expect(uiLine(notPublic)).toMatch(/it holds a private key\nGive its public key/);
    expect(uiLine(notPublic)).not.toMatch(/trust-tui key load/);
  });

  it('a signer key or a key directory that does not exist', async () => {
    const services = createTrustServices({ trustDir: join(dir, 'trust3'), configDir: join(dir, 'cfg3') });
    const ports = { passphrases: new ScriptedPassphraseSource(() => 'correct-horse') };
    const gun = 'registry.example.test/team/app';
    const failures = [
      await failureOf(services.addSigner(gun, 'dave', [{ from: 'file', path: join(dir, 'nope', 'dave.pub') }], ports)),
      await failureOf(services.addSigner(gun, 'dave', [{ from: 'keystore', id: 'f00dfeed' }], ports)),
      await failureOf(services.generateKey('erin', 'ecdsa', join(dir, 'no-such-dir'), ports)),
    ];
    expect(failures.map((e) => describeFailure(e).cause)).toEqual([
      `public key file ${join(dir, 'nope', 'dave.pub')} does not exist`,
      'key f00dfeed: no such file, and no local key has that name or ID',
      `public key directory ${join(dir, 'no-such-dir')} does not exist`,
    ]);
    for (const e of failures) expect(uiLine(e)).not.toMatch(FLAG);
    expect(describeError(failures[2]).message).toContain('pass another --dir');
  });
});

describe('the UI form of every hint in src/', () => {
  it('names no command-line flag', () => {
    const offending: string[] = [];
    for (const [file, text] of Object.entries(sourceFiles(join(import.meta.dirname, '..', '..')))) {
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'ui' && FLAG.test(node.initializer.getText(source))) {
          offending.push(`${file}: ${node.initializer.getText(source)}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(offending).toEqual([]);
  });
});
