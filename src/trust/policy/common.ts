// What every policy format shares: the input (a repository and the signers it requires), the image
// patterns a repository's images match, resource names, and YAML with the caveats as comments.
import { createHash } from 'node:crypto';
import { Document, isMap, isSeq, type Node } from 'yaml';
import type { PolicySigner } from './signers.js';

export const POLICY_FORMATS = ['kyverno', 'kyverno-notary', 'policy-controller', 'connaisseur', 'notation', 'cosign-cmd'] as const;
/** The formats that verify Notation signatures and so need each signer's certificate. */
export const CERTIFICATE_FORMATS: readonly PolicyFormat[] = ['notation', 'kyverno-notary'];
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

export interface PolicyInput {
  /** The repository (registry-qualified, as docker normalises it). */
  gun: string;
  /** The signers the policy requires, k of them (`threshold`). */
  signers: PolicySigner[];
  threshold: number;
  /** Sentences said with the policy (comments where the format has them). */
  caveats: string[];
}

export interface PolicyFile {
  /** Relative path: a file name, or a path inside the output directory (Notation). */
  path: string;
  content: string;
  /** 0o755 for the cosign script. */
  mode: number;
}

export interface BuiltPolicy {
  files: PolicyFile[];
  /** False when the format has no comments (JSON): the caveats are said beside it. */
  caveatsInline: boolean;
  /** Patterns of image references the policy applies to, as written in it. */
  scope: string[];
}

/** The references of the repository's images: untagged, by tag, by digest. */
export function imagePatterns(gun: string): { exact: string; tagged: string; digested: string } {
  return { exact: gun, tagged: `${gun}:*`, digested: `${gun}@*` };
}

/**
 * A Kubernetes object name (DNS-1123 label, at most 63 characters) for this repository: the GUN with
 * other characters as `-`; a long one is cut and keeps a short hash so two repositories never share it.
 */
export function resourceName(gun: string, suffix = ''): string {
  const base = `dct-${gun}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const tail = suffix ? `-${suffix.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')}` : '';
  const name = base + tail;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(`${gun}\u0000${suffix}`).digest('hex').slice(0, 8);
  return `${base.slice(0, 63 - tail.length - 9).replace(/-+$/, '')}-${hash}${tail}`;
}

/** The file a single-file policy is written to by default (`--output DIR`, the UI's suggestion). */
export function policyFileName(gun: string, format: Exclude<PolicyFormat, 'notation'>): string {
  const name = resourceName(gun);
  switch (format) {
    case 'kyverno':
      return `${name}.kyverno.yaml`;
    case 'kyverno-notary':
      return `${name}.kyverno-notary.yaml`;
    case 'policy-controller':
      return `${name}.cip.yaml`;
    case 'connaisseur':
      return `${name}.connaisseur-values.yaml`;
    case 'cosign-cmd':
      return `verify-${name}.sh`;
  }
}

/** A file name piece for a signer (docker's names are already safe; notary's nested roles may not be). */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** The file names of a signer's keys: `alice.pub`, or `team-1.pub`, `team-2.pub` for several. */
export function keyFileNames(name: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => (count === 1 ? `${fileSafe(name)}.pub` : `${fileSafe(name)}-${i + 1}.pub`));
}

/** Comment lines (`# …`) wrapping each caveat at about 100 columns. */
export function commentLines(caveats: readonly string[], prefix = '# '): string {
  const out: string[] = [];
  for (const caveat of caveats) {
    let line = '';
    for (const word of caveat.split(' ')) {
      if (line && line.length + word.length + 1 > 98) {
        out.push(prefix + line);
        line = '  ' + word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(prefix + line);
  }
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** One YAML document; `comments` maps a path in it to a comment put above that node. */
export function yamlDocument(value: unknown, comments: { path: (string | number)[]; text: string }[] = []): string {
  const doc = new Document(value);
  for (const { path, text } of comments) {
    const node = doc.getIn(path, true) as Node | undefined;
    if (node && (isMap(node) || isSeq(node) || 'commentBefore' in node)) node.commentBefore = ` ${text}`;
  }
  return doc.toString({ blockQuote: 'literal', lineWidth: 0 });
}

/** A YAML stream: the caveats as a leading comment, then the documents separated by `---`. */
export function yamlStream(caveats: readonly string[], documents: readonly string[]): string {
  return commentLines(caveats) + documents.map((d, i) => (i === 0 ? d : `---\n${d}`)).join('');
}
