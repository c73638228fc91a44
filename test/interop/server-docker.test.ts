// The real docker CLI 28 (`docker trust`, no daemon) against `trust-tui server`, and the same script
// against notary-server 0.7: both must give the same results.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCli,
  makeScratchDir,
  notaryCli,
  startNotaryServer,
  stopAllPeers,
  type DockerRunner,
} from '../helpers/peers.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

// A non-loopback registry name, so that the docker CLI really verifies the server's TLS certificate.
const REPO = 'registry.example.com/team/app';

/** Per-run key IDs (root, repository key) become placeholders; signer keys and digests are shared. */
function normalise(text: string, keep: ReadonlySet<string>, url: string): string {
  const ids = new Map<string, string>();
  return text
    .replaceAll(url, '<server>')
    .replace(/time="[^"]*"/g, 'time=<t>')
    .replace(/\b[0-9a-f]{64}\b/g, (hex) => {
      if (keep.has(hex)) return hex;
      if (!ids.has(hex)) ids.set(hex, `<key-${ids.size + 1}>`);
      return ids.get(hex)!;
    })
    .trim();
}

interface Files {
  /** A signer key made once by `docker trust key generate`, copied into each run. */
  aliceKeyDir: string;
  alicePub: string;
  manifests: string[];
}

async function runScript(docker: DockerRunner, serverUrl: string, caFile: string, files: Files): Promise<string[]> {
  // Share alice's private key with this run's trust directory.
  const privateDir = path.join(docker.trustDir, 'private');
  mkdirSync(privateDir, { recursive: true });
  for (const f of readdirSync(files.aliceKeyDir)) cpSync(path.join(files.aliceKeyDir, f), path.join(privateDir, f));
  const notary = notaryCli(docker.trustDir, serverUrl, caFile);
  const transcript: string[] = [];
  const step = async (args: string[], opts: { input?: string; tool?: 'docker' | 'notary' } = {}) => {
    const run = opts.tool === 'notary' ? notary : docker;
    const r = await run(args, { input: opts.input });
    transcript.push(`$ ${opts.tool ?? 'docker'} ${args.join(' ')} -> ${r.code}\n${r.stdout.trim()}\n${r.stderr.trim()}`);
    return r;
  };
  await step(['trust', 'signer', 'add', '--key', files.alicePub, 'alice', REPO]);
  await step(['trust', 'inspect', REPO]);
  // Tags as `docker trust sign` would write them (the daemon-less way the reference recipe uses).
  await step(['add', REPO, 'v1', files.manifests[0]!], { tool: 'notary' });
  await step(['add', REPO, 'v2', files.manifests[1]!, '--roles', 'targets/releases', '--roles', 'targets/alice'], { tool: 'notary' });
  await step(['publish', REPO], { tool: 'notary' });
  await step(['trust', 'inspect', REPO]);
  await step(['trust', 'inspect', '--pretty', REPO]);
  await step(['trust', 'sign', `${REPO}:v1`]);
  await step(['trust', 'revoke', '-y', `${REPO}:v2`]);
  await step(['trust', 'inspect', '--pretty', REPO]);
  await step(['trust', 'signer', 'remove', 'alice', REPO], { input: 'y\n' });
  await step(['trust', 'inspect', '--pretty', REPO]);
  return transcript;
}

describe('docker CLI 28 against trust-tui server and notary-server', () => {
  let ours: TestServer;
  let shared: string;
  let files: Files;

  beforeAll(async () => {
    ours = await startTestServer();
    shared = await makeScratchDir('server-docker-interop');
    const keygen = dockerCli(path.join(shared, 'keygen-config'), ours.url, ours.caFile!);
    const generated = await keygen(['trust', 'key', 'generate', 'alice', '--dir', shared]);
    expect(generated.code, generated.stderr).toBe(0);
    const manifests = ['{"fake":"manifest v1"}\n', '{"fake":"manifest v2"}\n'].map((text, i) => {
      const file = path.join(shared, `m${i + 1}.json`);
      writeFileSync(file, text);
      return file;
    });
    files = { aliceKeyDir: path.join(keygen.trustDir, 'private'), alicePub: path.join(shared, 'alice.pub'), manifests };
  });
  afterAll(async () => {
    await ours?.stop();
    await stopAllPeers();
  });

  it('gives the same results as notary-server 0.7 for key generate, signer add/remove, inspect, sign, revoke', async () => {
    const notaryServer = await startNotaryServer({ signer: 'local' });
    const [theirs, oursResult] = await Promise.all([
      runScript(dockerCli(path.join(shared, 'cfg-theirs'), notaryServer.url, notaryServer.caFile), notaryServer.url, notaryServer.caFile, files),
      runScript(dockerCli(path.join(shared, 'cfg-ours'), ours.url, ours.caFile!), ours.url, ours.caFile!, files),
    ]);
    await notaryServer.stop();

    const aliceId = readdirSync(files.aliceKeyDir)[0]!.replace(/\.key$/, '');
    const keep = new Set([aliceId]);
    const mine = normalise(oursResult.join('\n\n'), keep, ours.url);
    expect(mine).toBe(normalise(theirs.join('\n\n'), keep, notaryServer.url));

    // The content itself, so that two equally broken servers cannot pass.
    const inspect = oursResult[5]!;
    expect(inspect).toMatch(/"SignedTags"/);
    expect(inspect).toContain('"SignedTag": "v1"');
    expect(inspect).toContain('"SignedTag": "v2"');
    const afterRevoke = oursResult[9]!;
    expect(afterRevoke).toMatch(/v1\s+[0-9a-f]{64}\s+alice/);
    expect(afterRevoke).not.toMatch(/^v2\s/m);
    for (const t of oursResult.slice(0, 9)) expect(t).toMatch(/-> 0\n/);
  });

  it('authenticates with the registry credentials from docker config.json against an htpasswd server', async () => {
    const htpasswd = path.join(shared, 'htpasswd');
    writeFileSync(htpasswd, `alice:${bcrypt.hashSync('alice-pass', 4)}\n`);
    const guarded = await startTestServer({ htpasswd });
    try {
      const docker = dockerCli(path.join(shared, 'cfg-auth'), guarded.url, guarded.caFile!);
      const noCredentials = await docker(['trust', 'signer', 'add', '--key', files.alicePub, 'alice', REPO]);
      expect(noCredentials.code).not.toBe(0);
      // docker looks credentials up by the image's registry host, not by the notary server's.
      const auth = Buffer.from('alice:alice-pass').toString('base64');
      writeFileSync(path.join(docker.dockerConfig, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth } } }));
      const added = await docker(['trust', 'signer', 'add', '--key', files.alicePub, 'alice', REPO]);
      expect(added.code, added.stderr).toBe(0);
      const inspect = await docker(['trust', 'inspect', REPO]);
      expect(inspect.code, inspect.stderr).toBe(0);
      expect(inspect.stdout).toContain('"Name": "alice"');
      expect(guarded.logs.some((l) => / alice "POST \/v2\/registry\.example\.com\/team\/app\/_trust\/tuf\/" 200 /.test(l))).toBe(true);
    } finally {
      await guarded.stop();
    }
  });
});
