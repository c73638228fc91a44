// The private keys the server signs with: each repository's timestamp key and, when the client hands
// it over (`notary key rotate <gun> snapshot -r`, docker's default), its snapshot key. Keys are
// generated here (ECDSA P-256 by default, as notary-signer's `key_algorithm: ecdsa`) and stored
// wrapped (AES-256-GCM, key-wrap.ts) under a key-encryption key derived from the server passphrase
// once per process, not once per key; keys stored before that (notary key files, PBES2) still open.
// Decrypted keys are kept in memory.
import { WrongPassphraseError } from '../keys/errors.js';
import { openKeyFile, parseKeyFile } from '../keys/keyfile.js';
import { generatePrivateKey, type GeneratedKeyAlgorithm } from '../keys/generate.js';
import { PublicKey } from '../tuf/key.js';
import type { PrivateKey } from '../tuf/private-key.js';
import type { MetadataReader, ServerKeyRecord, StorageTransaction } from './stores/storage.js';
import { shortKeyId } from '../tuf/short-key-id.js';
import {
  deriveKek,
  isWrappedKey,
  kekId,
  newKekParameters,
  parseWrappedKey,
  unwrapPrivateKey,
  verifyWrappedKey,
  WrappedKeyFormatError,
  WrappedKeyTamperedError,
  wrapPrivateKey,
  WrongKekError,
  type Kek,
  type KekParameters,
  type WrappedKey,
} from './key-wrap.js';

export type ServerKeyRole = ServerKeyRecord['role'];

/** A key made and encrypted, not stored yet. */
export interface NewServerKey {
  key: PrivateKey;
  record: Parameters<StorageTransaction['addKey']>[0];
}

/** The keys the server holds for one repository, decrypted, by role. */
export interface HeldKeys {
  timestamp: readonly PrivateKey[];
  snapshot: readonly PrivateKey[];
}

/**
 * PBKDF2-HMAC-SHA256 iterations for the key-encryption key (OWASP's 2023 figure for SHA-256); only
 * this server reads its keys. Keys stored earlier (PBES2 at this count, or notary's 2048 HMAC-SHA1)
 * are still read.
 */
export const SERVER_KEY_PBKDF2_ITERATIONS = 600_000;

/**
 * PBKDF2 runs at once per process. Each run holds a libuv thread-pool thread for about half a second,
 * and that pool (UV_THREADPOOL_SIZE, 4 by default) also serves file IO, zlib and the PostgreSQL
 * driver's SCRAM login (WebCrypto): a burst of new repositories must leave a thread free, else new
 * database connections time out behind the key derivations and requests fail with 500.
 */
const KDF_CONCURRENCY = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1);

/** A counting semaphore: at most `size` tasks run at once, the others wait in order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** Shared by every Keyring of the process: the thread pool is per process. */
const kdfSlots = new Slots(KDF_CONCURRENCY);

/** The variable that carries the passphrase; the server refuses to start without it. */
export const SERVER_PASSPHRASE_VARIABLE = 'TRUST_TUI_SERVER_PASSPHRASE';

/** A stored key the passphrase opens, but whose record was changed or copied from another record. */
export class DamagedServerKeyError extends Error {
  override name = 'DamagedServerKeyError';
}

/** When a derivation runs: at start-up directly, while serving through the KDF slots. */
type Schedule = <T>(derive: () => Promise<T>) => Promise<T>;
const atStartUp: Schedule = (derive) => derive();
const whileServing: Schedule = (derive) => kdfSlots.run(derive);

export class Keyring {
  /** Decrypted keys by record (recordKey): signing happens on every publish. */
  readonly #decrypted = new Map<string, PrivateKey>();
  /** Decryptions under way, so that concurrent first uses of a key decrypt it once. */
  readonly #decrypting = new Map<string, Promise<PrivateKey>>();
  /** Key-encryption keys by salt and count, derived once each (also when asked for concurrently). */
  readonly #keks = new Map<string, Promise<Kek>>();
  /**
   * The salt new keys are wrapped with: the one of the stored wrapped keys once one opened, so that
   * replicas (and the worker processes of one) share one KEK; a random one while the store has none.
   */
  #wrapParameters: KekParameters | undefined;
  /** The one look at the store for a salt before this process wraps its first key. */
  #lookingForSalt: Promise<void> | undefined;
  #derivations = 0;

  constructor(
    private readonly passphrase: string,
    private readonly algorithm: GeneratedKeyAlgorithm = 'ecdsa',
    /** The stored keys, read once before the first wrap when no salt is known yet (see wrapKey). */
    private readonly storedKeys?: () => Promise<readonly ServerKeyRecord[]>,
  ) {
    if (!passphrase) throw new Error(`the server needs a passphrase for its keys: set ${SERVER_PASSPHRASE_VARIABLE}`);
  }

  /** PBKDF2 runs this key ring has made (key-encryption keys and keys stored in the older format). */
  get derivations(): number {
    return this.#derivations;
  }

