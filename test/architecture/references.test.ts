// Comments cite what a reader can open: files in this repository (docs/, README.md), the TUF
// specification, or notary/docker source files; never notes outside the repository or paths of
// one machine.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['src', 'test', 'scripts', 'bench'];
const SKIPPED = new Set(['node_modules', 'fixtures']);

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIPPED.has(e.name) ? [] : files(rel);
    return /\.(ts|tsx|sh|mjs|js)$/.test(e.name) ? [rel] : [];
  });
}

function repositoryDocs(dir = '.'): Set<string> {
  const found = new Set<string>();
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'dist') continue;
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) for (const f of repositoryDocs(rel)) found.add(f);
    else if (e.name.endsWith('.md')) found.add(e.name);
  }
  return found;
}

describe('references in code comments', () => {
  const docs = repositoryDocs();
  const sources = SCANNED.flatMap((d) => files(d)).map((f) => ({ file: f, text: readFileSync(path.join(root, f), 'utf8') }));

  it('name only documents that are in the repository', () => {
    const missing = sources.flatMap(({ file, text }) =>
      [...text.replace(/https?:\/\/\S+/g, '').matchAll(/[\w.-]+\.md\b/g)].map((m) => m[0]).filter((name) => !docs.has(name)).map((name) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('contain no absolute paths of a machine', () => {
    const found = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/(?<![\w.$}])\/(work|home|Users|root)\/[\w.-]+/g)].map((m) => `${file}: ${m[0]}`),
    );
    expect(found).toEqual([]);
  });
});
