// `trust-tui demo`: a self-contained playground. An embedded trust-tui server on loopback, a trust
// directory and settings of its own (the user's ~/.docker/trust is never touched), and on the first
// run a few repositories made with the real operations: signers, keys, signed tags, a revoked tag,
// a signer role near expiry, and a repository with a long tag list.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultDataDir } from '../config/paths.js';
import { RepositoryEditor } from '../tuf/editor.js';
import { FileMeta } from '../tuf/metadata/index.js';
import { GoTime } from '../tuf/time.js';
import type { TrustContext } from './context.js';
import { initRepository } from './init.js';
import { generateKey } from './keys.js';
import { editableState, publish } from './publish.js';
import { openRepository } from './repository.js';
import { revokeTag } from './revoke.js';
import { addSigner } from './signers.js';

export const DEMO_PREFIX = 'demo.trust-tui.local';
export const DEMO_REPOSITORIES = [`${DEMO_PREFIX}/team/web`, `${DEMO_PREFIX}/team/api`, `${DEMO_PREFIX}/tools/cli`] as const;

/** Passphrases of the demo's own keys; the demo is a playground, not a place for real keys. */
export const DEMO_ENV = {
  DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: 'demo-root-passphrase',
  DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: 'demo-repository-passphrase',
  TRUST_TUI_SERVER_PASSPHRASE: 'demo-server-passphrase',
} as const;

export interface DemoLayout {
  base: string;
  serverData: string;
  trustDir: string;
  configDir: string;
  keysDir: string;
  marker: string;
  /** Which process runs the demo of this directory now, and its server's URL. */
  lock: string;
}

export function demoLayout(base?: string, env: NodeJS.ProcessEnv = process.env): DemoLayout {
  const root = base ?? path.join(defaultDataDir(env), 'demo');
  return {
    base: root,
    serverData: path.join(root, 'server'),
    trustDir: path.join(root, 'trust'),
    configDir: path.join(root, 'config'),
    keysDir: path.join(root, 'keys'),
    marker: path.join(root, 'seeded.json'),
    lock: path.join(root, 'running.json'),
  };
}

/** The demo of a directory that runs now: its process and its server. */
export interface RunningDemo {
  pid: number;
  url?: string;
}

/**
 * Makes this process the one demo of `layout`'s directory. Two demos of one directory would share its
 * settings: the second would point them at its own server, and once it stopped the first would find
 * its repositories offline for good. Answers the demo that runs already, or `claimed` with the
 * calls that record this demo's URL and give the directory back. A lock whose process is gone
 * (killed) is taken over.
 */
export async function claimDemoDirectory(
  layout: DemoLayout,
): Promise<{ running: RunningDemo } | { claimed: { serving(url: string): Promise<void>; release(): Promise<void> } }> {
  await mkdir(layout.base, { recursive: true, mode: 0o700 });
  for (let tries = 0; tries < 3; tries++) {
    try {
      await writeFile(layout.lock, JSON.stringify({ pid: process.pid }), { flag: 'wx', mode: 0o600 });
      return {
        claimed: {
          serving: (url) => writeFile(layout.lock, JSON.stringify({ pid: process.pid, url })),
          release: () => rm(layout.lock, { force: true }),
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readRunningDemo(layout.lock);
    if (holder && isAlive(holder.pid)) return { running: holder };
    await rm(layout.lock, { force: true });
  }
  throw new Error(`cannot claim the demo directory ${layout.base}: ${layout.lock} keeps coming back`);
}

async function readRunningDemo(file: string): Promise<RunningDemo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown; url?: unknown };
    return Number.isInteger(parsed.pid) ? { pid: parsed.pid as number, ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A made-up manifest for a demo tag: digest and size as a registry would report them. */
function fakeManifest(gun: string, tag: string): FileMeta {
  const body = JSON.stringify({ schemaVersion: 2, demo: `${gun}:${tag}` });
  return FileMeta.fromDigests({ length: body.length, sha256: createHash('sha256').update(body).digest('hex') });
}

/** Signs tags into exactly the given roles (the demo plays several people from one keystore). */
async function signAs(ctx: TrustContext, gun: string, tags: string[], roles: string[], expires?: (role: string) => GoTime | undefined) {
  const repo = await openRepository(ctx, gun);
  const editor = new RepositoryEditor(editableState(repo.state), GoTime.now());
  for (const tag of tags) for (const role of roles) editor.targets(role).addTarget(tag, fakeManifest(gun, tag));
  await publish(ctx, repo, editor, { expires });
}

export async function isSeeded(layout: DemoLayout): Promise<boolean> {
  return readFile(layout.marker).then(
    () => true,
    () => false,
  );
}

/** Creates the demo repositories on the demo server (`ctx` points at the demo's directories). */
export async function seedDemo(ctx: TrustContext, layout: DemoLayout, progress: (step: string) => void = () => undefined): Promise<void> {
  await mkdir(layout.keysDir, { recursive: true, mode: 0o700 });
  const [web, api, cli] = DEMO_REPOSITORIES;
  for (const name of ['alice', 'bob', 'carol']) {
    progress(`key for ${name}`);
    await generateKey(ctx, name, { dir: layout.keysDir });
  }
  const pub = (name: string) => path.join(layout.keysDir, `${name}.pub`);

  progress(web);
  await initRepository(ctx, web, { signer: 'owner' });
  await addSigner(ctx, web, 'alice', [pub('alice')]);
  await addSigner(ctx, web, 'bob', [pub('bob')]);
  await signAs(ctx, web, ['v1.0', 'v1.1'], ['targets/releases', 'targets/alice']);
  await signAs(ctx, web, ['v1.1', 'v2.0-rc1'], ['targets/releases', 'targets/bob']);
  await signAs(ctx, web, ['v0.9'], ['targets/releases', 'targets/owner']);
  await revokeTag(ctx, `${web}:v0.9`);

  progress(api);
  await initRepository(ctx, api, { signer: 'owner' });
  await addSigner(ctx, api, 'alice', [pub('alice')]);
  await addSigner(ctx, api, 'carol', [pub('carol')]);
  await signAs(ctx, api, ['3.2.0', '3.3.0'], ['targets/releases', 'targets/alice']);
  // carol's role expires in 20 days: the UI warns about it.
  const soon = GoTime.fromDate(new Date(Date.now() + 20 * 86_400_000));
  await signAs(ctx, api, ['3.3.1'], ['targets/releases', 'targets/carol'], (role) => (role === 'targets/carol' ? soon : undefined));

  progress(cli);
  await initRepository(ctx, cli, { signer: 'owner' });
  const nightly = Array.from({ length: 300 }, (_, i) => `nightly-${String(i + 1).padStart(3, '0')}`);
  await signAs(ctx, cli, ['1.0.0', ...nightly], ['targets/releases', 'targets/owner']);

  await ctx.settings.update((s) => {
    for (const gun of DEMO_REPOSITORIES) if (!s.watched.includes(gun)) s.watched.push(gun);
  });
  await writeFile(layout.marker, JSON.stringify({ seeded: new Date().toISOString(), repositories: DEMO_REPOSITORIES }) + '\n');
}
