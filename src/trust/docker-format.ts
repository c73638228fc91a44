// `docker trust inspect` output, byte for byte (docker/cli cli/command/trust/inspect.go, inspect_pretty.go): the JSON scripts
// parse and the `--pretty` text people read. Built from a RepositoryView only.
import type { RepositoryView, SignedTag } from '../tuf/repository-view.js';
import { REPO_ADMIN } from '../tuf/repository-view.js';

export interface DockerKey {
  ID: string;
}
export interface DockerInspectEntry {
  Name: string;
  SignedTags: { SignedTag: string; Digest: string; Signers: string[] }[];
  Signers: { Name: string; Keys: DockerKey[] }[];
  AdministrativeKeys: { Name: string; Keys: DockerKey[] }[];
}

const byNameDescending = (a: { Name: string }, b: { Name: string }) => (a.Name < b.Name ? 1 : a.Name > b.Name ? -1 : 0);

/** One entry of `docker trust inspect NAME[:TAG]` (`tag` undefined: every released tag). */
export function dockerInspectEntry(name: string, view: RepositoryView, tag?: string): DockerInspectEntry {
  const rows: SignedTag[] = tag === undefined ? view.releasedTags() : view.tag(tag);
  const admin = view.administrativeKeys();
  return {
    Name: name,
    SignedTags: rows.map((t) => ({
      SignedTag: t.tag,
      Digest: t.digest,
      // releasedTags builds fresh rows on every call: their signer lists need no copy.
      Signers: t.signers.length > 0 ? t.signers : [REPO_ADMIN],
    })),
    Signers: view
      .signers()
      .map((s) => ({ Name: s.name, Keys: s.keys.map((k) => ({ ID: k.canonicalId })) }))
      .sort(byNameDescending),
    AdministrativeKeys: [
      { Name: 'Root', Keys: admin.root.map((k) => ({ ID: k.id })) },
      { Name: 'Repository', Keys: admin.repository.map((k) => ({ ID: k.id })) },
    ].sort(byNameDescending),
  };
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;
const goEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Go's json.MarshalIndent with 4 spaces (and its HTML-safe escaping), plus the newline docker prints. */
export function dockerInspectJson(entries: DockerInspectEntry[]): string {
  // One pass over the text (a 10,000-tag repository prints megabytes), only where a character needs it.
  const text = JSON.stringify(entries, null, 4);
  return (HTML_UNSAFE.test(text) ? text.replace(HTML_UNSAFE_ALL, goEscape) : text) + '\n';
}

/** Go's text/tabwriter as docker configures it: minwidth 10, padding 3, spaces; last column unpadded. */
export function tabwriter(rows: string[][]): string {
  const columns = Math.max(0, ...rows.map((r) => r.length - 1));
  const widths: number[] = [];
  for (let c = 0; c < columns; c++) {
    const longest = Math.max(...rows.filter((r) => r.length - 1 > c).map((r) => r[c]!.length));
    widths.push(Math.max(10, longest + 3));
  }
  return rows.map((r) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]!) : cell)).join('') + '\n').join('');
}

/**
 * `docker trust inspect --pretty` for several arguments: two newlines after each entry but the
 * last argument's; when an argument failed (`complete` false) docker stopped there, so every entry
 * printed is followed by them.
 */
export function dockerInspectPrettyAll(entries: DockerInspectEntry[], complete: boolean): string {
  const texts = entries.map(dockerInspectPretty);
  return complete ? texts.join('\n\n') : texts.map((t) => t + '\n\n').join('');
}

/** `docker trust inspect --pretty` for one entry. */
export function dockerInspectPretty(entry: DockerInspectEntry): string {
  const name = entry.Name;
  let out = entry.SignedTags.length > 0 ? `\nSignatures for ${name}\n\n` : `\nNo signatures for ${name}\n\n`;
  if (entry.SignedTags.length > 0) {
    out += tabwriter([
      ['SIGNED TAG', 'DIGEST', 'SIGNERS'],
      ...entry.SignedTags.map((t) => [
        t.SignedTag,
        t.Digest,
        t.Signers.length === 1 && t.Signers[0] === REPO_ADMIN ? `(${REPO_ADMIN})` : [...t.Signers].sort().join(', '),
      ]),
    ]);
  }
  if (entry.Signers.length > 0) {
    out += `\nList of signers and their keys for ${name}\n\n`;
    const signers = [...entry.Signers].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    out += tabwriter([
      ['SIGNER', 'KEYS'],
      // docker's stringid.TruncateID (12), not trust-tui's short key ID: this output is docker's, byte for byte.
      ...signers.map((s) => [s.Name, s.Keys.map((k) => k.ID.slice(0, 12)).sort().join(', ')]),
    ]);
  }
  out += `\nAdministrative keys for ${name}\n\n`;
  const admin = [...entry.AdministrativeKeys].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  for (const role of admin) out += `  ${role.Name} Key:\t${role.Keys.map((k) => k.ID).join(', ')}\n`;
  return out;
}
