// `key save REPO... [--root] [--output FILE]`: a backup of the private keys this host holds for some
// repositories, as the PEM blocks `notary key export` writes (notary cmd/notary/keys.go, utils/keys.go), so that
// `notary key import` and `trust-tui key load` restore them into another trust directory.
//
// Each block is the key file from private/ with its `role`/`gun` headers plus `path: <key id>`:
// notary's import refuses an encrypted block without a `path` header, because it cannot compute
// the key ID (the file name) without the passphrase (notary#1473). Encrypted files are copied as
// they are; nothing is decrypted unless a file is stored unencrypted (or in an old encryption
// format), and such a key is encrypted before it is written out.
import { constants } from 'node:fs';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ServerUnreachableError } from '../notary/http-errors.js';
import { parseReference } from '../registry/reference.js';
import { encodeKeyFile, encodePem, keyFileHeaders, parseKeyFile, type StoredKey } from '../keys/index.js';
import type { Envelope, Targets } from '../tuf/metadata/index.js';
import type { PublicKey } from '../tuf/key.js';
import type { ServerOptions } from './connect.js';
import type { TrustContext } from './context.js';
import { InputError } from './errors.js';
import { openRepository } from './repository.js';

export interface SaveOptions extends ServerOptions {
  /** Also export the root keys of the repositories. */
  root?: boolean;
}

export interface SavedKey {
  /** Canonical key ID (the file name in private/, the `path` header). */
  id: string;
  role: string;
  gun?: string;
  /** The repositories (GUNs) that use the key. */
  repositories: string[];
  /** The roles of those repositories the key signs (`root`, `targets`, `targets/releases`, ...). */
  signs: string[];
  /** The stored file was not encrypted (or used an old format) and was encrypted for the export. */
  reencrypted: boolean;
}

export interface KeyBundle {
  keys: SavedKey[];
  /** The PEM blocks, one per key, in the order of `keys`. Every block is encrypted. */
  pem: string;
}

/** Which held keys each repository uses, by canonical ID, and for which roles. */
type KeyUses = Map<string, { repositories: Set<string>; signs: Set<string> }>;

function recordUse(uses: KeyUses, id: string, gun: string, role: string): void {
  const use = uses.get(id) ?? { repositories: new Set<string>(), signs: new Set<string>() };
  use.repositories.add(gun);
  use.signs.add(role);
  uses.set(id, use);
}

/** Every delegation declared anywhere in the repository, with the keys its parent lists for it. */
function delegationKeys(files: readonly Envelope<Targets>[]): { role: string; keys: PublicKey[] }[] {
  return files.flatMap((file) => file.signed.delegations.map((d) => ({ role: d.name, keys: file.signed.delegationKeysOf(d) })));
}

/**
 * The keys `gun` uses, from its verified metadata (the cache when the server is unreachable; that
 * fallback is openRepository's). Without any usable metadata, the key files labelled with the GUN
 * (targets and snapshot keys) are all that can be found.
 */
async function keysOfRepository(ctx: TrustContext, input: string, options: SaveOptions, uses: KeyUses): Promise<void> {
  const reference = parseReference(input);
  if (reference.tag || reference.digest) throw new InputError(`${input} names an image, not a repository`, { hint: 'give the repository alone' });
  let repo;
  try {
    repo = await openRepository(ctx, reference, options);
  } catch (e) {
    if (!(e instanceof ServerUnreachableError)) throw e;
    ctx.warn(`${e.message}; saving only the keys labelled with ${reference.gun} (its signer keys cannot be known without its trust data)`);
    for (const key of await ctx.keys.list()) {
      if (key.gun === reference.gun && (options.root || key.role !== 'root')) recordUse(uses, key.id, reference.gun, key.role);
    }
    return;
  }
  const trusted = repo.state!.trusted;
  const root = trusted.root.signed;
  const roles: { role: string; keys: PublicKey[] }[] = [
    ...(options.root ? [{ role: 'root', keys: root.roleKeys('root') }] : []),
    { role: 'targets', keys: root.roleKeys('targets') },
    { role: 'snapshot', keys: root.roleKeys('snapshot') },
    ...delegationKeys([
      ...(trusted.targets ? [trusted.targets] : []),
      ...[...trusted.delegations.values()].map((d) => d.envelope),
      ...[...trusted.refusedDelegations.values()].map((d) => d.envelope),
    ]),
  ];
  for (const { role, keys } of roles) {
    for (const key of keys) if (await ctx.keys.has(key.canonicalId)) recordUse(uses, key.canonicalId, repo.gun, role);
  }
}

