// Dependencies point one way: UI -> state -> trust -> notary/registry/keys/config -> tuf; the server
// (src/server) sits beside the UI and the command line and uses only notary/keys/config and tuf.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles, violations } from './imports.js';

const root = path.resolve(import.meta.dirname, '../..');
const src = sourceFiles(root);

describe('import layers of src/', () => {
  it('has no upward import, no IO or UI in src/tuf, and no statically loaded UI in the command line', () => {
    expect(violations(src)).toEqual([]);
  });

  it.each([
    ['src/tuf/bad.ts', "import { readFileSync } from 'node:fs';", 'src/tuf does no IO'],
    ['src/tuf/bad.ts', "import { spawn } from 'child_process';", 'src/tuf does no IO'],
    ['src/tuf/bad.ts', "import { Text } from 'ink';", 'tuf has no React or Ink'],
    ['src/tuf/bad.ts', "import { KeyStore } from '../keys/keystore.js';", 'tuf must not import services'],
    ['src/keys/bad.ts', "import { sign } from '../trust/sign.js';", 'services must not import trust'],
    ['src/trust/bad.ts', "import { keyUsage } from '../state/store.js';", 'trust must not import state'],
    ['src/trust/bad.ts', "import { useState } from 'react';", 'trust has no React or Ink'],
    ['src/state/bad.ts', "import { glyph } from '../ui/theme.js';", 'state must not import ui'],
    ['src/state/slices/bad.ts', "export { SCREENS } from '../../app.js';", 'state must not import ui'],
    ['src/cli/commands/bad.ts', "import { render } from 'ink';", 'plain commands never load React or Ink'],
    ['src/cli/commands/bad.ts', "import { KeysScreen } from '../../screens/KeysScreen.js';", 'the command line loads ui only with a dynamic import'],
    ['src/cli/bad.ts', "import { createAppStore } from '../state/store.js';", 'the command line loads state only with a dynamic import'],
    ['src/cli.ts', "import { main } from './main.js';", 'the command line loads ui only with a dynamic import'],
    ['src/cli/commands/bad.ts', "import { startServer } from '../../server/server.js';", 'the command line loads server only with a dynamic import'],
    ['src/server/bad.ts', "import { signTag } from '../trust/sign.js';", 'server must not import trust'],
    ['src/server/bad.ts', "import { Text } from 'ink';", 'server has no React or Ink'],
    ['src/notary/bad.ts', "import { startServer } from '../server/server.js';", 'services must not import server'],
  ])('refuses %s with %s', (file, code, why) => {
    const found = violations({ ...src, [file]: `${src[file] ?? ''}\n${code}\n` });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(why);
  });

  it('allows the command line to start the UI with a dynamic import', () => {
    const code = "export async function ui() { await import('../../main.js'); await import('../../state/store.js'); }";
    expect(violations({ ...src, 'src/cli/commands/ok.ts': code })).toEqual([]);
  });
});
