// The base images of a Dockerfile: every FROM line, with ARG substitution, as docker's builders read
// them (moby/buildkit frontend/dockerfile/parser/parser.go for lines, directives, continuations and
// heredocs; frontend/dockerfile/instructions/parse.go for FROM and ARG; frontend/dockerfile/
// dockerfile2llb/convert.go for meta args and stage references; shell/lex.go for `$VAR` forms).
// Pure: text in, FROM lines out. Only what decides which images a build pulls is interpreted.
import { InputError } from '../errors.js';

export type FromBase =
  | { kind: 'image'; reference: string }
  | { kind: 'scratch' }
  /** An earlier stage of the same Dockerfile (`FROM builder`), by its `AS` name. */
  | { kind: 'stage'; name: string; index: number };

export interface FromLine {
  /** 1-based line of the FROM keyword. */
  line: number;
  /** The instruction as written, continuations joined. */
  text: string;
  /** Index of the stage this FROM starts (0-based). */
  stage: number;
  /** `AS name`, lowercased as docker does. */
  name?: string;
  /** `--platform=…` as written (it does not change which signed tag is pulled). */
  platform?: string;
  /** The image after ARG substitution. */
  image: string;
  base: FromBase;
}

export interface ParsedDockerfile {
  froms: FromLine[];
  /** Build args given that no ARG before the first FROM declares (docker ignores them for FROM). */
  unusedBuildArgs: string[];
}

export class DockerfileError extends InputError {
  override name = 'DockerfileError';
  constructor(
    readonly line: number,
    detail: string,
    /** The file, when known: the message then reads `FILE line N: …`. */
    file?: string,
  ) {
    super(`${file ? `${file} ` : ''}line ${line}: ${detail}`, { hint: 'fix the Dockerfile, or give the build args it needs with --build-arg' });
  }
}

/** Args the builder sets itself; usable in FROM without an ARG (docker docs: "Automatic platform ARGs"). */
const AUTOMATIC_ARGS = new Set([
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
]);
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` (buildkit parser.go heredoc handling).
const HEREDOC = /<<(-?)\s*(?:"([^"\s]+)"|'([^'\s]+)'|([A-Za-z0-9_][^\s"'<>|&;()]*))/g;

interface Instruction {
  line: number;
  text: string;
}

/** Parses `text` and returns its FROM lines. `buildArgs` are `--build-arg` values (K=V). */
export function parseDockerfile(text: string, buildArgs: ReadonlyMap<string, string> = new Map()): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, firstLine } = readDirectives(lines);
  const instructions = readInstructions(lines, firstLine, escape);

  const metaArgs = new Map<string, string | undefined>();
  const declared = new Set<string>();
  const froms: FromLine[] = [];
  const stageNames = new Map<string, number>();
  for (const ins of instructions) {
    const [keyword = '', rest = ''] = splitKeyword(ins.text);
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && froms.length === 0) {
      for (const word of splitWords(rest, escape, ins.line)) {
        const eq = word.indexOf('=');
        const name = eq === -1 ? word : word.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(ins.line, `ARG names a variable "${name}" that is not a valid name`);
        declared.add(name);
        const fallback = eq === -1 ? undefined : expand(word.slice(eq + 1), lookup(metaArgs), escape, ins.line);
        metaArgs.set(name, buildArgs.has(name) ? buildArgs.get(name) : fallback);
      }
    } else if (upper === 'FROM') {
      const from = parseFrom(ins, rest, froms.length, escape, (name) => {
        if (metaArgs.has(name)) return metaArgs.get(name);
        if (AUTOMATIC_ARGS.has(name)) {
          if (buildArgs.has(name)) return buildArgs.get(name);
          throw new DockerfileError(ins.line, `the image depends on ${name}, which the builder sets; give it with --build-arg ${name}=…`);
        }
        return undefined;
      }, stageNames);
      if (from.name !== undefined) {
        if (stageNames.has(from.name)) throw new DockerfileError(ins.line, `duplicate stage name "${from.name}"`);
        stageNames.set(from.name, from.stage);
      }
      froms.push(from);
    } else if (froms.length === 0 && upper !== 'ARG') {
      throw new DockerfileError(ins.line, `${keyword} before the first FROM (only ARG may come before it)`);
    }
  }
  if (froms.length === 0) throw new DockerfileError(Math.max(1, lines.length), 'no FROM instruction');
  const unusedBuildArgs = [...buildArgs.keys()].filter((k) => !declared.has(k) && !AUTOMATIC_ARGS.has(k));
  return { froms, unusedBuildArgs };
}

function lookup(vars: ReadonlyMap<string, string | undefined>): (name: string) => string | undefined {
  return (name) => vars.get(name);
}

/** Leading `# key=value` lines; the first other line (even a blank one) ends them. */
function readDirectives(lines: string[]): { escape: string; firstLine: number } {
  let escape = '\\';
  let i = 0;
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) break; // a repeated directive is an ordinary comment
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError(i + 1, `invalid escape directive "${m[2]}" (use \\ or \`)`);
      escape = m[2];
    }
  }
  return { escape, firstLine: i };
}

/**
 * Logical instructions: comments and blank lines dropped, `escape`-continued lines joined (comment
 * and empty lines inside a continuation are skipped, as docker does), heredoc bodies skipped.
 */
