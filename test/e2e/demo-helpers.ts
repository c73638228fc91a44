// What the demo's end-to-end tests share: the built CLI on the demo's data directory, a key ID
// computed without trust-tui's code, and a demo server started without the UI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const cli = join(root, 'dist', 'cli.js');

/** Fails (never skips) without tmux or a build. */
export function requireTmuxAndBuild(): void {
  execFileSync('tmux', ['-V']);
  // dist/ is built once for all test files (test/global-setup.ts).
  if (!existsSync(join(root, 'dist', 'esm', 'main.js'))) throw new Error('dist/esm/main.js is missing: run npm run build');
}

/**
 * The TUF key ID of an ecdsa key: the SHA-256 of the canonical JSON of its public key entry (notary's
 * tuf/data/keys.go ID()), computed with openssl rather than trust-tui's code.
 */
export function ecdsaKeyId(privatePem: string): string {
  const spki = execFileSync('openssl', ['pkey', '-in', privatePem, '-pubout', '-outform', 'DER']);
  const canonical = `{"keytype":"ecdsa","keyval":{"private":null,"public":"${spki.toString('base64')}"}}`;
  return createHash('sha256').update(canonical).digest('hex');
}

export interface InspectEntry {
  Name: string;
  SignedTags: { SignedTag: string; Signers: string[] }[];
  Signers: { Name: string; Keys: { ID: string }[] }[];
}

/** The CLI on the demo's own trust and settings directories. */
export function demoCli(data: string) {
  const cliJson = (...args: string[]) =>
    JSON.parse(execFileSync('node', [cli, '--trust-dir', join(data, 'trust'), '--config-dir', join(data, 'config'), ...args], { encoding: 'utf8' }));
  const inspect = (gun: string): InspectEntry => (cliJson('inspect', '--json', gun) as InspectEntry[])[0]!;
  return { cliJson, inspect };
}

/** Starts `trust-tui demo --no-ui` on `data` and resolves once it serves. */
export function serveDemo(data: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess & { shown: () => string }> {
  return new Promise((resolvePromise, reject) => {
    const child = Object.assign(spawn('node', [cli, 'demo', '--no-ui', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'], env }), { shown: () => out });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`demo --no-ui did not start:\n${out}`)), 30_000);
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo --no-ui exited with ${code}:\n${out}`));
    });
  });
}
