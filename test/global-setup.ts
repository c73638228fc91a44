/**
 * Builds dist/ once before any test file runs, when it is missing or older than the sources: many
 * tests run the built CLI as a user would, and two files building at once would race.
 * (`npm test` builds first anyway; this keeps a bare `npx vitest` honest.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): () => void {
  // The built CLI keeps its code cache in the user's cache directory: the tests' runs use their own
  // (every test process and the CLIs they start inherit it), not the developer's ~/.cache.
  const cacheHome = mkdtempSync(path.join(tmpdir(), 'trust-tui-test-cache-'));
  process.env.XDG_CACHE_HOME = cacheHome;
  const teardown = () => rmSync(cacheHome, { recursive: true, force: true });
  const cli = path.join(root, 'dist', 'cli.js');
  // The build script too: a change to how dist/ is made (scripts/build.mjs) changes dist/ as well.
  const newestInput = Math.max(newestMtime(path.join(root, 'src')), statSync(path.join(root, 'scripts', 'build.mjs')).mtimeMs);
  if (existsSync(cli) && statSync(cli).mtimeMs >= newestInput) return teardown;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
  return teardown;
}