function readInstructions(lines: string[], start: number, escape: string): Instruction[] {
  const continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const out: Instruction[] = [];
  let i = start;
  while (i < lines.length) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const line = i + 1;
    let text = '';
    let current = raw.replace(/^\s+/, '');
    for (;;) {
      const cont = continuation.exec(current);
      if (!cont) {
        text += current;
        i++;
        break;
      }
      text += current.slice(0, cont.index);
      i++;
      // skip comment and empty lines inside the continuation
      while (i < lines.length && (lines[i]!.trim() === '' || lines[i]!.trim().startsWith('#'))) i++;
      if (i >= lines.length) break;
      current = lines[i]!;
    }
    out.push({ line, text });
    i = skipHeredocs(text, lines, i);
  }
  return out;
}

function skipHeredocs(text: string, lines: string[], next: number): number {
  const [keyword = ''] = splitKeyword(text);
  if (!HEREDOC_INSTRUCTIONS.has(keyword.toUpperCase())) return next;
  let i = next;
  for (const m of text.matchAll(HEREDOC)) {
    const stripTabs = m[1] === '-';
    const word = m[2] ?? m[3] ?? m[4]!;
    while (i < lines.length) {
      const body = stripTabs ? lines[i]!.replace(/^\t+/, '') : lines[i]!;
      i++;
      if (body === word) break;
    }
  }
  return i;
}

function splitKeyword(text: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return m ? [m[1]!, m[2]!] : ['', ''];
}

/** Whitespace-separated words; quotes and escapes keep their characters (expand removes them). */
function splitWords(text: string, escape: string, line: number): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      word += c + text[++i];
      inWord = true;
    } else if (quote) {
      word += c;
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word += c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new DockerfileError(line, `unmatched ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

function parseFrom(
  ins: Instruction,
  rest: string,
  stage: number,
  escape: string,
  vars: (name: string) => string | undefined,
  stageNames: ReadonlyMap<string, number>,
): FromLine {
  const words = splitWords(rest, escape, ins.line);
  let platform: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const m = /^--([^=]+)=(.*)$/.exec(flag);
    if (!m) throw new DockerfileError(ins.line, `FROM flag ${flag} needs a value (--name=value)`);
    if (m[1] !== 'platform') throw new DockerfileError(ins.line, `unknown flag for FROM: --${m[1]}`);
    platform = m[2];
  }
  const [imageWord, as, nameWord, ...extra] = words;
  if (imageWord === undefined || !(words.length === 1 || (words.length === 3 && as!.toLowerCase() === 'as')) || extra.length > 0) {
    throw new DockerfileError(ins.line, 'FROM needs an image, optionally followed by AS <name>');
  }
  const image = expand(imageWord, vars, escape, ins.line);
  if (image === '') throw new DockerfileError(ins.line, `the image ${imageWord} is empty after substituting build args; give them with --build-arg`);
  let name: string | undefined;
  if (nameWord !== undefined) {
    name = nameWord.toLowerCase();
    if (!STAGE_NAME.test(name)) throw new DockerfileError(ins.line, `invalid stage name "${nameWord}" (a letter, then letters, digits, -, _ or .)`);
  }
  const lower = image.toLowerCase();
  const earlier = stageNames.get(lower);
  const base: FromBase =
    earlier !== undefined ? { kind: 'stage', name: lower, index: earlier } : lower === 'scratch' ? { kind: 'scratch' } : { kind: 'image', reference: image };
  return { line: ins.line, text: ins.text, stage, ...(name !== undefined ? { name } : {}), ...(platform !== undefined ? { platform } : {}), image, base };
}

/**
 * Shell-style word expansion as the Dockerfile lexer does it for FROM and ARG: quotes removed,
 * the escape character keeps the next character, `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`,
 * `${NAME:+word}`, `${NAME+word}`, `${NAME:?message}`, `${NAME?message}`. Unset variables expand to ''.
 */
export function expand(word: string, vars: (name: string) => string | undefined, escape: string, line: number): string {
  let out = '';
  let i = 0;
  let quote: string | undefined;
  while (i < word.length) {
    const c = word[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
      i++;
    } else if (c === escape && i + 1 < word.length) {
      out += word[i + 1];
      i += 2;
    } else if (c === '"') {
      quote = quote === '"' ? undefined : '"';
      i++;
    } else if (c === "'" && quote === undefined) {
      quote = "'";
      i++;
    } else if (c === '$') {
      const [value, end] = expandVariable(word, i, vars, escape, line);
      out += value;
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  if (quote) throw new DockerfileError(line, `unmatched ${quote} quote`);
  return out;
}

function expandVariable(word: string, at: number, vars: (name: string) => string | undefined, escape: string, line: number): [string, number] {
  const next = word[at + 1];
  if (next === '{') {
    const close = matchingBrace(word, at + 1);
    if (close === -1) throw new DockerfileError(line, `missing } in ${word.slice(at)}`);
    const inner = word.slice(at + 2, close);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(inner);
    if (!m) throw new DockerfileError(line, `unsupported substitution \${${inner}} (use \${NAME}, \${NAME:-default} or \${NAME:+alternative})`);
    const [, name, op, arg = ''] = m;
    const value = vars(name!);
    const set = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
    switch (op?.replace(':', '')) {
      case undefined:
        return [value ?? '', close + 1];
      case '-':
        return [set ? value! : expand(arg, vars, escape, line), close + 1];
      case '+':
        return [set ? expand(arg, vars, escape, line) : '', close + 1];
      default:
        if (!set) throw new DockerfileError(line, `${name}: ${arg || 'is not set'}`);
        return [value!, close + 1];
    }
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(at + 1));
  if (!m) return ['$', at + 1];
  return [vars(m[0]) ?? '', at + 1 + m[0].length];
}

function matchingBrace(word: string, open: number): number {
  let depth = 0;
  for (let i = open; i < word.length; i++) {
    if (word[i] === '{') depth++;
    else if (word[i] === '}' && --depth === 0) return i;
  }
  return -1;
}
