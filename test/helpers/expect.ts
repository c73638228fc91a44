/** Assertions shared by the tests that run real programs. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { RunResult } from './proc.js';

/** Expects exit 0; on failure shows the command's whole output, which is what one needs to see. */
export function ok(result: RunResult): RunResult {
  expect(result, `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toMatchObject({ code: 0 });
  return result;
}

/** Every file below `dir` with its bytes: "nothing changed" means equal snapshots before and after. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p, 'base64');
    }
  };
  walk(dir);
  return out;
}