/** One key file as an export block: its own bytes and headers plus `path`, encrypted in any case. */
async function exportBlock(ctx: TrustContext, stored: StoredKey): Promise<{ pem: string; reencrypted: boolean }> {
  if (stored.problem) throw new InputError(`cannot save key ${stored.id}: ${stored.path} ${stored.problem}`);
  const file = parseKeyFile(await readFile(stored.path, 'utf8'), stored.path);
  const labels = { role: stored.role, gun: stored.gun };
  if (file.type === 'ENCRYPTED PRIVATE KEY') {
    return { pem: encodePem({ type: file.type, headers: { ...keyFileHeaders(labels), path: stored.id }, bytes: file.bytes }), reencrypted: false };
  }
  // Plain PKCS#8 or a legacy PEM block: never print it as it is.
  const key = await ctx.keys.unlock(stored.id, ctx.passphrases);
  const passphrase = await ctx.passphrases.get({ keyId: stored.id, role: stored.role, gun: stored.gun, purpose: 'new', attempt: 0 });
  if (passphrase === '') throw new InputError(`key ${stored.id} is stored unencrypted, and an empty passphrase cannot encrypt it for saving`, { hint: 'give a passphrase' });
  const reencoded = parseKeyFile(await encodeKeyFile(key, labels, passphrase), stored.path);
  return { pem: encodePem({ type: reencoded.type, headers: { ...reencoded.headers, path: stored.id }, bytes: reencoded.bytes }), reencrypted: true };
}

/** The keys this host holds for `repositories` (and with `root`, their root keys) as one PEM text. */
export async function collectKeys(ctx: TrustContext, repositories: readonly string[], options: SaveOptions = {}): Promise<KeyBundle> {
  if (repositories.length === 0) throw new InputError('name at least one repository whose keys to save');
  const uses: KeyUses = new Map();
  for (const repository of repositories) await keysOfRepository(ctx, repository, options, uses);
  if (uses.size === 0) {
    throw new InputError(
      `this host holds no keys of ${repositories.join(', ')}${options.root ? '' : ' (root keys left out)'}`,
      options.root ? {} : { hint: 'root keys are saved only with --root: add it to save them too' },
    );
  }
  const keys: SavedKey[] = [];
  let pem = '';
  // Root first, then by role and ID: the order of `key list`.
  const stored = (await ctx.keys.list()).filter((k) => uses.has(k.id));
  stored.sort((a, b) => Number(b.role === 'root') - Number(a.role === 'root'));
  for (const key of stored) {
    const block = await exportBlock(ctx, key);
    const use = uses.get(key.id)!;
    pem += block.pem;
    keys.push({
      id: key.id,
      role: key.role,
      ...(key.gun ? { gun: key.gun } : {}),
      repositories: [...use.repositories].sort(),
      signs: [...use.signs].sort(),
      reencrypted: block.reencrypted,
    });
  }
  return { keys, pem };
}

/**
 * Creates `path` with mode 0600 and `text`, atomically and never over an existing file: the data
 * goes to a temporary file that is then hard-linked to `path` (link fails if `path` exists).
 */
export async function writeNewPrivateFile(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600).catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`cannot write ${path}: ${e.code === 'ENOENT' ? 'its directory does not exist' : e.message}`);
  });
  try {
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'EEXIST' ? outputExists(path) : new InputError(`cannot write ${path}: ${e.message}`);
    });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function outputExists(path: string): InputError {
  return new InputError(`${path} already exists, and a key bundle never overwrites a file`, { hint: 'choose another --output file' });
}

export interface SaveResult {
  keys: SavedKey[];
  /** The file written, or undefined when the PEM is returned for printing. */
  output?: string;
  pem?: string;
}

/** `key save`: the bundle written to `output` (0600, new file), or returned for standard output. */
export async function saveKeys(
  ctx: TrustContext,
  repositories: readonly string[],
  options: SaveOptions & { output?: string } = {},
): Promise<SaveResult> {
  // Fail before any passphrase is asked: the file is never overwritten anyway.
  if (options.output !== undefined && (await stat(options.output).catch(() => undefined))) {
    throw outputExists(options.output);
  }
  const bundle = await collectKeys(ctx, repositories, options);
  if (options.output === undefined) return { keys: bundle.keys, pem: bundle.pem };
  await writeNewPrivateFile(options.output, bundle.pem);
  return { keys: bundle.keys, output: options.output };
}
