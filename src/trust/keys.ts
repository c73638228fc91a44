// Key operations: generate, load (import) and list the keys in the trust directory.
import { constants } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import {
  decodePem,
  encodePem,
  generatePrivateKey,
  PRIVATE_KEY_BLOCK_TYPES,
  parseKeyFile,
  ROLES_WITH_GUN,
  unlockKeyFile,
  type GeneratedKeyAlgorithm,
  type KeyFile,
  type StoredKey,
} from '../keys/index.js';
import { checkUserDirectory, MAX_PEM_BYTES, readUserText } from '../config/user-files.js';
import { NotAPrivateKeyError } from '../keys/errors.js';
import type { PassphraseSource } from '../keys/passphrase.js';
import { TrustCache } from '../notary/cache.js';
import { PublicKey } from '../tuf/key.js';
import type { PrivateKey } from '../tuf/private-key.js';
import { requireWritableDir } from '../config/writable.js';
import type { TrustContext } from './context.js';
import { InputError } from './errors.js';
import { isBaseRole } from '../tuf/delegation.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import { MIN_RSA_BITS, shortRsaKeyBits } from '../tuf/verify.js';

/** docker's rule for key and signer names (cli/command/trust/key_generate.go). */
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function checkKeyName(name: string, what = 'key name'): void {
  if (!NAME.test(name)) {
    throw new InputError(
      `${what} "${name}" must start with lowercase alphanumeric characters and can include "-" or "_" after the first character`,
    );
  }
}

/**
 * A new key's name: not a base role's. A new key labelled `root` would be taken for this host's root
 * key by the next `init` (and by notary's), in place of the real one.
 */
function checkSigningKeyName(name: string): void {
  checkKeyName(name);
  if (isBaseRole(name)) throw new InputError(`"${name}" is the name of a base role: give the signing key a name of its own (init makes the ${name === 'root' ? 'root key' : 'repository keys'})`);
}

/**
 * Key types that docker and notary cannot put into a delegation: notary's ParsePEMPublicKey and
 * CertToKey (utils/x509.go) know only ECDSA and RSA, so `signer add` there fails with "unknown
 * public key format" (tested against both CLIs).
 */
export const SIGNER_KEY_LIMITS: Partial<Record<GeneratedKeyAlgorithm, string>> = {
  ed25519: '`docker trust signer add` and `notary delegation add` cannot use ed25519 public keys (they accept ECDSA and RSA only); only trust-tui can add this signer',
};

export interface GeneratedKey {
  id: string;
  name: string;
  type: GeneratedKeyAlgorithm;
  publicKeyFile: string;
  privateKeyFile: string;
}

export interface GenerateKeyOptions {
  type?: GeneratedKeyAlgorithm;
  dir?: string;
  force?: boolean;
  /** Called once the request has passed every check, before the key is made and its passphrase asked. */
  announce?: () => void;
}

/** A new key for signer `name`: private key into the keystore, `DIR/NAME.pub` for `signer add`. */
export async function generateKey(ctx: TrustContext, name: string, options: GenerateKeyOptions = {}): Promise<GeneratedKey> {
  checkSigningKeyName(name);
  await requireWritableDir(ctx.trustDir);
  const type = options.type ?? 'ecdsa';
  const limit = SIGNER_KEY_LIMITS[type];
  if (limit && !options.force) {
    throw new InputError(limit, { hint: { cli: 'use --type ecdsa (the default), or add --force to make it anyway', ui: 'choose ecdsa' } });
  }
  const dir = options.dir ?? '.';
  await checkUserDirectory(dir, 'public key directory', { cli: 'create it or pass another --dir', ui: 'create it or choose another directory' });
  const publicKeyFile = resolve(dir, `${name}.pub`);
  if (await stat(publicKeyFile).catch(() => undefined)) {
    throw new InputError(`public key file already exists: "${publicKeyFile}"`, {
      hint: { cli: 'move it away or pass another --dir', ui: 'move it away or choose another directory' },
    });
  }

  if (limit) ctx.warn(limit);
  options.announce?.();
  const key = await generatePrivateKey(type);
  const passphrase = await ctx.passphrases.get({ keyId: key.id, role: name, purpose: 'new', attempt: 0 });
  // The settings first: when they cannot be written (an unusable --config-dir), nothing is left behind.
  await rememberKeyType(ctx, key);
  const stored = await ctx.keys.store(key, { role: name }, passphrase);
  try {
    await writeNewFile(publicKeyFile, publicKeyPem(key, name));
  } catch (e) {
    // Without its public half the new key is useless to `signer add`: leave nothing behind.
    await ctx.keys.remove(key.id).catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      // Another process (a second `key generate` of the same name) wrote it since the check above.
      throw new InputError(`public key file already exists: "${publicKeyFile}" (written meanwhile by another process); the new key was not kept`, {
        hint: { cli: 'move it away or pass another --dir', ui: 'move it away or choose another directory' },
      });
    }
    throw new InputError(`cannot write ${publicKeyFile}: ${(e as Error).message}`);
  }
  return { id: key.id, name, type, publicKeyFile, privateKeyFile: stored.path };
}