  /**
   * Generates and wraps a key for `role` of `gun`, outside any transaction (the first key of a
   * process may wait for the KEK's derivation: the write lock must not). Store it with addKey.
   */
  async newKey(gun: string, role: ServerKeyRole): Promise<NewServerKey> {
    return this.wrapKey(gun, role, await generatePrivateKey(this.algorithm));
  }

  /** Wraps an existing key (e.g. imported from notary-signer) for `role` of `gun`; store it with addKey. */
  async wrapKey(gun: string, role: ServerKeyRole, key: PrivateKey): Promise<NewServerKey> {
    // Another process (a replica, a worker of this one) may have stored wrapped keys since this one
    // started on an empty store: use their salt rather than add one. Looked at once per process.
    if (!this.#wrapParameters && this.storedKeys) {
      const storedKeys = this.storedKeys;
      this.#lookingForSalt ??= storedKeys()
        .then((records) => this.#adoptStoredSalt(records, whileServing))
        .catch(() => undefined); // no salt learnt: a new one costs one more derivation per process, no more
      await this.#lookingForSalt;
    }
    // Chosen before any further await, so that a burst of new keys in a fresh process shares one salt.
    const parameters = (this.#wrapParameters ??= newKekParameters(SERVER_KEY_PBKDF2_ITERATIONS));
    const kek = await this.#kek(parameters, whileServing);
    const publicKey = key.publicKey;
    const pem = wrapPrivateKey(kek, key, { keyId: publicKey.id, role, gun });
    const record = { gun, role, keyId: publicKey.id, keytype: publicKey.keytype, publicB64: publicKey.publicB64, encryptedPrivateKey: pem };
    return { key, record };
  }

  /** Stores a key made by newKey in the transaction and returns its public key. */
  async addKey(tx: StorageTransaction, made: NewServerKey): Promise<PublicKey> {
    await tx.addKey(made.record);
    this.#decrypted.set(recordKey(made.record), made.key);
    return made.key.publicKey;
  }

  /** The public key of a stored record. */
  publicKey(record: ServerKeyRecord): PublicKey {
    return PublicKey.fromJSON({ keytype: record.keytype, keyval: { public: record.publicB64, private: null } }, 'server key');
  }

  /** Decrypts (once) and returns the private key of a stored record. */
  privateKey(record: ServerKeyRecord): Promise<PrivateKey> {
    return this.#privateKey(record, whileServing);
  }

  async #privateKey(record: ServerKeyRecord, schedule: Schedule): Promise<PrivateKey> {
    const id = recordKey(record);
    const cached = this.#decrypted.get(id);
    if (cached) return cached;
    let decrypting = this.#decrypting.get(id);
    if (!decrypting) {
      decrypting = this.#open(record, schedule)
        .then((key) => {
          this.#decrypted.set(id, key);
          return key;
        })
        .finally(() => this.#decrypting.delete(id));
      this.#decrypting.set(id, decrypting);
    }
    return decrypting;
  }

  async #open(record: ServerKeyRecord, schedule: Schedule): Promise<PrivateKey> {
    const source = `server key ${shortKeyId(record.keyId)}`;
    if (!isWrappedKey(record.encryptedPrivateKey)) {
      // Stored before keys were wrapped: a notary key file with its own PBKDF2 salt, one derivation each.
      const file = parseKeyFile(record.encryptedPrivateKey, source);
      this.#derivations++;
      return schedule(() => openKeyFile(file, this.passphrase, record.keyId));
    }
    return this.#openWrapped(record, schedule, unwrapPrivateKey);
  }

  /** Opens (`unwrapPrivateKey`) or only checks (`verifyWrappedKey`) a wrapped record, with the errors the server shows. */
  async #openWrapped<T>(record: ServerKeyRecord, schedule: Schedule, open: (kek: Kek, wrapped: WrappedKey, binding: ServerKeyRecord) => T): Promise<T> {
    const wrapped = parseWrappedKey(record.encryptedPrivateKey, `server key ${shortKeyId(record.keyId)}`);
    const kek = await this.#kek(wrapped, schedule);
    try {
      const opened = open(kek, wrapped, record);
      this.#adoptWrapParameters(wrapped);
      return opened;
    } catch (e) {
      if (e instanceof WrongKekError) throw new WrongPassphraseError(record.keyId, SERVER_PASSPHRASE_VARIABLE);
      if (e instanceof WrappedKeyTamperedError) throw new DamagedServerKeyError(damagedMessage(record, e));
      throw e;
    }
  }

  #kek(parameters: KekParameters, schedule: Schedule): Promise<Kek> {
    const id = kekId(parameters);
    let kek = this.#keks.get(id);
    if (!kek) {
      this.#derivations++;
      kek = schedule(() => deriveKek(this.passphrase, parameters));
      kek.catch(() => this.#keks.delete(id));
      this.#keks.set(id, kek);
    }
    return kek;
  }

