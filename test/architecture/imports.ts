// Reads the import graph of src/ with the TypeScript parser and checks it against the layers:
// UI (app, main, screens, ui) -> state -> trust -> notary, registry, keys, config -> tuf.
// The command-line program (src/cli, src/cli.ts) sits beside the UI and reaches the UI only through
// a dynamic import, so plain commands never load Ink or React. The server (src/server) is the third
// face: it shares wire formats and validation rules with the client through src/notary, never
// imports trust, state or UI, and the command line loads it only with a dynamic import.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, relative to the repository root with forward slashes (src/...). */
  from: string;
  /** The module specifier as written. */
  specifier: string;
  /** Resolved src/ path for a relative import; undefined for a package or node: module. */
  target?: string;
  dynamic: boolean;
  typeOnly: boolean;
}

export function sourceFiles(root: string, dir = 'src'): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, sourceFiles(root, rel));
    else if (/\.tsx?$/.test(entry.name)) files[rel] = readFileSync(path.join(root, rel), 'utf8');
  }
  return files;
}

export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, dynamic: boolean, typeOnly: boolean) => {
    const target = specifier.startsWith('.') ? resolve(file, specifier) : undefined;
    edges.push({ from: file, specifier, dynamic, typeOnly, ...(target ? { target } : {}) });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || allNamedBindingsAreTypes(clause));
      add(node.moduleSpecifier.text, false, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, false, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) add(arg.text, true, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, false, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function allNamedBindingsAreTypes(clause: ts.ImportClause): boolean {
  const bindings = clause.namedBindings;
  return !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** `./x.js` from src/a/b.ts -> src/a/x (extension dropped: .js in specifiers names a .ts/.tsx file). */
function resolve(from: string, specifier: string): string {
  return path.posix.join(path.posix.dirname(from), specifier).replace(/\.(js|jsx|ts|tsx)$/, '');
}

export type Layer = 'entry' | 'cli' | 'ui' | 'server' | 'state' | 'trust' | 'services' | 'tuf';

/** The layer of a src/ path (with or without extension). */
export function layerOf(file: string): Layer {
  const rel = file.replace(/^src\//, '').replace(/\.(js|jsx|ts|tsx)$/, '');
  if (rel === 'cli' || rel === 'cli-dist') return 'entry';
  const top = rel.split('/')[0];
  switch (top) {
    case 'cli':
      return 'cli';
    case 'app':
    case 'main':
    case 'main-ui':
    case 'screens':
    case 'ui':
      return 'ui';
    case 'server':
      return 'server';
    case 'state':
      return 'state';
    case 'trust':
      return 'trust';
    case 'notary':
    case 'registry':
    case 'keys':
    case 'config':
    case 'net':
      return 'services';
    case 'tuf':
      return 'tuf';
    default:
      throw new Error(`${file}: not in any layer; add it to test/architecture/imports.ts`);
  }
}

/** Which layers each layer may import: only its own and those below it. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  entry: ['cli'],
  ui: ['ui', 'state', 'trust', 'services', 'tuf'],
  server: ['server', 'services', 'tuf'],
  cli: ['cli', 'trust', 'services', 'tuf'],
  state: ['state', 'trust', 'services', 'tuf'],
  trust: ['trust', 'services', 'tuf'],
  services: ['services', 'tuf'],
  tuf: ['tuf'],
};

/** The command line starts the UI (no arguments, `demo`) with a dynamic import only. */
const MAY_LOAD_LATER: Partial<Record<Layer, readonly Layer[]>> = {
  entry: ['ui', 'state', 'server'],
  cli: ['ui', 'state', 'server'],
};

const UI_PACKAGES = /^(ink|ink-[\w-]+|react|react\/.*|react-dom)$/;
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|child_process|worker_threads|cluster)$/;

/** Every import that breaks the layering, as `file: specifier (why)`. */
export function violations(files: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const from = layerOf(file);
    for (const edge of importsOf(file, text)) {
      const where = `${file}: ${edge.dynamic ? 'import()' : 'import'} '${edge.specifier}'`;
      if (edge.target) {
        const to = layerOf(edge.target);
        if (MAY_IMPORT[from].includes(to)) continue;
        if (MAY_LOAD_LATER[from]?.includes(to)) {
          if (!edge.dynamic && !edge.typeOnly) found.push(`${where} (the command line loads ${to} only with a dynamic import)`);
        } else {
          found.push(`${where} (${from} must not import ${to})`);
        }
        continue;
      }
      if (UI_PACKAGES.test(edge.specifier)) {
        if (from === 'tuf' || from === 'services' || from === 'trust' || from === 'server') found.push(`${where} (${from} has no React or Ink)`);
        else if ((from === 'cli' || from === 'entry') && !edge.dynamic && !edge.typeOnly) {
          found.push(`${where} (plain commands never load React or Ink)`);
        }
      }
      if (from === 'tuf' && IO_MODULES.test(edge.specifier) && !edge.typeOnly) found.push(`${where} (src/tuf does no IO)`);
    }
  }
  return found.sort();
}