/** `PUBLIC KEY` PEM with a `role:` header, as `docker trust key generate` writes it. */
export function publicKeyPem(key: PrivateKey, role: string): string {
  return encodePem({ type: 'PUBLIC KEY', headers: { role }, bytes: key.publicKey.plainSpki() });
}

/** Creates `path` with mode 0600, failing if it exists (never overwrites another file). */
async function writeNewFile(path: string, text: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw e;
  }
  await handle.close();
}

export interface LoadedKey {
  id: string;
  role: string;
  type: string;
  file: string;
  privateKeyFile: string;
}

/**
 * Imports a private key file. The role comes from the file's `role:` header, else `name`.
 * Encrypted files are decrypted and stored under a new passphrase (docker's `key load` imports
 * nothing for them, docker/cli#1095).
 */
export interface LoadKeyOptions {
  /** Used when the file has no `role:` header. */
  name?: string;
  /**
   * Where the passphrase the file was encrypted with comes from (default: the context's). The UI
   * asks it in its dialog: the environment's passphrase is the keystore's, not the file's.
   */
  filePassphrases?: PassphraseSource;
  /** Called once the name has passed its checks, before the file is read (docker's order). */
  announce?: () => void;
}

/**
 * The name a key file without a `role:` header is stored under, checked before the file is read as
 * docker checks it. `root` is allowed: that is how a root key without a header is brought to a new
 * host. A repository's targets, snapshot or timestamp key needs the repository it belongs to, which
 * only the file's headers can give.
 */
function checkLoadName(name: string): void {
  checkKeyName(name);
  if (ROLES_WITH_GUN.includes(name)) {
    throw new InputError(`"${name}" is the name of a base role: give the signing key a name of its own (a repository's ${name} key is loaded from the file trust-tui key save or notary key export wrote: its headers name the repository)`);
  }
}

export async function loadKey(ctx: TrustContext, file: string, options: LoadKeyOptions = {}): Promise<LoadedKey> {
  if (options.name !== undefined) checkLoadName(options.name);
  const text = await readPrivateKeyFile(file);
  const parsed = (() => {
    try {
      return parseKeyFile(text, file);
    } catch (e) {
      if (e instanceof NotAPrivateKeyError) {
        const what = /-----BEGIN CERTIFICATE-----/.test(text) ? 'a certificate (it holds a public key)' : 'a public key';
        throw new InputError(`${file} is ${what}, not a private key`, {
          hint: { cli: "to add a signer's public key use trust-tui signer add", ui: "add a signer's public key on the Signers screen (3)" },
        });
      }
      throw e;
    }
  })();
  return importParsedKey(ctx, parsed, file, options);
}

/**
 * Imports every private key of a file: a single key as loadKey does, or each block of a bundle as
 * `trust-tui key save` and `notary key export` write them.
 */
export async function loadKeys(ctx: TrustContext, file: string, options: LoadKeyOptions = {}): Promise<LoadedKey[]> {
  if (options.name !== undefined) checkLoadName(options.name);
  await requireWritableDir(ctx.trustDir);
  options.announce?.();
  const blocks = decodePem(await readPrivateKeyFile(file), file).filter((b) => PRIVATE_KEY_BLOCK_TYPES.includes(b.type));
  if (blocks.length <= 1) return [await loadKey(ctx, file, options)];
  // Every block is opened before any is stored: a bad block (a wrong passphrase, damage) leaves
  // nothing of the bundle behind, instead of some keys stored under an error that names none.
  const opened: OpenedKey[] = [];
  for (const block of blocks) opened.push(await openParsedKey(ctx, parseKeyFile(encodePem(block), file), file, options));
  const loaded: LoadedKey[] = [];
  for (const key of opened) loaded.push(await storeOpenedKey(ctx, key, file));
  return loaded;
}

/** A private key file's text, refused when it is missing or others may read or write it (before any passphrase is asked). */
export async function readPrivateKeyFile(file: string): Promise<string> {
  const text = await readUserText(file, 'key file', { maxBytes: MAX_PEM_BYTES });
  const info = await stat(file);
  if (info.isFile() && info.mode & 0o077) {
    throw new InputError(`refusing to load key from ${file}: private key file ${file} must not be readable or writable by others`, {
      hint: `run chmod 600 ${file}`,
    });
  }
  return text;
}

interface OpenedKey {
  key: PrivateKey;
  role: string;
  gun: string | undefined;
}