  /** New keys use the salt of the stored keys (the first one that opened) unless they use one already. */
  #adoptWrapParameters(parameters: KekParameters): void {
    if (this.#wrapParameters || parameters.iterations !== SERVER_KEY_PBKDF2_ITERATIONS) return;
    this.#wrapParameters = { salt: parameters.salt, iterations: parameters.iterations };
  }

  /** Every key the server holds for the repository, decrypted. */
  async heldKeys(reader: MetadataReader, gun: string): Promise<HeldKeys> {
    const load = async (role: ServerKeyRole) =>
      Promise.all((await reader.listKeys(gun, role)).map((record) => this.privateKey(record)));
    const [timestamp, snapshot] = await Promise.all([load('timestamp'), load('snapshot')]);
    return { timestamp, snapshot };
  }

  /**
   * Opens every stored key, so that a wrong passphrase stops the server at start-up, not at the first
   * publish, also when another instance stored keys under another passphrase. Returns the records
   * the passphrase does not open (empty: all good); throws DamagedServerKeyError for a record it
   * should open but that was changed or copied from another record. Wrapped keys cost one PBKDF2 run
   * per distinct salt, then microseconds each; keys in the older format one run each.
   */
  async checkPassphrase(records: readonly ServerKeyRecord[]): Promise<ServerKeyRecord[]> {
    const hadWrapParameters = this.#wrapParameters !== undefined;
    const refused: number[] = [];
    const damaged: { index: number; error: unknown }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const index = next++;
        const record = records[index]!;
        // Before the server listens nothing else needs the thread pool: no KDF slots, the workers bound it.
        // Wrapped keys are only checked (decoded when first used); older ones are decrypted and kept,
        // so that their derivation is not paid twice.
        const check = isWrappedKey(record.encryptedPrivateKey)
          ? this.#openWrapped(record, atStartUp, verifyWrappedKey)
          : this.#privateKey(record, atStartUp);
        await check.catch((error: unknown) => {
          if (error instanceof DamagedServerKeyError || error instanceof WrappedKeyFormatError) damaged.push({ index, error });
          else refused.push(index); // wrong passphrase, or a legacy key file that does not decode (as before)
        });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    if (!hadWrapParameters) {
      // The oldest wrapped key that opened, not whichever salt's derivation happened to finish first:
      // every process starting on this store picks the same one.
      this.#wrapParameters = undefined;
      const refusedOrDamaged = new Set([...refused, ...damaged.map((d) => d.index)]);
      for (let i = 0; i < records.length && !this.#wrapParameters; i++) {
        const record = records[i]!;
        if (refusedOrDamaged.has(i) || !isWrappedKey(record.encryptedPrivateKey)) continue;
        this.#adoptWrapParameters(parseWrappedKey(record.encryptedPrivateKey, 'server key'));
      }
    }
    if (refused.length === 0 && damaged.length > 0) {
      // Named in store order, oldest first, whatever order the checks finished in.
      const first = damaged.reduce((a, b) => (b.index < a.index ? b : a));
      const others = damaged.length > 1 ? ` (and ${damaged.length - 1} more)` : '';
      const message = first.error instanceof DamagedServerKeyError ? first.error.message : damagedMessage(records[first.index]!, first.error);
      throw new DamagedServerKeyError(message + others);
    }
    return refused.sort((a, b) => a - b).map((index) => records[index]!);
  }

  /**
   * Learns the salt of the stored wrapped keys without opening them all (a worker process whose
   * primary checked the passphrase): opens the first one, which derives the KEK it needs anyway.
   */
  adoptStoredSalt(records: readonly ServerKeyRecord[]): Promise<void> {
    return this.#adoptStoredSalt(records, atStartUp);
  }

  async #adoptStoredSalt(records: readonly ServerKeyRecord[], schedule: Schedule): Promise<void> {
    const first = records.find((r) => isWrappedKey(r.encryptedPrivateKey));
    if (first) await this.#privateKey(first, schedule).catch(() => undefined);
  }
}

/** Decrypted keys are cached per record: the same key ID in another record is checked on its own. */
function recordKey(record: Pick<ServerKeyRecord, 'gun' | 'role' | 'keyId'>): string {
  return `${record.gun}\0${record.role}\0${record.keyId}`;
}

function damagedMessage(record: ServerKeyRecord, error: unknown): string {
  const which = `the ${record.role} key ${shortKeyId(record.keyId)} of ${record.gun}`;
  // The server does not start with it, so the record has to go before the key can be rotated.
  const fix = `restore that record from a backup, or delete it and rotate the key with the root key (notary key rotate ${record.gun} ${record.role} -r)`;
  if (error instanceof WrappedKeyFormatError) return `${which} is not a wrapped key this server reads (${error.message}): ${fix}`;
  return `${which} does not open although the passphrase is right: its record was changed or copied from another record; ${fix}`;
}
