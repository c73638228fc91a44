/**
 * The interactive UI runs React's production build (src/ui/react-mode.ts): the development build
 * roughly doubles the time a keypress takes on a long list. React picks its build when it is first
 * loaded, so this loads the built UI entry as `trust-tui` does and asks which build ran.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/proc.js';
import { CLI } from '../helpers/trust-tui.js';

const MAIN = pathToFileURL(path.join(path.dirname(CLI), 'esm', 'main.js')).href;
const PROBE = `
await (await import(${JSON.stringify(MAIN)})).loadUi();
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
const ran = Object.entries(cache).filter(([file, m]) => m.loaded && /node_modules\\/react(-reconciler)?\\/cjs\\//.test(file));
console.log(JSON.stringify(ran.map(([file]) => path.basename(file))));
`;

async function reactBuildsLoaded(nodeEnv: string | undefined): Promise<string[]> {
  const r = await runCommand(process.execPath, ['--input-type=module', '-e', `import path from 'node:path';${PROBE}`], { env: { NODE_ENV: nodeEnv } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

describe('the UI entry loads React', () => {
  it('in its production build when NODE_ENV is unset', async () => {
    const files = await reactBuildsLoaded(undefined);
    expect(files).toContain('react.production.js');
    expect(files).toContain('react-reconciler.production.js');
    expect(files.filter((f) => f.includes('development'))).toEqual([]);
  });

  it('in the build NODE_ENV names when it is set', async () => {
    const files = await reactBuildsLoaded('development');
    expect(files).toContain('react.development.js');
  });
});