async function importParsedKey(ctx: TrustContext, parsed: KeyFile, file: string, options: LoadKeyOptions): Promise<LoadedKey> {
  return storeOpenedKey(ctx, await openParsedKey(ctx, parsed, file, options), file);
}

/** The key of a parsed block, decrypted and checked, with the role and GUN it is stored under. */
async function openParsedKey(ctx: TrustContext, parsed: KeyFile, file: string, options: LoadKeyOptions): Promise<OpenedKey> {
  // options.name was checked before the file was read (checkLoadName).
  const role = parsed.role ?? options.name ?? 'signer';
  // notary's export names each block's key ID in a `path` header.
  const keyId = parsed.headers.path ?? basename(file);
  const key = await unlockKeyFile(parsed, options.filePassphrases ?? ctx.passphrases, { keyId, role, gun: parsed.gun, file });
  const rsaBits = key.material.algorithm === 'rsa' ? shortRsaKeyBits(key.material.key) : undefined;
  // Its signatures would never verify, here or in notary: refused before it is stored.
  if (rsaBits !== undefined) throw new InputError(`${file}: an RSA key of ${rsaBits} bits cannot sign; at least ${MIN_RSA_BITS} bits are needed`);
  // Stored again under another name, a root key would stop being found as the root key: the next
  // `init` would make a new one. Checked here, before any key of a bundle is stored.
  const existing = await ctx.keys.get(key.id);
  if (existing?.role === 'root' && role !== 'root') {
    throw new InputError(`${file} holds this host's root key ${shortKeyId(key.id)}, already stored as root: it is not stored again as ${role}; nothing was changed`);
  }
  return { key, role, gun: parsed.gun };
}

async function storeOpenedKey(ctx: TrustContext, { key, role, gun }: OpenedKey, file: string): Promise<LoadedKey> {
  const passphrase = await ctx.passphrases.get({ keyId: key.id, role, gun, purpose: 'new', attempt: 0 });
  const stored = await ctx.keys.store(key, { role, gun }, passphrase);
  await rememberKeyType(ctx, key);
  return { id: key.id, role, type: key.algorithm, file, privateKeyFile: stored.path };
}

export interface ListedKey {
  id: string;
  role: string;
  gun: string | null;
  type: string;
  file: string;
  problem?: string;
}

/**
 * Every key in the trust directory (nothing is decrypted). The type comes from the file when it
 * shows it (notary's older layouts, unencrypted keys), else from what this host recorded when it
 * made or imported the key, else from the cached trust data of a repository that uses the key
 * (keys made by docker or notary). `unknown` only when none of them knows.
 */
export async function listKeys(ctx: TrustContext): Promise<ListedKey[]> {
  const keyTypes = ctx.settings.data.keyTypes;
  const stored = await ctx.keys.list();
  const known = (k: StoredKey) => k.type ?? keyTypes[k.id];
  const cached = stored.some((k) => !known(k)) ? await keyTypesInCache(ctx.trustDir) : new Map<string, string>();
  return stored.map((k: StoredKey) => ({
    id: k.id,
    role: k.role,
    gun: k.gun ?? null,
    type: known(k) ?? cached.get(k.id) ?? 'unknown',
    file: k.path,
    ...(k.problem ? { problem: k.problem } : {}),
  }));
}

/** Canonical key ID -> type (`ecdsa`, not `ecdsa-x509`) of every key in cached root and targets metadata. */
async function keyTypesInCache(trustDir: string): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  const cache = new TrustCache(trustDir);
  // Loaded only when a key's type is not otherwise known: it brings the repository machinery along.
  const { cachedRepositories } = await import('./repositories.js');
  for (const gun of await cachedRepositories(trustDir)) {
    for (const role of ['root', 'targets']) {
      const bytes = await cache.read(gun, role).catch(() => undefined);
      if (!bytes) continue;
      let signed: { keys?: unknown; delegations?: { keys?: unknown } } | undefined;
      try {
        signed = (JSON.parse(bytes.toString('utf8')) as { signed?: typeof signed }).signed;
      } catch {
        continue; // a damaged cache file is reported where it is read for trust
      }
      const keys = role === 'root' ? signed?.keys : signed?.delegations?.keys;
      if (!keys || typeof keys !== 'object') continue;
      for (const json of Object.values(keys)) {
        try {
          const key = PublicKey.fromJSON(json);
          types.set(key.canonicalId, key.keytype.replace(/-x509$/, ''));
        } catch {
          // not a key this version understands: it names no type
        }
      }
    }
  }
  return types;
}

/** Key files do not say their type; remember it for keys this host made or imported. */
async function rememberKeyType(ctx: TrustContext, key: PrivateKey): Promise<void> {
  if (ctx.settings.data.keyTypes[key.id] === key.algorithm) return;
  await ctx.settings.update((s) => {
    s.keyTypes[key.id] = key.algorithm;
  });
}
