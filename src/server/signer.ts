// The private keys the server signs with: each repository's timestamp key and, when the client hands
// it over (`notary key rotate <gun> snapshot -r`, docker's default), its snapshot key. Keys are
// generated here (ECDSA P-256 by default, as notary-signer's `key_algorithm: ecdsa`) and stored as
// notary key files encrypted with the server passphrase; decrypted keys are kept in memory.
import { encodeKeyFile, openKeyFile, parseKeyFile } from '../keys/keyfile.js';
import { generatePrivateKey, type GeneratedKeyAlgorithm } from '../keys/generate.js';
import { PublicKey } from '../tuf/key.js';
import type { PrivateKey } from '../tuf/private-key.js';
import type { MetadataReader, ServerKeyRecord, StorageTransaction } from './stores/storage.js';
import { shortKeyId } from '../tuf/short-key-id.js';

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
 * PBKDF2-HMAC-SHA256 iterations for keys the server creates (OWASP's 2023 figure for SHA-256); only
 * this server reads them. Keys stored earlier (notary's 2048 HMAC-SHA1) are still read.
 */
export const SERVER_KEY_PBKDF2_ITERATIONS = 600_000;

/** The variable that carries the passphrase; the server refuses to start without it. */
export const SERVER_PASSPHRASE_VARIABLE = 'TRUST_TUI_SERVER_PASSPHRASE';

/**
 * PBKDF2 runs in libuv's thread pool (4 threads by default), which DNS look-ups, file access, zlib and
 * the PostgreSQL driver's SCRAM handshake share. A burst of first publishes on a replica (each opens
 * the repository's keys once) filled it for seconds and new database connections timed out, so at
 * most this many key derivations run at once per process.
 */
const KEY_DERIVATIONS_AT_ONCE = 2;

/** A first-come, first-served limit on concurrent async work. */
class Gate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes on
      else this.#running--;
    }
  }
}

export class Keyring {
  /** Decrypted keys by key ID: decryption runs PBKDF2, and signing happens on every publish. */
  readonly #decrypted = new Map<string, PrivateKey>();
  /** Decryptions under way, so concurrent requests for one key derive it once. */
  readonly #opening = new Map<string, Promise<PrivateKey>>();
  readonly #derivations = new Gate(KEY_DERIVATIONS_AT_ONCE);

  constructor(
    private readonly passphrase: string,
    private readonly algorithm: GeneratedKeyAlgorithm = 'ecdsa',
  ) {
    if (!passphrase) throw new Error(`the server needs a passphrase for its keys: set ${SERVER_PASSPHRASE_VARIABLE}`);
  }

  /**
   * Generates and encrypts a key for `role` of `gun`, outside any transaction (PBKDF2 at the modern
   * count takes a fifth of a second: the write lock must not wait for it). Store it with addKey.
   */
  async newKey(gun: string, role: ServerKeyRole): Promise<NewServerKey> {
    return this.wrapKey(gun, role, await generatePrivateKey(this.algorithm));
  }

  /** Encrypts an existing key (e.g. imported from notary-signer) for `role` of `gun`; store it with addKey. */
  async wrapKey(gun: string, role: ServerKeyRole, key: PrivateKey): Promise<NewServerKey> {
    const pem = await this.#derivations.run(() =>
      encodeKeyFile(key, { role, gun }, this.passphrase, { strongIterations: SERVER_KEY_PBKDF2_ITERATIONS }),
    );
    const publicKey = key.publicKey;
    const record = { gun, role, keyId: publicKey.id, keytype: publicKey.keytype, publicB64: publicKey.publicB64, encryptedPrivateKey: pem };
    return { key, record };
  }

  /** Stores a key made by newKey in the transaction and returns its public key. */
  async addKey(tx: StorageTransaction, made: NewServerKey): Promise<PublicKey> {
    await tx.addKey(made.record);
    this.#decrypted.set(made.key.publicKey.id, made.key);
    return made.key.publicKey;
  }

  /** The public key of a stored record. */
  publicKey(record: ServerKeyRecord): PublicKey {
    return PublicKey.fromJSON({ keytype: record.keytype, keyval: { public: record.publicB64, private: null } }, 'server key');
  }

  /** Decrypts (once) and returns the private key of a stored record. */
  async privateKey(record: ServerKeyRecord): Promise<PrivateKey> {
    const cached = this.#decrypted.get(record.keyId);
    if (cached) return cached;
    const opening = this.#opening.get(record.keyId);
    if (opening) return opening;
    const open = this.#derivations
      .run(() => {
        const file = parseKeyFile(record.encryptedPrivateKey, `server key ${shortKeyId(record.keyId)}`);
        return openKeyFile(file, this.passphrase, record.keyId);
      })
      .then((key) => {
        this.#decrypted.set(record.keyId, key);
        return key;
      })
      .finally(() => this.#opening.delete(record.keyId));
    this.#opening.set(record.keyId, open);
    return open;
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
   * that do not open (empty: all good). PBKDF2 runs in libuv's thread pool, a few keys at a time.
   */
  async checkPassphrase(records: readonly ServerKeyRecord[]): Promise<ServerKeyRecord[]> {
    const failed: ServerKeyRecord[] = [];
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const record = records[next++]!;
        await this.privateKey(record).catch(() => failed.push(record));
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return failed;
  }
}
