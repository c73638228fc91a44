// Writing an exported policy: one file (to FILE, or into an existing directory), or Notation's
// directory (trustpolicy.oci.json + truststore/…). Each file is replaced atomically. An existing
// trustpolicy.oci.json keeps its other policies: ours replaces the one with our name, and a foreign
// policy already covering the repository is refused (Notation rejects overlapping scopes).
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../keys/atomic-write.js';
import { InputError } from '../errors.js';
import type { PolicyFile, PolicyFormat } from './common.js';
import type { TrustPolicyDocument } from './notation.js';

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function mergeTrustPolicy(existingText: string, ours: TrustPolicyDocument, where: string): string {
  let existing: TrustPolicyDocument;
  try {
    existing = JSON.parse(existingText) as TrustPolicyDocument;
    if (!Array.isArray(existing.trustPolicies)) throw new Error('no trustPolicies list');
  } catch (e) {
    throw new InputError(`${where} exists but is not a Notation trust policy (${(e as Error).message}): nothing was written`, {
      hint: 'move it away, or write to another directory with --output',
    });
  }
  const policy = ours.trustPolicies[0]!;
  const others = existing.trustPolicies.filter((p) => p.name !== policy.name);
  const overlap = others.find((p) => Array.isArray(p.registryScopes) && p.registryScopes.some((s) => s === '*' ? false : policy.registryScopes.includes(s)));
  if (overlap) {
    throw new InputError(`the trust policy "${overlap.name}" in ${where} already covers ${policy.registryScopes.join(', ')}: nothing was written`, {
      hint: 'remove that policy, or write to another directory with --output',
    });
  }
  return `${JSON.stringify({ ...existing, trustPolicies: [...others, policy] }, null, 2)}\n`;
}

/** Writes the files and returns the paths written (absolute). */
export async function writePolicy(format: PolicyFormat, files: readonly PolicyFile[], output: string): Promise<string[]> {
  const target = path.resolve(output);
  if (format !== 'notation') {
    const [file] = files;
    if (!file || files.length !== 1) throw new Error('a single-file policy has one file');
    const dest = (await isDirectory(target)) ? path.join(target, file.path) : target;
    if (!(await isDirectory(path.dirname(dest)))) {
      throw new InputError(`cannot write ${dest}: the directory ${path.dirname(dest)} does not exist`);
    }
    await writeFileAtomic(dest, file.content, file.mode);
    return [dest];
  }
  // Notation: a directory laid out as Notation's configuration directory.
  try {
    await mkdir(target, { recursive: true });
  } catch (e) {
    throw new InputError(`cannot create the directory ${target}: ${(e as Error).message}`);
  }
  if (!(await isDirectory(target))) throw new InputError(`--output ${output} must be a directory for Notation (trustpolicy.oci.json and truststore/)`);
  const contents = new Map(files.map((f) => [f.path, f.content]));
  const policyPath = path.join(target, 'trustpolicy.oci.json');
  const existing = await readFile(policyPath, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    contents.set('trustpolicy.oci.json', mergeTrustPolicy(existing, JSON.parse(contents.get('trustpolicy.oci.json')!) as TrustPolicyDocument, policyPath));
  }
  const written: string[] = [];
  // Certificates first, the policy last: a policy never names a trust store that is not there yet.
  for (const file of [...files].sort((a, b) => Number(a.path === 'trustpolicy.oci.json') - Number(b.path === 'trustpolicy.oci.json'))) {
    const dest = path.join(target, ...file.path.split('/'));
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFileAtomic(dest, contents.get(file.path)!, file.mode);
    written.push(dest);
  }
  // A signer no longer required must not stay a trust anchor: the store directory is this export's own.
  for (const dir of new Set(files.filter((f) => f.path.startsWith('truststore/')).map((f) => path.join(target, ...path.posix.dirname(f.path).split('/'))))) {
    for (const name of await readdir(dir)) {
      const file = path.join(dir, name);
      if (name.endsWith('.crt') && !written.includes(file)) await unlink(file);
    }
  }
  return written;
}
