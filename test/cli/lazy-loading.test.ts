/**
 * Plain commands must not load the interactive UI (Ink, React) nor the server: each costs start-up
 * time on every command. A module-resolution hook records what the built CLI imports.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

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

describe('plain commands load only what they use', () => {
  for (const args of [['key', 'list'], ['inspect', 'registry.example.com/team/app', '--server', 'https://127.0.0.1:9'], ['verify', 'registry.example.com/team/app:v1', '--server', 'https://127.0.0.1:9'], ['--help']]) {
    it(`trust-tui ${args.join(' ')} loads neither Ink, React, the server nor the key encryption`, async () => {
      const loaded = await loadedBy(args);
      expect(loaded.length).toBeGreaterThan(5);
      expect(loaded.filter((u) => /node_modules\/(ink|react|yoga-layout|better-sqlite3|zustand|node-forge)\//.test(u))).toEqual([]);
      expect(loaded.filter((u) => /dist\/(notary\/server|screens|ui|state)\//.test(u) || u.endsWith('/main.js'))).toEqual([]);
    });
  }
});
