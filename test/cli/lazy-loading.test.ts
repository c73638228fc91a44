/**
 * Plain commands must not load the interactive UI (Ink, React) nor the server: each costs start-up
 * time on every command. A module-resolution hook records what the built CLI imports; dist/ is a
 * bundle, so each loaded file of dist/ is traced back through its source map to the modules of src/
 * and node_modules it holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const DIST = path.dirname(CLI) + path.sep;
const dir = mkdtempSync(path.join(tmpdir(), 'trust-tui-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooks = path.join(dir, 'hooks.mjs');
const register = path.join(dir, 'register.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.TRUST_TUI_LOADED, result.url + '\\n');
  return result;
}
`,
);
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

async function loadedBy(args: string[]): Promise<string[]> {
  const log = path.join(dir, `${args.join('-').replace(/\W/g, '_')}.log`);
  writeFileSync(log, '');
  const r = await runCommand(process.execPath, ['--import', register, CLI, '--trust-dir', dir, '--config-dir', dir, ...args], {
    env: { TRUST_TUI_LOADED: log },
  });
  expect(r.code, r.stderr).toBeLessThan(2);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/** What the loaded files hold: for a bundled file its sources (from its .map), else the file itself. */
function sourcesOf(urls: string[]): string[] {
  const sources = new Set<string>();
  for (const url of urls) {
    if (!url.startsWith('file:')) continue;
    const file = fileURLToPath(url);
    if (!file.startsWith(DIST)) {
      sources.add(file);
      continue;
    }
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    for (const s of map.sources) sources.add(path.resolve(path.dirname(file), s));
  }
  return [...sources].map((s) => s.split(path.sep).join('/'));
}

describe('plain commands load only what they use', () => {
  // `help inspect` sets up every command (`--help` is printed from pre-rendered text: help-fast-path.test.ts).
  for (const args of [['key', 'list'], ['inspect', 'registry.example.com/team/app', '--server', 'https://127.0.0.1:9'], ['verify', 'registry.example.com/team/app:v1', '--server', 'https://127.0.0.1:9'], ['help', 'inspect']]) {
    it(`trust-tui ${args.join(' ')} loads neither Ink, React, the server nor the key encryption`, async () => {
      const sources = sourcesOf(await loadedBy(args));
      expect(sources.filter((s) => s.includes('/src/cli/')).length).toBeGreaterThan(5);
      expect(sources.filter((s) => /node_modules\/(ink|react|yoga-layout|better-sqlite3|zustand|node-forge)\//.test(s))).toEqual([]);
      expect(sources.filter((s) => /\/src\/(server|notary\/server|screens|ui|state)\//.test(s) || /\/src\/(main|app)\.tsx$/.test(s))).toEqual([]);
    });
  }
});
