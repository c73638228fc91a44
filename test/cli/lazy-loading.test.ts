/**
 * Plain commands must not load the interactive UI (Ink, React) nor the server: each costs start-up
 * time on every command. Every file a run of the built CLI loads is recorded (test/helpers/load-trace.ts);
 * dist/ holds bundles, so each loaded file of dist/ is traced back through its source map to the
 * modules of src/ and node_modules it holds.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTraced } from '../helpers/load-trace.js';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const DIST = path.dirname(CLI) + path.sep;
const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `files` hold: for a file of dist/ its sources (from its .map), else the file itself. */
function sourcesOf(files: string[]): string[] {
  const sources = new Set<string>();
  for (const file of files) {
    if (!file.startsWith(DIST) || !file.endsWith('.js')) {
      sources.add(file);
      continue;
    }
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    for (const s of map.sources) sources.add(path.resolve(path.dirname(file), s));
  }
  return [...sources].map((s) => s.split(path.sep).join('/'));
}

const UI_OR_SERVER_PACKAGES = /node_modules\/(ink|ink-select-input|react|react-reconciler|yoga-layout|better-sqlite3|zustand|pg|mysql2|busboy|prom-client)\//;
const UI_OR_SERVER_SOURCES = /\/src\/(server|notary\/server|screens|ui|state)\/|\/src\/(main|main-ui)\.ts$|\/src\/app\.tsx$/;

describe('plain commands load only what they use', () => {
  // `help inspect` sets up every command from the ES-module build (`--help` is printed from
  // pre-rendered text: help-fast-path.test.ts).
  for (const args of [['key', 'list'], ['inspect', 'registry.example.com/team/app', '--server', 'https://127.0.0.1:9'], ['verify', 'registry.example.com/team/app:v1', '--server', 'https://127.0.0.1:9'], ['help', 'inspect']]) {
    it(`trust-tui ${args.join(' ')} loads neither Ink, React, the server nor the key encryption`, async () => {
      const r = await runTraced(CLI, ['--trust-dir', dir, '--config-dir', dir, ...args], { XDG_CACHE_HOME: dir });
      expect(r.code, r.stderr).toBeLessThan(2);
      const sources = sourcesOf(r.files);
      expect(sources.filter((s) => s.includes('/src/cli/')).length).toBeGreaterThan(5);
      expect(sources.filter((s) => UI_OR_SERVER_PACKAGES.test(s) || s.includes('node_modules/node-forge/'))).toEqual([]);
      expect(sources.filter((s) => UI_OR_SERVER_SOURCES.test(s))).toEqual([]);
    });
  }

  it('runs a command named on the command line from its own bundle, without the ES-module build', async () => {
    const r = await runTraced(CLI, ['--trust-dir', dir, '--config-dir', dir, 'key', 'list'], { XDG_CACHE_HOME: dir });
    expect(r.code, r.stderr).toBe(0);
    const ours = r.files.filter((f) => f.startsWith(DIST)).map((f) => path.relative(DIST, f).split(path.sep).join('/'));
    expect(ours).toEqual(['cli.js', 'commands/key.js']);
  });

  it("inspect and verify load none of Node's own modules they do not use (they load at first use)", async () => {
    // Node lists every built-in module it has loaded (process.moduleLoadList); a plain read of a
    // repository reads files synchronously and asks an https server, so node:fs/promises (and the
    // readline and file watchers it brings), node:http, node:module and node:os stay unloaded.
    const preload = path.join(dir, 'module-list.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeSync(2, '\\nMODULES ' + process.moduleLoadList.join(',') + '\\n'));\n");
    const unused = ['fs/promises', 'internal/fs/promises', 'internal/readline/interface', 'http', 'module', 'os'];
    for (const args of [['inspect', 'registry.example.com/team/app'], ['verify', 'registry.example.com/team/app:v1']]) {
      const r = await runCommand(process.execPath, ['-r', preload, CLI, '--trust-dir', dir, '--config-dir', dir, ...args, '--server', 'https://127.0.0.1:9'], {
        env: { XDG_CACHE_HOME: dir, HOME: dir, DOCKER_CONFIG: dir },
      });
      const loaded = new Set((/^MODULES (.*)$/m.exec(r.stderr)?.[1] ?? '').split(',').map((m) => m.replace(/^NativeModule /, '')));
      expect(loaded.has('https'), r.stderr).toBe(true);
      expect(unused.filter((m) => loaded.has(m))).toEqual([]);
    }
  });

  it('holds no UI, state or server code in any command bundle', () => {
    const bundles = readdirSync(path.join(DIST, 'commands')).filter((f) => f.endsWith('.js'));
    expect(bundles.length).toBeGreaterThan(10);
    for (const bundle of bundles) {
      const sources = sourcesOf([path.join(DIST, 'commands', bundle)]);
      expect(sources.filter((s) => UI_OR_SERVER_PACKAGES.test(s) || UI_OR_SERVER_SOURCES.test(s)), bundle).toEqual([]);
    }
  });
});
