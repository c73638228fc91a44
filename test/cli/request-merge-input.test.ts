/**
 * `request merge FILE` with something that is not a request: one line naming the file and why,
 * exit 1, and nothing kept (no request folder appears in the trust directory).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustTui } from '../helpers/trust-tui.js';

describe('request merge with a file that is not a request', () => {
  it('a directory, a missing file, a Dockerfile, a request of another schema: one line each, nothing kept', async () => {
    const tt = trustTui();
    const dir = path.join(tt.workDir, 'inbox');
    mkdirSync(dir);
    writeFileSync(path.join(tt.workDir, 'Dockerfile'), 'FROM alpine\n');
    writeFileSync(path.join(tt.workDir, 'v2.json'), '{"type":"trust-tui/signing-request","version":2}');
    const cases: [string, RegExp][] = [
      ['inbox', /^trust-tui: .*inbox is a directory, not a file/],
      ['missing.sig.json', /^trust-tui: .*missing\.sig\.json does not exist/],
      ['Dockerfile', /^trust-tui: Dockerfile is not a signing request: invalid JSON/],
      ['v2.json', /^trust-tui: v2\.json is not a signing request: schema version 2 is not supported/],
    ];
    for (const [file, message] of cases) {
      const r = await tt(['request', 'merge', file]);
      expect(r.code, file).toBe(1);
      expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(r.stderr, file).toMatch(message);
    }
    expect(existsSync(path.join(tt.trustDir, 'trust-tui', 'requests'))).toBe(false);
  });
});
