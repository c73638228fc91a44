// Shared helpers for the keystore tests: scratch directories and running external tools.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh directory under the OS temp dir, removed when the current test finishes. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trust-tui-keys-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a command and returns its stdout; throws with its output on failure. */
export function run(command: string, args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(command, args, {
      input: options.input,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: unknown; stderr?: unknown };
    throw new Error(`${command} ${args.join(' ')} failed: ${String(stderr ?? '').trim()} ${String(stdout ?? '').trim()}`);
  }
}

/** OpenSSL refuses PEM blocks with notary's `role:`/`gun:` headers: keep only BEGIN, body and END. */
export function stripPemHeaders(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => !line.includes(':') && line !== '')
    .join('\n')
    .concat('\n');
}
